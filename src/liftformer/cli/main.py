"""Entry point of the ``liftformer`` console script."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator, Sequence
from typing import NoReturn

from liftformer import __version__
from liftformer.cli import batch, bench, demo, evaluate, export, info, lift, opensim, prepare, train
from liftformer.cli.options import check_device, silence_stdout
from liftformer.errors import LiftformerError

COMMANDS = (demo, lift, batch, opensim, export, info, prepare, train, evaluate, bench)


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (what is wrong and where to look), exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}{self._suggestion(message)} (see {self.prog} --help)\n")

    def _suggestion(self, message: str) -> str:
        """`` (did you mean --person?)`` for an unrecognized flag near one of any command's flags, else ""."""
        import difflib

        if not message.startswith("unrecognized arguments:"):
            return ""
        flags = {o for action in all_actions(self) for o in action.option_strings if o.startswith("--")}
        for word in message.split(":", 1)[1].split():
            flag = word.split("=", 1)[0]
            near = difflib.get_close_matches(flag, sorted(flags - {flag}), n=1, cutoff=0.75) if flag.startswith("--") else []
            if near:
                return f" (did you mean {near[0]}?)"
        return ""


def all_actions(parser: argparse.ArgumentParser) -> Iterator[argparse.Action]:
    """Every action of ``parser`` and of its subcommands' parsers, all the way down."""
    parsers = [parser]
    while parsers:
        for action in parsers.pop()._actions:
            yield action
            if isinstance(action, argparse._SubParsersAction):
                parsers.extend(action.choices.values())


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="liftformer", description="Attention-based 2D-to-3D human pose lifting.")
    parser.add_argument("--version", action="version", version=f"liftformer {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(subparsers)
    return parser


def given_flags(argv: Sequence[str] | None) -> frozenset[str]:
    """The destinations ``argv`` sets itself rather than leaving to their defaults (argparse keeps no such
    record: a second parse with every default suppressed holds only those)."""
    parser = build_parser()
    for action in all_actions(parser):
        action.default = argparse.SUPPRESS
    return frozenset(vars(parser.parse_args(argv)))


def main(argv: Sequence[str] | None = None) -> int:
    """Run a subcommand; user errors print one line to stderr and return 2.

    Set ``LIFTFORMER_DEBUG=1`` to see the full traceback instead.
    """
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:  # said by the command's own parser: "liftformer lift: error: …", its --help
        command = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices[args.command]
        command.error(f"unrecognized arguments: {' '.join(extra)}")
    if getattr(args, "init", None):  # train --init: the model flags left out come from the weights file
        args.given = given_flags(argv)  # a second parse: only where it is read
    try:
        if hasattr(args, "device"):
            check_device(args.device)  # declared once (cli.options.add_runtime_arguments), checked before any work
        return args.func(args)
    except (LiftformerError, ValueError) as e:
        if os.environ.get("LIFTFORMER_DEBUG"):
            raise
        print(f"liftformer {args.command}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"liftformer {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `liftformer info | head`: the reader has what it wanted
        silence_stdout()
        return 141


if __name__ == "__main__":
    sys.exit(main())
