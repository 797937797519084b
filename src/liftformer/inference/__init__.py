"""Inference: lifting whole sequences, streaming, rendering, export."""
