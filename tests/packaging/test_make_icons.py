"""packaging/make_icons.py: the committed icon files are what the SVG renders to, in valid containers."""

from __future__ import annotations

import importlib.util
import struct
from pathlib import Path

from PySide6.QtGui import QImage

import pytest

ROOT = Path(__file__).resolve().parents[2]
ICONS = ROOT / "resources" / "icons"


def _make_icons():
    spec = importlib.util.spec_from_file_location("make_icons", ROOT / "packaging" / "make_icons.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_icons_are_what_the_svg_renders_to(qapp, tmp_path):
    make_icons = _make_icons()
    written = make_icons.write_icons(tmp_path)
    assert {p.name for p in written} <= {p.name for p in ICONS.iterdir()}
    for size in make_icons.PNG_SIZES:
        fresh = QImage(str(tmp_path / f"paper-terminal-{size}.png"))
        committed = QImage(str(ICONS / f"paper-terminal-{size}.png"))
        assert (committed.width(), committed.height()) == (size, size)
        assert fresh == committed, f"paper-terminal-{size}.png is stale: run make icons"


def test_ico_directory_lists_every_windows_size():
    data = (ICONS / "paper-terminal.ico").read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", data)
    assert (reserved, kind, count) == (0, 1, 7)
    sizes = []
    for i in range(count):
        w, _h, _, _, _planes, _bpp, length, offset = struct.unpack_from("<BBBBHHII", data, 6 + 16 * i)
        assert data[offset : offset + 8] == b"\x89PNG\r\n\x1a\n" and offset + length <= len(data)
        sizes.append(w or 256)
    assert sizes == [16, 24, 32, 48, 64, 128, 256]


def test_icns_holds_png_elements_up_to_1024():
    data = (ICONS / "paper-terminal.icns").read_bytes()
    assert data[:4] == b"icns" and struct.unpack_from(">I", data, 4)[0] == len(data)
    kinds, pos = [], 8
    while pos < len(data):
        kind, length = data[pos : pos + 4], struct.unpack_from(">I", data, pos + 4)[0]
        assert data[pos + 8 : pos + 16] == b"\x89PNG\r\n\x1a\n"
        kinds.append(kind.decode())
        pos += length
    assert pos == len(data) and {"icp4", "ic07", "ic08", "ic09", "ic10"} <= set(kinds)


def test_pillow_reads_both_containers():
    image = pytest.importorskip("PIL.Image")
    ico = image.open(ICONS / "paper-terminal.ico")
    assert max(ico.info["sizes"]) == (256, 256)
    icns = image.open(ICONS / "paper-terminal.icns")
    assert icns.size == (1024, 1024)
