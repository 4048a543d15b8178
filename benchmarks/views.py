"""Views on one store: each page written, the matrix and the network pages drawn in headless
Chromium, and focus mode checked (the overview shows exactly its chosen node's neighbourhood).

    python -m benchmarks.views STORE [--out DIR]

Prints one JSON line per page: nodes (rows for the matrix), edges (findings), seconds to
select and write, the page's own draw time (``draw-ms``: first script to drawing) and
Chromium's wall time (start-up included). Results are not committed.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path


def run(store_path: Path, out: Path) -> list[dict[str, object]]:
    from kg.store import Store
    from kg.views.select import select_views
    from kg.viz import VIEWS, select_view, write_view
    from tests.browser import render

    store = Store(store_path, read_only=True)
    began = time.perf_counter()
    selection = select_views(store)
    select_s = round(time.perf_counter() - began, 2)
    rows = []
    for view in VIEWS:
        path = out / f"{view}.html"
        stats = write_view(store, view, path, selection=selection)
        row: dict[str, object] = {
            "view": view,
            "nodes": stats.nodes,
            "edges": stats.edges,
            "select_s": select_s,
            "write_s": round(stats.seconds, 2),
            "bytes": path.stat().st_size,
        }
        began = time.perf_counter()
        rendered = render(path, budget_ms=60000, timeout=240)
        row["chromium_wall_s"] = round(time.perf_counter() - began, 2)
        row["draw_ms"] = rendered.status.get("draw-ms")
        row["ready"] = rendered.status.get("ready")
        row["visible_nodes"] = rendered.status.get("visible-nodes")
        if view == "overview":
            data = select_view(store, view, selection=selection)
            if data.extra.get("focusMode"):
                chosen = max(
                    (n["id"] for n in data.nodes if n["kind"] == "Partnership"),
                    key=lambda i: sum(1 for e in data.edges if i in (e["from"], e["to"])),
                )
                hood = {chosen}
                for edge in data.edges:
                    if chosen in (edge["from"], edge["to"]):
                        hood |= {edge["from"], edge["to"]}
                focused = render(path, budget_ms=60000, timeout=240, fragment=f"focus={chosen}")
                row["focus"] = chosen
                row["focus_expected"] = len(hood)
                row["focus_shown"] = int(focused.status.get("visible-nodes", -1))
        print(json.dumps(row), flush=True)
        rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", type=Path)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    out = args.out or Path(tempfile.mkdtemp(prefix="kg-views-"))
    out.mkdir(parents=True, exist_ok=True)
    run(args.store, out)


if __name__ == "__main__":
    main()
