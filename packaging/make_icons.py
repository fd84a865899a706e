"""Render every application icon file from the one source, ``resources/icons/paper-terminal.svg``.

Writes into ``resources/icons/`` (or the folder given as the first argument):

- ``paper-terminal-<N>.png`` for N in ``PNG_SIZES`` (Linux hicolor theme, the window icon);
- ``paper-terminal.ico``: the Windows sizes 16-256 as PNG entries (Windows Vista and later);
- ``paper-terminal.icns``: the macOS sizes 16-1024 as PNG entries (types ``icp4`` ... ``ic10``).

The SVG is drawn by Qt's SVG renderer (PySide6, already a dependency) and both
containers are written here from their published layouts, so nothing else is
needed and the same Qt gives the same bytes (``make icons``; a test checks the
committed files are what this script writes).

Run: ``QT_QPA_PLATFORM=offscreen python packaging/make_icons.py [OUT_DIR]``.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "resources" / "icons" / "paper-terminal.svg"
NAME = "paper-terminal"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512, 1024)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# ICNS element types holding PNG data, and the pixel size of each (Apple's icns layout).
ICNS_TYPES = (
    (b"icp4", 16),
    (b"icp5", 32),
    (b"icp6", 64),
    (b"ic07", 128),
    (b"ic08", 256),
    (b"ic09", 512),
    (b"ic10", 1024),
    (b"ic11", 32),
    (b"ic12", 64),
    (b"ic13", 256),
    (b"ic14", 512),
)


def render_png(svg: Path, size: int) -> bytes:
    """The SVG drawn on a transparent ``size`` × ``size`` canvas, as PNG bytes."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise ValueError(f"{svg} is not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data)


def ico_bytes(pngs: dict[int, bytes]) -> bytes:
    """A Windows .ico holding one PNG image per size (ICONDIR + ICONDIRENTRY records)."""
    sizes = sorted(pngs)
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = len(header) + 16 * len(sizes)
    entries, blobs = [], []
    for size in sizes:
        blob = pngs[size]
        dim = 0 if size >= 256 else size  # 0 means 256 in the directory entry
        entries.append(struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(blob), offset))
        blobs.append(blob)
        offset += len(blob)
    return header + b"".join(entries) + b"".join(blobs)


def icns_bytes(pngs: dict[int, bytes]) -> bytes:
    """A macOS .icns: the magic, the total length, then (type, length, PNG data) elements."""
    body = b"".join(kind + struct.pack(">I", 8 + len(pngs[size])) + pngs[size] for kind, size in ICNS_TYPES)
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def write_icons(out: Path, svg: Path = SOURCE) -> list[Path]:
    """Write every icon file into ``out``; return their paths."""
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication([])  # noqa: F841 - Qt wants one for rendering
    out.mkdir(parents=True, exist_ok=True)
    pngs = {size: render_png(svg, size) for size in PNG_SIZES}
    written = []
    for size, blob in pngs.items():
        path = out / f"{NAME}-{size}.png"
        path.write_bytes(blob)
        written.append(path)
    for path, blob in (
        (out / f"{NAME}.ico", ico_bytes({s: pngs[s] for s in ICO_SIZES})),
        (out / f"{NAME}.icns", icns_bytes(pngs)),
    ):
        path.write_bytes(blob)
        written.append(path)
    return written


if __name__ == "__main__":
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else SOURCE.parent
    for written_path in write_icons(target):
        print(written_path.relative_to(target.parent) if target.parent in written_path.parents else written_path)
