"""What every page shares: data as JSON safe inside ``<script>``, and template filling."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

HEAD = Path(__file__).parent / "templates" / "head.html"

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


def page_head(title: str) -> str:
    """The ``<head>`` contents every page shares, for a page called ``title`` (plain text).

    One Content-Security-Policy that loads nothing from outside the page, and the collector of
    script errors, unhandled rejections and ``console.error`` lines that the pages report in
    their ``#kg-status`` element for the browser tests.

    >>> "<title>a &amp; b</title>" in page_head("a & b")
    True
    """
    return fill_template(HEAD.read_text(encoding="utf-8"), {"TITLE": html.escape(title)})


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
