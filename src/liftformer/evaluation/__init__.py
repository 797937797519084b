"""Evaluation: pose-error metrics and benchmark protocols."""
