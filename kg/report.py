"""Report (stage 8): kept here for ``kg report``/``kg run`` and old imports.

The report lives in :mod:`kg.views.report`.
"""

from __future__ import annotations

from kg.views.report import (  # noqa: F401  (re-exported)
    SCALES,
    TEMPLATE,
    scale_of,
    to_grade_multiples,
    to_report_body,
    to_table,
    to_timeline,
    write_report,
)
