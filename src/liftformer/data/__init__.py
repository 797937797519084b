"""Data: skeletons, cameras and projection, dataset formats, sliding windows."""
