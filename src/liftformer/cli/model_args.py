"""Model flags shared by ``info``, ``train`` and ``bench``: ``--arch``, the flags every family has, and
each family's own (declared in its module's spec)."""

from __future__ import annotations

import argparse

from liftformer.cli import options
from liftformer.cli.options import dropout_rate, positive_int
from liftformer.model import ARCHS, ArchSpec, WindowConfig


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags that define a model's shape."""
    default = next(iter(ARCHS.values())).config()
    g = parser.add_argument_group("model")
    g.add_argument("--arch", choices=tuple(ARCHS), default=default.arch,
                   help=" or ".join(f"{name} ({spec.summary})" for name, spec in ARCHS.items()))
    g.add_argument("--receptive-field", "-n", type=int, default=default.receptive_field, help="odd window length N (27/81/243)")
    for spec in ARCHS.values():
        spec.add_arguments(g, options)
    g.add_argument("--dropout", type=dropout_rate, default=None,
                   help="default: " + ", ".join(f"{spec.config().dropout} ({name})" for name, spec in ARCHS.items()))
    g.add_argument("--causal", action=argparse.BooleanOptionalAction, default=False, help="past-only window, predict its last frame")
    g.add_argument("--joints-in", type=positive_int, default=default.num_joints_in, help="2D input joints")
    g.add_argument("--joints-out", type=positive_int, default=default.num_joints_out, help="3D output joints")


def config_from_args(args: argparse.Namespace, base: WindowConfig | None = None) -> WindowConfig:
    """The model config the flags describe; ``ValueError`` names the inconsistent flag.

    ``base`` (the config of a ``--init`` weights file) gives every field whose flag the command line
    leaves out (``args.given``: the destinations it sets, from :func:`liftformer.cli.main.given_flags`).
    """
    given: frozenset[str] = getattr(args, "given", frozenset())
    if base is not None and "arch" not in given:
        args = argparse.Namespace(**{**vars(args), "arch": base.arch})
    cfg = _config(args)
    if base is None or base.arch != cfg.arch:
        return cfg  # another arch: the caller's comparison with base names it
    dest = {"num_joints_in": "joints_in", "num_joints_out": "joints_out"}  # config field -> flag, where they differ
    chosen = {field: value for field, value in cfg.to_dict().items() if dest.get(field, field) in given}
    merged = type(cfg).from_dict({**base.to_dict(), **chosen})
    if "receptive_field" in given and merged.receptive_field != args.receptive_field:
        raise ValueError(f"-n {args.receptive_field}: the {base.arch} weights fix the window at {merged.receptive_field}: drop -n")
    return merged


def _config(args: argparse.Namespace) -> WindowConfig:
    spec = ARCHS[args.arch]
    for name, other in ARCHS.items():
        used = _flags_set(other, args) if other is not spec else []
        if used:
            raise ValueError(f"{' and '.join(used)} appl{'y' if len(used) > 1 else 'ies'} to --arch {name} only")
    dropout = spec.config().dropout if args.dropout is None else args.dropout
    return spec.from_args(
        args, num_joints_in=args.joints_in, num_joints_out=args.joints_out, dropout=dropout, causal=args.causal
    )


def _flags_set(spec: ArchSpec, args: argparse.Namespace) -> list[str]:
    """``spec``'s own flags that ``args`` sets to other than their defaults, as typed (``--head sequence``)."""
    scratch = argparse.ArgumentParser(add_help=False)
    spec.add_arguments(scratch, options)
    used = []
    for dest, default in vars(scratch.parse_args([])).items():
        value = getattr(args, dest)
        if value != default:
            flag = "--" + dest.replace("_", "-")  # argparse's dest of a long flag, inverted
            used.append(flag if isinstance(value, bool) else f"{flag} {value}")
    return used
