"""Window preferences kept in QSettings: risk per trade, theme, confirmations.

These are the trader's choices for the window's one-click actions; the
engine's own settings (account, feeds, server, the limit of open trades
``max_open_trades``) live in ``terminal.settings``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from PySide6.QtCore import QSettings

ORGANISATION = "PaperTerminal"
APPLICATION = "Paper Terminal"


@dataclass(frozen=True, slots=True)
class Preferences:
    """``risk_percent``: % of balance risked per one-click trade (0.01..10);
    ``theme``: ``dark`` or ``light``; ``confirm_drag``: ask before a dragged SL/TP is sent."""

    risk_percent: float = 1.0
    theme: str = "dark"
    confirm_drag: bool = True

    def validated(self) -> Preferences:
        """Return a copy with every value clamped into its allowed range."""
        return replace(
            self,
            risk_percent=min(max(float(self.risk_percent), 0.01), 10.0),
            theme=self.theme if self.theme in ("dark", "light") else "dark",
        )


def qsettings() -> QSettings:
    return QSettings(ORGANISATION, APPLICATION)


def load_preferences(store: QSettings | None = None, default: Preferences | None = None) -> Preferences:
    """Read the preferences (``default`` for anything missing or unreadable)."""
    store = store or qsettings()
    default = default or Preferences()

    def read(key: str, kind: type, fallback):
        value = store.value(f"prefs/{key}", fallback)
        try:
            if kind is bool:
                return value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes")
            return kind(value)
        except (TypeError, ValueError):
            return fallback

    return Preferences(
        risk_percent=read("risk_percent", float, default.risk_percent),
        theme=read("theme", str, default.theme),
        confirm_drag=read("confirm_drag", bool, default.confirm_drag),
    ).validated()


def save_preferences(prefs: Preferences, store: QSettings | None = None) -> None:
    store = store or qsettings()
    for key in ("risk_percent", "theme", "confirm_drag"):
        store.setValue(f"prefs/{key}", getattr(prefs, key))
    store.sync()
