"""The ML signal model: causal features, calibrated classifier with walk-forward evaluation, generator."""
