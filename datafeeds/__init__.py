"""Price feeds: providers, the simulator, replay and the aggregator."""
