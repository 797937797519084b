"""Training: optimiser and Noam schedule, the training step, the training loop."""
