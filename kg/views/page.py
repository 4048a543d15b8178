"""What every page shares: data as JSON safe inside ``<script>``, and template filling."""

from __future__ import annotations

import html
import json
import re

_JSON_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def to_script_json(value: object) -> str:
    """JSON safe inside ``<script>``: ``<``, ``>``, ``&`` and line separators escaped.

    >>> to_script_json({"x": "</script><b>&"})
    '{"x":"\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e\\\\u0026"}'
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return re.sub("[<>&\u2028\u2029]", lambda m: _JSON_ESCAPES[m.group(0)], text)


def fill_template(template: str, values: dict[str, str]) -> str:
    """Replace ``{{NAME}}`` placeholders in one pass (inserted text is never re-scanned).

    >>> fill_template("<b>{{A}}</b>{{B}}", {"A": "{{B}}", "B": "x"})
    '<b>{{B}}</b>x'
    """
    return re.sub(r"\{\{([A-Z_]+)\}\}", lambda m: values[m.group(1)], template)


def inline_safe(code: str, tag: str) -> str:
    """``code`` with every ``</tag`` broken, so it cannot close the element it sits in."""
    return re.sub(f"</({tag})", r"<\\/\1", code, flags=re.IGNORECASE)


def to_iframe(page: str, height: int = 720) -> str:
    """``page`` inside an ``<iframe srcdoc>``: how notebooks show a page inline.

    The page keeps its own Content-Security-Policy, so it loads nothing there either.

    >>> to_iframe('<p title="x">&</p>', 100)[:60]
    '<iframe srcdoc="&lt;p title=&quot;x&quot;&gt;&amp;&lt;/p&gt;'
    """
    return (
        f'<iframe srcdoc="{html.escape(page, quote=True)}" '
        f'style="width:100%;height:{height}px;border:1px solid #d0d7de" '
        'title="inspection-kg view"></iframe>'
    )
