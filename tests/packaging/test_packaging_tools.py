"""The packaging helpers that run without a build: smoke-test rules, bundle report, .deb checks."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load(name: str, relative: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / relative)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


smoke = _load("smoke", "packaging/smoke.py")
bundle_report = _load("bundle_report", "packaging/bundle_report.py")
check_deb = _load("check_deb", "packaging/linux/check_deb.py")


def test_smoke_stderr_accepts_log_lines_only():
    log = "2026-12-06 15:00:00,123 INFO paper_terminal.serve: engine running\n"
    assert smoke.stderr_problems(log + "\n") == ""
    assert smoke.stderr_problems(log + "Traceback (most recent call last):\n") == "Traceback (most recent call last):"
    error = "2026-12-06 15:00:00,123 ERROR paper_terminal.app: uncaught exception\n"
    assert smoke.stderr_problems(error) != ""
    assert smoke.stderr_problems("exported 2 trades to x.csv\n", allowed=(smoke.EXPORT_NOTE,)) == ""


def test_smoke_masks_only_the_replay_wall_time():
    text = "Replay of 2,400 bars (EURUSD) in 0.01 s\nSignals: 24 in 3 s\n"
    assert (
        smoke.WALL_TIME.sub(r"\1<t> s", text, count=1) == "Replay of 2,400 bars (EURUSD) in <t> s\nSignals: 24 in 3 s\n"
    )


def test_smoke_price_files_are_the_same_everywhere(tmp_path):
    pytest.importorskip("pyarrow")
    first_dir = tmp_path / "a"
    first_dir.mkdir()
    first = smoke.write_prices(first_dir)
    second_dir = tmp_path / "b"
    second_dir.mkdir()
    second = smoke.write_prices(second_dir)
    assert first[0].read_bytes() == second[0].read_bytes()
    assert first[2].read_bytes() == second[2].read_bytes()
    lines = first[0].read_text().splitlines()
    assert lines[0] == "time,open,high,low,close" and len(lines) == 2401


def test_bundle_report_components(tmp_path):
    root = tmp_path / "paper-terminal"
    files = {
        "paper-terminal": 10,
        "_internal/libpython3.11.so.1.0": 20,
        "_internal/base_library.zip": 5,
        "_internal/PySide6/Qt/lib/libQt6Core.so.6": 30,
        "_internal/PySide6/Qt/plugins/platforms/libqxcb.so": 3,
        "_internal/numpy.libs/libopenblas.so": 7,
        "_internal/pandas/core/frame.pyc": 4,
    }
    for name, size in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x" * size)
    totals, total = bundle_report.sizes(root)
    assert total == sum(files.values())
    assert totals == {
        "(executables)": 10,
        "python (libpython)": 20,
        "python (stdlib)": 5,
        "PySide6/Qt/lib/libQt6Core": 30,
        "PySide6/Qt/plugins/platforms": 3,
        "numpy (vendored libs)": 7,
        "pandas": 4,
    }
    assert bundle_report.report(root, smallest=0).splitlines()[-1].split()[-1] == f"{total / 2**20:.1f}"


def test_check_deb_reads_every_alternative_of_depends():
    names = check_deb.depends_names("libc6 (>= 2.36), libegl1, libxcb-util1 | libxcb-util0, libfoo:any")
    assert names == {"libc6", "libegl1", "libxcb-util1", "libxcb-util0", "libfoo"}


def test_smoke_guide_check_wants_the_built_pages_where_the_help_menu_looks(tmp_path):
    guide = tmp_path / "resources" / "guide"
    for page in ("index.html", "guide/window.html", "install.html", "images/main-dark.png"):
        (guide / page).parent.mkdir(parents=True, exist_ok=True)
        (guide / page).write_text("x")
    check = smoke.Smoke(None, None, tmp_path, window=False, guide=guide / "index.html")
    assert check.guide_pages() == f"3 pages in {guide}"
    (guide / "guide" / "window.html").unlink()
    with pytest.raises(smoke.Failed, match=r"window\.html"):
        check.guide_pages()
