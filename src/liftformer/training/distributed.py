"""Where this process stands in a torchrun job (DDP): rank and world size, joined from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch.distributed as dist


@dataclass
class Distributed:
    """Rank and world size; ``world_size == 1`` means a plain single process."""

    rank: int = 0
    world_size: int = 1

    @classmethod
    def from_environment(cls, device: str) -> Distributed:
        """Join the process group when launched by torchrun (WORLD_SIZE > 1)."""
        world_size = int(os.environ.get("WORLD_SIZE", "1"))
        if world_size == 1:
            return cls()
        if not dist.is_initialized():
            dist.init_process_group("nccl" if device.startswith("cuda") else "gloo")
        return cls(dist.get_rank(), dist.get_world_size())

    @property
    def is_main(self) -> bool:
        return self.rank == 0
