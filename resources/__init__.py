"""Bundled data files: the web viewer, the default ML model, the MQL expert advisor, the icons
(and, in an installed bundle, the built guide: ``guide/index.html``).

The folder ships inside the installed package, so code finds its files with
``resources.path(...)`` whether it runs from a checkout or an installed wheel.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent


def path(*parts: str) -> Path:
    """Return the path of a bundled file or folder, e.g. ``path("web", "index.html")``."""
    return ROOT.joinpath(*parts)
