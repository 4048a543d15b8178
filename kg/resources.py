"""Resources: locate the ontology, queries and reference data shipped with the package.

In a source checkout they are read from the repository (``ontology/``, ``queries/``); in an
installed wheel from ``kg/_bundled/``, where the build copies them.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
_CANDIDATES = (PACKAGE_DIR.parent, PACKAGE_DIR / "_bundled")


def resource_dir(name: str) -> Path:
    """Return the directory ``name`` (``ontology`` or ``queries``) wherever it ships.

    >>> resource_dir("ontology").name
    'ontology'
    """
    for base in _CANDIDATES:
        path = base / name
        if path.is_dir():
            return path
    raise FileNotFoundError(f"{name}/ is missing from the installation")


def data_path(name: str) -> Path:
    """Return the path of a reference-data file in ``kg/data``."""
    return PACKAGE_DIR / "data" / name
