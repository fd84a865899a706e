"""The config file's ``[signals]`` table, typed: the max drift and ``[signals.auto]``.

``max_drift_pips`` and ``max_drift_stop_fraction`` make the ``DriftLimit``
(``engine.signals.executable``: min(pips, fraction × the stop in pips), by default
3 pips or 25 % of the stop); ``auto`` is the auto-execution ``AutoConfig``. The
defaults are those classes' own; a bad value or an unknown key is refused naming it.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from engine.signals.auto import AutoConfig
from engine.signals.executable import DriftLimit

_DRIFT = DriftLimit()


class SignalSettings(BaseModel):
    """``[signals]``: ``max_drift_pips``, ``max_drift_stop_fraction`` and ``[signals.auto]``."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    max_drift_pips: float = Field(
        _DRIFT.max_pips, ge=0, allow_inf_nan=False, description="max drift of the price from a signal's entry, pips"
    )
    max_drift_stop_fraction: float = Field(
        _DRIFT.max_stop_fraction, ge=0, le=10, description="max drift as a fraction of the stop"
    )
    auto: AutoConfig = Field(default_factory=AutoConfig, description="auto-execution ([signals.auto])")

    @property
    def drift(self) -> DriftLimit:
        """The max drift these settings give."""
        return DriftLimit(self.max_drift_pips, self.max_drift_stop_fraction)
