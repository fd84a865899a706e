"""Layering: the rest of ``engine`` never imports ``engine.api``; the API imports no outer layer."""

from __future__ import annotations

import ast
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[3] / "engine"
API = ENGINE / "api"
FORBIDDEN_IN_API = ("terminal", "datafeeds", "bridges", "PySide6", "pyqtgraph", "qasync", "httpx")


def _imports(path: Path) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
    return modules


def test_engine_outside_api_never_imports_engine_api():
    offenders = [
        str(p.relative_to(ENGINE))
        for p in ENGINE.rglob("*.py")
        if API not in p.parents and any(m == "engine.api" or m.startswith("engine.api.") for m in _imports(p))
    ]
    assert offenders == []


def test_engine_api_imports_no_outer_layer():
    offenders = {
        str(p.relative_to(ENGINE)): sorted(m for m in _imports(p) if m.split(".")[0] in FORBIDDEN_IN_API)
        for p in API.rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}
