"""The offline simulated market: a correlated currency model, its calendar and its feed."""

from datafeeds.sim.feed import SimulatedFeed

__all__ = ["SimulatedFeed"]
