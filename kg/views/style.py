"""Colours every page shares, and the contrast arithmetic that checks them (WCAG 2).

Polarity uses the Okabe-Ito colour-blind-safe set (blue for strengths, vermillion for areas
for improvement, bluish green for good practice) and a second cue that survives greyscale:
strengths solid, improvements hatched (dashed edges), good practice dotted. Cell tints are
blends of those colours with white at fixed levels, so the text drawn on them (``INK``) can
be checked: ``contrast(INK, tint) >= 4.5`` for every tint (tests/test_viz.py does).
"""

from __future__ import annotations

INK = "#1a1a1a"
MUTED = "#4a5563"
PAPER = "#ffffff"

POLARITY: dict[str, dict[str, str]] = {
    "strength": {"label": "strengths", "short": "S", "color": "#0072B2", "cue": "solid"},
    "improvement": {
        "label": "areas for improvement",
        "short": "I",
        "color": "#D55E00",
        "cue": "hatched",
    },
    "good practice": {"label": "good practice", "short": "G", "color": "#009E73", "cue": "dotted"},
}
LEVELS = (0.18, 0.32, 0.46, 0.6)
"""Share of the polarity colour in a cell's tint, by count quartile (the rest is white)."""


def _rgb(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    return int(colour[0:2], 16), int(colour[2:4], 16), int(colour[4:6], 16)


def blend(colour: str, share: float, base: str = PAPER) -> str:
    """``colour`` mixed with ``base`` (``share`` of colour), as #rrggbb.

    >>> blend("#000000", 0.5)
    '#808080'
    """
    a, b = _rgb(colour), _rgb(base)
    mixed = (round(share * x + (1 - share) * y) for x, y in zip(a, b, strict=True))
    return "#" + "".join(f"{v:02x}" for v in mixed)


def luminance(colour: str) -> float:
    """WCAG relative luminance of ``colour``."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two colours (1 to 21).

    >>> round(contrast("#000000", "#ffffff"), 1)
    21.0
    """
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def tints() -> dict[str, list[str]]:
    """Each polarity's cell tints, lightest first."""
    return {key: [blend(s["color"], level) for level in LEVELS] for key, s in POLARITY.items()}


def palette() -> dict:
    """What the pages' scripts read: polarity colours, cues, tints and the ink."""
    return {"polarity": POLARITY, "tints": tints(), "ink": INK, "muted": MUTED}
