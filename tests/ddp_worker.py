"""Run under torchrun by test_trainer.py: one training epoch on synthetic data (or, given a budget
in minutes, as many epochs as fit in it), then dump weights."""

from __future__ import annotations

import sys

import torch
import torch.distributed as dist

from liftformer.data.pipeline import WindowDataset
from liftformer.data.sequences import Sequence
from liftformer.data.skeleton import H36M_17
from liftformer.data.synthetic import synthetic_sequence
from liftformer.model import LiftFormerConfig
from liftformer.training.trainer import TrainConfig, Trainer


def main(out_dir: str, max_minutes: float | None = None) -> None:
    seq = synthetic_sequence(40, seed=1)
    data = [Sequence("S1", "Walking", 0, seq.keypoints, seq.positions_3d - seq.positions_3d[:, :1], seq.fps)]
    train_set = WindowDataset(data, receptive_field=5, flip=(H36M_17, H36M_17))
    model_cfg = LiftFormerConfig(receptive_field=5, d_model=16, heads=2, blocks=1, ffn=32, dropout=0.1)
    epochs = 1 if max_minutes is None else 50
    cfg = TrainConfig(epochs=epochs, batch_size=16, warmup=5, lr_factor=1.0, max_minutes=max_minutes)
    trainer = Trainer(model_cfg, cfg, train_set, out_dir, progress=False)
    initial = torch.nn.utils.parameters_to_vector(trainer.model.parameters()).detach().clone()
    trainer.fit()
    final = torch.nn.utils.parameters_to_vector(trainer.model.parameters()).detach()
    torch.save({"initial": initial, "final": final, "world_size": trainer.dist.world_size, "steps": trainer.scheduler.last_epoch},
               f"{out_dir}/rank{trainer.dist.rank}.pt")
    dist.barrier()  # both ranks have written before either tears the group down (under load, one rank aborted once)
    dist.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else None)
