"""The aggregator: priority rotation over the live providers, with budgets and fallbacks."""

from datafeeds.aggregator.aggregator import AggregatedFeed

__all__ = ["AggregatedFeed"]
