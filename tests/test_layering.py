"""The dependency rules of shared/STYLE.md, checked by reading imports."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

ENGINE_FORBIDDEN = {
    "PySide6",
    "pyqtgraph",
    "qasync",
    "httpx",
    "yfinance",
    "zmq",
    "MetaTrader5",
    "terminal",
    "datafeeds",
    "bridges",
}
# engine/api is the embedded server: it may use the web stack, never Qt or the outer layers.
API_FORBIDDEN = {"PySide6", "pyqtgraph", "qasync", "terminal", "datafeeds", "bridges"}
OUTER_FORBIDDEN = {"PySide6", "pyqtgraph", "qasync", "terminal"}


def _imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def _violations(folder: str, forbidden: set[str], skip: str | None = None) -> list[str]:
    found = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        if skip and skip in path.parts:
            continue
        bad = _imported_roots(path) & forbidden
        if bad:
            found.append(f"{path.relative_to(ROOT)} imports {sorted(bad)}")
    return found


def test_engine_imports_no_qt_network_clients_or_outer_layers():
    assert _violations("engine", ENGINE_FORBIDDEN, skip="api") == []


def test_engine_api_imports_no_qt_or_outer_layers():
    assert _violations("engine/api", API_FORBIDDEN) == []


def test_engine_core_never_imports_engine_api():
    offenders = []
    for path in sorted((ROOT / "engine").rglob("*.py")):
        if "api" in path.relative_to(ROOT / "engine").parts:
            continue
        text = path.read_text(encoding="utf-8")
        if "engine.api" in text and "import" in text:
            tree = ast.parse(text)
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("engine.api"):
                    offenders.append(str(path))
                if isinstance(node, ast.Import) and any(a.name.startswith("engine.api") for a in node.names):
                    offenders.append(str(path))
    assert offenders == []


def test_datafeeds_and_bridges_import_no_qt_or_terminal():
    assert _violations("datafeeds", OUTER_FORBIDDEN) + _violations("bridges", OUTER_FORBIDDEN) == []


def test_layering_check_detects_a_forbidden_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from PySide6.QtCore import QObject\nimport httpx\n")
    assert _imported_roots(bad) & ENGINE_FORBIDDEN == {"PySide6", "httpx"}
