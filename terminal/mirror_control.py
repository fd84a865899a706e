"""The "Pause mirroring" action: pause or resume the MetaTrader mirror and remember it.

Paused, new paper trades are not sent to MetaTrader (their mirror state is
``not_mirrored``); changes to trades already mirrored still are, so no
orphan position is left behind (``bridges.sync.MirrorService``). The choice
is written to the config file as ``mirror_paused`` (read back at the next
start by ``bridges.config.MirrorOptions``), off the event loop.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtCore import Signal as QtSignal
from PySide6.QtGui import QAction

from engine.ports import PausableMirror
from terminal.config_file import update_config
from terminal.tasks import TaskOwner, error_text

log = logging.getLogger(__name__)

CONFIG_KEY = "mirror_paused"


class MirrorControl(QObject):
    """Owns the checkable "Pause mirroring" action; disabled until a mirror is attached."""

    message = QtSignal(str)
    changed = QtSignal(bool)  # paused

    def __init__(self, config_path: Path | None, parent: QObject | None = None, tasks: TaskOwner | None = None) -> None:
        super().__init__(parent)
        self.config_path = config_path
        self.mirror: PausableMirror | None = None
        self.tasks = tasks or TaskOwner(lambda name, exc: self.message.emit(f"{name}: {error_text(exc)}"))
        self.action = QAction("&Pause mirroring", self)
        self.action.setObjectName("pause_mirroring")
        self.action.setCheckable(True)
        self.action.setEnabled(False)
        self.action.setToolTip("Stop sending new paper trades to MetaTrader (trades already mirrored follow on)")
        self.action.toggled.connect(self.set_paused)

    def attach(self, mirror: PausableMirror | None) -> None:
        """Control ``mirror`` (``engine.mirror``: a ``MirrorService``, or None when mirroring is off)."""
        self.mirror = mirror
        self.action.setEnabled(mirror is not None)
        self.action.blockSignals(True)
        self.action.setChecked(bool(mirror is not None and mirror.paused))
        self.action.blockSignals(False)

    def set_paused(self, paused: bool) -> None:
        """Pause or resume the mirror now, then save ``mirror_paused`` in the config file."""
        mirror = self.mirror
        if mirror is None:
            return
        if paused:
            mirror.pause()
        else:
            mirror.resume()
        if self.action.isChecked() != paused:
            self.action.blockSignals(True)
            self.action.setChecked(paused)
            self.action.blockSignals(False)
        self.changed.emit(paused)
        self.message.emit("mirroring paused: new trades stay on paper" if paused else "mirroring resumed")
        if self.config_path is not None:
            self.tasks.spawn(self._save(paused), "save-mirror-paused")

    async def _save(self, paused: bool) -> None:
        path = self.config_path
        assert path is not None
        await asyncio.get_running_loop().run_in_executor(None, update_config, path, {CONFIG_KEY: paused})
        log.info("%s = %s written to %s", CONFIG_KEY, paused, path)
