"""Sliding windows over pose sequences: edge-replicated padding, vectorised extraction."""

from __future__ import annotations

import numpy as np
import torch


def window_padding(receptive_field: int, causal: bool) -> tuple[int, int]:
    """Frames to replicate before and after a sequence so every frame gets a full window.

    Centred: (N//2, N//2). Causal: (N-1, 0) — the window of frame t is [t-N+1, t], which is
    VideoPose3D's causal shift of (N-1)/2 applied to its symmetric padding.
    """
    if receptive_field < 1 or receptive_field % 2 == 0:
        raise ValueError(f"receptive_field must be a positive odd number, got {receptive_field}")
    half = receptive_field // 2
    return (2 * half, 0) if causal else (half, half)


def pad_sequence(seq: torch.Tensor, receptive_field: int, causal: bool) -> torch.Tensor:
    """Edge-replicate a (T, ...) sequence along time so that it has T + N - 1 frames."""
    if seq.shape[0] < 1:
        raise ValueError("cannot pad an empty sequence")
    before, after = window_padding(receptive_field, causal)
    first = seq[:1].expand(before, *seq.shape[1:])
    last = seq[-1:].expand(after, *seq.shape[1:])
    return torch.cat([first, seq, last], dim=0)


def sliding_windows(seq: torch.Tensor | np.ndarray, receptive_field: int, causal: bool = False) -> torch.Tensor:
    """All T windows of a (T, J, C) sequence → (T, N, J, C); window t targets frame t.

    Sequences shorter than the window are padded like any other. Returns a strided view of
    the padded tensor (no per-window copy).
    """
    seq = torch.as_tensor(seq)
    padded = pad_sequence(seq, receptive_field, causal)
    # unfold puts the window axis last: (T, J, C, N) → (T, N, J, C)
    return padded.unfold(0, receptive_field, 1).movedim(-1, 1)


def gather_windows(padded: torch.Tensor, starts: torch.Tensor, receptive_field: int) -> torch.Tensor:
    """Windows ``padded[s : s + N]`` for every start index s → (len(starts), N, ...).

    One advanced-indexing gather over a padded (concatenated) tensor: the training hot path.
    """
    offsets = torch.arange(receptive_field, device=padded.device)
    return padded[starts.to(padded.device).unsqueeze(1) + offsets]
