"""scripts/screenshots.py writes non-blank PNGs of the window into the folder given."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtGui import QImage

import numpy as np

ROOT = Path(__file__).resolve().parents[2]


def pixels(path: Path) -> np.ndarray:
    image = QImage(str(path)).convertToFormat(QImage.Format.Format_RGB32)
    assert not image.isNull(), f"{path} is not a readable image"
    data = np.array(image.constBits(), dtype=np.uint8, copy=True)  # copy while ``image`` is alive
    return data.reshape(image.height(), image.bytesPerLine() // 4, 4)[:, : image.width(), :3]


def test_screenshots_script_writes_non_blank_dark_and_light_pngs(tmp_path):
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "PAPER_TERMINAL_HOME": str(tmp_path / "home"),
        "XDG_CONFIG_HOME": str(tmp_path / "xdg"),
    }
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "screenshots.py"), str(tmp_path / "shots"), "--quick"],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    dark, light = tmp_path / "shots" / "main-dark.png", tmp_path / "shots" / "main-light.png"
    assert (tmp_path / "shots" / "dashboard-dark.png").exists()
    dark_px, light_px = pixels(dark), pixels(light)
    assert dark_px.shape == (900, 1600, 3) and light_px.shape == (900, 1600, 3)
    assert dark_px.std() > 10 and light_px.std() > 10  # not blank
    assert dark_px.mean() < 80 < light_px.mean()  # dark is dark, light is light
    assert len(np.unique(dark_px.reshape(-1, 3), axis=0)) > 50  # candles, text, lines…
