"""Every page by name: ``select_view``, ``to_html`` and ``write_view`` dispatch on it."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from kg.analysis import Selection
from kg.errors import KgError
from kg.store import Store
from kg.views import network
from kg.views.matrix import MATRIX_DESCRIPTION, to_matrix_data, to_matrix_html
from kg.views.page import to_iframe
from kg.views.select import ViewSelection, as_view_selection

VIEWS: dict[str, str] = {"matrix": MATRIX_DESCRIPTION, **network.VIEWS}
"""Page name -> one sentence on what it shows (the matrix first: it answers most)."""


@dataclass
class MatrixPage:
    """The matrix page's data, ready to write."""

    data: dict
    note: str = ""
    view: str = "matrix"

    def _repr_html_(self) -> str:
        """Jupyter shows the matrix inline (an iframe with ``srcdoc``; nothing is fetched)."""
        return to_iframe(to_matrix_html(self.data, self.note))

    @property
    def nodes(self) -> list:
        """Rows (partnerships), so callers that count nodes count something sensible."""
        return self.data["partnerships"]

    @property
    def edges(self) -> list:
        """Findings."""
        return self.data["findings"]


@dataclass(frozen=True)
class MatrixStats:
    """What a written matrix page holds."""

    view: str
    nodes: int
    edges: int
    columns: int
    seconds: float = 0.0
    capped: bool = False

    @property
    def total_nodes(self) -> int:
        return self.nodes

    @property
    def total_edges(self) -> int:
        return self.edges

    def __str__(self) -> str:
        return (
            f"{self.view}: {self.nodes} partnerships x {self.columns} themes, {self.edges} findings"
        )


def select_view(
    store: Store,
    view: str,
    max_nodes: int = network.MAX_NODES,
    selection: Selection | ViewSelection | None = None,
):
    """Query ``store`` (unless ``selection`` holds the rows) and prepare page ``view``."""
    if view not in VIEWS:
        raise KgError(f"{view}: no such view (known: {', '.join(VIEWS)})")
    chosen = as_view_selection(store, selection)
    if view == "matrix":
        return MatrixPage(to_matrix_data(chosen))
    return network.to_view_data(network.to_view_graph(chosen, view), view, max_nodes)


def to_html(data) -> str:
    """The self-contained page of ``data`` (a network view or the matrix)."""
    if isinstance(data, MatrixPage):
        return to_matrix_html(data.data, data.note)
    return network.to_html(data)


def write_view(
    store: Store,
    view: str,
    path: Path,
    max_nodes: int = network.MAX_NODES,
    selection: Selection | ViewSelection | None = None,
):
    """Write page ``view`` of ``store`` as one self-contained HTML file at ``path``.

    Writing several pages, pass one ``select_views(store)`` as ``selection``: the queries
    are most of the cost.
    """
    started = time.perf_counter()
    data = select_view(store, view, max_nodes, selection)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(to_html(data), encoding="utf-8")
    seconds = time.perf_counter() - started
    if isinstance(data, MatrixPage):
        return MatrixStats(
            view=view,
            nodes=len(data.data["partnerships"]),
            edges=len(data.data["findings"]),
            columns=len(data.data["themes"]),
            seconds=seconds,
        )
    return network.ViewStats(
        view=view,
        nodes=len(data.nodes),
        edges=len(data.edges),
        total_nodes=data.total_nodes,
        total_edges=data.total_edges,
        seconds=seconds,
    )
