#!/usr/bin/env python3
"""Which threads keep the cores busy: a command's threads (and its child processes, e.g. ffmpeg) by CPU share.

Runs the command, waits ``--skip`` seconds (start-up: Python, torch, the detectors), then reads every thread's CPU
time from /proc over ``--window`` seconds and prints each thread's share of a core, the children's, and the total
against the cores there are. The command is stopped after the window. Linux only.

    python benchmarks/thread_load.py [--skip 8] [--window 15] -- liftformer lift VIDEO --person all --out /tmp/x.npz
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time


def thread_times(pid: int) -> dict[tuple[str, str], float]:
    """{(thread id, name): CPU seconds} of every thread of process ``pid`` (those gone meanwhile left out)."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            stat = open(f"/proc/{pid}/task/{tid}/stat").read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        out[(tid, stat[stat.index("(") + 1:stat.rindex(")")])] = (int(fields[11]) + int(fields[12])) / tick
    return out


def children(pid: int) -> list[int]:
    try:
        return [int(c) for c in open(f"/proc/{pid}/task/{pid}/children").read().split()]
    except OSError:
        return []


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--skip", type=float, default=8.0, help="seconds of start-up left out")
    p.add_argument("--window", type=float, default=15.0, help="seconds measured")
    p.add_argument("command", nargs=argparse.REMAINDER)
    args = p.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        p.error("give the command to measure after --")
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(args.skip)
        before = thread_times(process.pid)
        kids_before = {c: sum(thread_times(c).values()) for c in children(process.pid)}
        start = time.perf_counter()
        time.sleep(args.window)
        after = thread_times(process.pid)
        kids_after = {c: sum(thread_times(c).values()) for c in children(process.pid)}
        wall = time.perf_counter() - start
    finally:
        process.kill()
        process.wait()
    if process.returncode not in (None, -9) and wall < args.window:
        sys.exit(f"thread_load.py: the command ended before the window closed (exit {process.returncode})")
    shares = sorted((((after[k] - before.get(k, 0.0)) / wall), k) for k in after)[::-1]
    print(f"{' '.join(command)}: {wall:.1f} s after {args.skip:g} s of start-up; {os.cpu_count()} cores")
    for share, (tid, name) in shares:
        if share >= 0.01:
            print(f"  thread {name:24s} {tid:>8s}  {share:.2f} cores")
    kids = sum(kids_after[c] - kids_before.get(c, 0.0) for c in kids_after) / wall
    total = sum(s for s, _ in shares) + kids
    print(f"  child processes                     {kids:.2f} cores\n  total                               {total:.2f} cores")


if __name__ == "__main__":
    main()
