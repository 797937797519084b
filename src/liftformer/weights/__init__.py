"""Shipped model weights (safetensors) and their model card; see MODEL_CARD.md beside this file."""
