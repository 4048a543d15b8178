"""Views (stage 8): the public entry points, kept here for ``kg viz``, notebooks and old imports.

The pages live in :mod:`kg.views` (one module per page family); this module re-exports
what callers use and dispatches ``write_view``/``select_view``/``to_html`` to the right
page: the network views (``kg.views.network``) or the matrix (``kg.views.matrix``).
"""

from __future__ import annotations

from kg.views.network import (  # noqa: F401  (re-exported)
    EDGE_STYLE,
    MAX_NODES,
    PHYSICS_MAX,
    STYLE,
    TEMPLATE,
    OfflineNetwork,
    ViewData,
    ViewStats,
    build_view,
    spring_positions,
    to_view_data,
    to_view_graph,
    vis_assets,
)
from kg.views.network import VIEWS as NETWORK_VIEWS  # noqa: F401
from kg.views.page import fill_template, to_script_json  # noqa: F401
from kg.views.pages import VIEWS, select_view, to_html, write_view  # noqa: F401
