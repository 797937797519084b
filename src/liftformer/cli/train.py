"""``liftformer train``: train a LiftFormer (or the TCN baseline) on Human3.6M, HumanEva-I or a custom dataset."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from dataclasses import replace
from pathlib import Path

from liftformer.cli.augment_args import add_augment_arguments, check_flags as check_augment_flags, from_args as cameras_from_args
from liftformer.cli.data_args import add_data_arguments, comma_list
from liftformer.cli.model_args import add_model_arguments, config_from_args
from liftformer.cli.noise_args import add_noise_model_argument, check_noise_flags, check_noise_model, real_detections
from liftformer.cli.options import (
    add_runtime_arguments,
    fraction,
    non_negative_float,
    positive_float,
    positive_int,
    probability,
)
from liftformer.cli.recipe_args import add_recipe_arguments, recipe_from_args
from liftformer.data.datasets import DATASETS, get_dataset, load_split
from liftformer.data.pipeline import InputNoise, WindowDataset, subset_sequences
from liftformer.errors import CheckpointError, DataError
from liftformer.fileio import check_writable_dir
from liftformer.model import ARCHS
from liftformer.model.checkpoint import TRANSFERABLE, config_differences, read_config
from liftformer.training.optim import SCHEDULES
from liftformer.training.state import BEST_FILE, FINAL_FILE, WEIGHTS_FILES
from liftformer.training.trainer import TrainConfig, Trainer


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("train", help="train a model (MPJPE, Adam/AMSGrad, Noam schedule, flip augmentation)")
    add_data_arguments(p)
    p.add_argument("--train-subjects", type=comma_list, default=None, help="default: the benchmark's training subjects")
    p.add_argument("--val-subjects", type=comma_list, default=None, help="default: the benchmark's test subjects")
    p.add_argument("--val-downsample", type=positive_int, default=10, help="score every k-th validation frame each epoch")
    add_model_arguments(p)
    add_augment_arguments(p)
    g = p.add_argument_group("optimisation")
    g.add_argument("--epochs", type=positive_int, default=None,
                   help="default: " + ", ".join(f"{s.default_epochs} ({n})" for n, s in DATASETS.items()))
    add_runtime_arguments(g, batch_help="default: the paper's 5120/3072/1536 for n=27/81/243; 1024 for tcn (VideoPose3D's)", bf16=True)
    g.add_argument("--batch-scale", type=positive_float, default=1.0, help="multiply the default batch size (smaller machines)")
    g.add_argument("--schedule", choices=SCHEDULES, default=None,
                   help="learning-rate schedule; default: noam (liftformer, the paper), exponential (tcn, VideoPose3D)")
    add_recipe_arguments(g)
    g.add_argument("--lr", type=positive_float, default=1e-3, help="exponential: initial learning rate")
    g.add_argument("--lr-decay", type=fraction, default=0.95, help="exponential: decay per epoch")
    g.add_argument("--max-minutes", type=positive_float, default=None,
                   help="stop after this much training time (validation excluded), even mid-epoch")
    g.add_argument("--cooldown", type=probability, default=0.0,
                   help="bring the lr linearly to 0 over this last fraction of the run (of --max-minutes when "
                        "given, else of --epochs); 0 (default): off")
    g.add_argument("--no-flip", action="store_true", help="no horizontal-flip augmentation")
    g.add_argument("--noise-2d", type=non_negative_float, default=0.0,
                   help="std of Gaussian 2D input jitter (normalised units; 0.01 ≈ 5 px at 1000 px)")
    g.add_argument("--outliers-2d", type=probability, default=0.0, help="fraction of input joints given 10x the jitter")
    add_noise_model_argument(g)
    g.add_argument("--micro-batches", type=positive_int, default=None, metavar="K",
                   help="run each batch as K forward/backward passes with gradient accumulation (same effective batch and "
                        "results); default: as many as the memory available needs, measured before the first step")
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--compile", action="store_true",
                   help="torch.compile the model (and the optimiser step, where Adam is not fused); implies --drop-last")
    p.add_argument("--out", required=True, help="run directory: checkpoints, log.csv, curve.png")
    p.add_argument("--resume", action="store_true", help="continue from OUT/last.pt")
    p.add_argument("--init", default=None, metavar="WEIGHTS",
                   help="start from this .safetensors' weights (fine-tuning; a fresh schedule): model flags left out take "
                        "its values; only -n, --causal/--no-causal and --dropout may differ, e.g. a longer window from a shipped model")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    if os.path.exists(args.out) and not os.path.isdir(args.out):
        raise DataError(f"--out {args.out}: is a file; the run needs a directory: choose another --out")
    if args.init and args.resume:
        raise DataError("--init: a resumed run continues its own weights: drop --init or --resume")
    if not args.resume and os.path.exists(os.path.join(args.out, "last.pt")):
        raise DataError(f"{args.out}: already holds a run (last.pt); pass --resume to continue it or choose another --out")
    if args.resume and not os.path.exists(os.path.join(args.out, "last.pt")):
        raise DataError(f"--resume: {args.out} holds no last.pt to continue: drop --resume to start a new run")
    base = read_config(args.init) if args.init else None  # the flags left out take its values
    cfg = config_from_args(args, base)
    if base is not None:  # the file and the shape-defining flags, before any data is read (joints are checked once known)
        diff = config_differences(base, cfg, ignore=(*TRANSFERABLE, "num_joints_in", "num_joints_out"))
        if diff:
            raise CheckpointError(
                f"--init {args.init}: the model flags differ from its config ({'; '.join(diff)}): drop them to take its values"
            )
        written = [os.path.join(args.out, name) for name in WEIGHTS_FILES]
        if any(os.path.isfile(w) and os.path.samefile(args.init, w) for w in written):
            raise DataError(
                f"--init {args.init}: this run would overwrite it in --out {args.out}: copy it elsewhere or choose another --out"
            )
    check_writable_dir(args.out, "--out", create=False)  # made by the trainer, once every input has been checked
    check_noise_flags(args)
    check_augment_flags(args)
    t0 = time.perf_counter()
    data = (args.dataset, args.data_3d, args.data_2d)
    train = load_split(*data, args.train_subjects, "train", args.actions, require_3d=True, to_h36m=args.to_h36m)
    val = load_split(*data, args.val_subjects, "test", args.actions, require_3d=True, to_h36m=args.to_h36m)
    j_in = train.sequences[0].keypoints.shape[1]
    j_out = train.sequences[0].targets.shape[1]
    if (cfg.num_joints_in, cfg.num_joints_out) != (j_in, j_out):
        cfg = type(cfg).from_dict({**cfg.to_dict(), "num_joints_in": j_in, "num_joints_out": j_out})
    flip = None if args.no_flip else (train.input_skeleton, train.output_skeleton)
    train_seqs = subset_sequences(train.sequences, args.subset, args.seed)
    real = real_detections(args, train)
    if real is not None and args.subset < 1.0:  # the same seed cuts the same stretch of every sequence
        real = replace(real, keypoints=[s.keypoints for s in subset_sequences(
            [replace(s, keypoints=k) for s, k in zip(train.sequences, real.keypoints)], args.subset, args.seed)])
    noise = check_noise_model(args, train.input_skeleton) or (InputNoise(args.noise_2d, args.outliers_2d) if args.noise_2d > 0 else None)
    train_set = WindowDataset(
        train_seqs, cfg.receptive_field, cfg.causal, flip, args.downsample, args.device, noise, targets=cfg.head,
        cameras=cameras_from_args(args, train.output_skeleton), real=real,
    )
    val_set = WindowDataset(val.sequences, cfg.receptive_field, cfg.causal, None, args.val_downsample, args.device)
    default_batch = ARCHS[cfg.arch].batch_size(cfg)
    batch = args.batch_size or max(1, round(default_batch * args.batch_scale))
    schedule = args.schedule or ARCHS[cfg.arch].schedule
    recipe = recipe_from_args(args)
    train_cfg = TrainConfig(
        epochs=args.epochs if args.epochs is not None else get_dataset(args.dataset).default_epochs,
        batch_size=batch, schedule=schedule, warmup=recipe.warmup,
        lr_factor=recipe.lr_factor, lr=args.lr, lr_decay=args.lr_decay, max_minutes=args.max_minutes,
        seed=args.seed, device=args.device, bf16=args.bf16, compile=args.compile, recipe=recipe.name,
        clip_grad=recipe.clip_grad, ema=recipe.ema, lr_ref_batch=recipe.lr_ref_batch,
        drop_last=args.drop_last or args.compile, sync_every=args.sync_every, cooldown=args.cooldown,
        micro_batches=args.micro_batches or 0,
    )
    trainer = Trainer(cfg, train_cfg, train_set, args.out, val_set)
    if trainer.dist.is_main:
        real_note = "" if real is None else f", {real.fraction:g} of them with {args.real_2d}'s detections"
        print(
            f"data: {len(train.sequences)} training sequences ({train_set.num_windows} windows, "
            f"{'x2 flipped' if flip else 'no flip'}{real_note}), {len(val.sequences)} validation sequences "
            f"({val_set.num_windows} windows); joints {j_in}->{j_out}; loaded in {time.perf_counter() - t0:.1f} s",
            flush=True,
        )
        params = trainer.model.num_parameters()
        budget = f", at most {args.max_minutes:g} min of training" if args.max_minutes else ""
        print(f"model: {cfg.describe()}; {params / 1e6:.2f}M parameters; batch {batch}; {schedule} schedule; "
              f"{train_cfg.epochs} epochs{budget}; recipe {recipe}", flush=True)
        if trainer.memory is not None and trainer.micro_batches > 1:
            print(trainer.memory.describe(), flush=True)
    if args.resume:
        trainer.resume()
        print(f"resumed at epoch {trainer.epoch}", flush=True)
    if args.init:
        trainer.start_from(args.init)
        print(f"starting from the weights of {args.init}", flush=True)
    made_here = not os.path.exists(args.out)
    try:
        trainer.fit()
    except KeyboardInterrupt:
        if trainer.dist.is_main and trainer.history:
            print(f"interrupted in epoch {trainer.epoch + 1}: {args.out} keeps last.pt (epoch {trainer.epoch}) and {BEST_FILE}; "
                  f"no {FINAL_FILE}, as the run did not end: --resume continues it", file=sys.stderr, flush=True)
        elif trainer.dist.is_main:  # nothing to keep: a folder this run made holds only its config.json
            if made_here and {p.name for p in Path(args.out).iterdir()} <= {"config.json"}:
                shutil.rmtree(args.out)
            print(f"interrupted before the first epoch ended: nothing to keep{', ' + args.out + ' removed' if made_here else ''}",
                  file=sys.stderr, flush=True)
        raise
    if trainer.dist.world_size > 1:
        import torch.distributed as dist

        dist.destroy_process_group()
    if trainer.dist.is_main:
        print(
            f"done in {time.perf_counter() - t0:.0f} s; weights: {os.path.join(args.out, FINAL_FILE)} "
            f"(lowest validation MPJPE: {BEST_FILE})"
        )
    return 0
