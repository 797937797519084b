"""The ``liftformer`` console script: the command line loaded (torch with it, a second or two) where Ctrl-C
ends it in one line, exit 130, as it does once a command runs (:func:`liftformer.cli.main.main`)."""

from __future__ import annotations

import sys


def main() -> int:
    try:
        from liftformer.cli.main import main as run
    except KeyboardInterrupt:
        print("liftformer: interrupted", file=sys.stderr)
        return 130
    return run()
