"""liftformer batch --ray on a real local cluster: a head and a second node, inside a network namespace of the test's own
(``unshare -n``, only the loopback up, every address 127.0.0.1: nothing can be bound or sent beyond this machine; Ray's
probe of an outside address for its own IP finds no route there), bounded in time and stopped by the test."""

from __future__ import annotations

import csv
import importlib.util
import json
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from liftformer.cli.main import main

SCRIPT = """
set -u
ip link set lo up
export RAY_USAGE_STATS_ENABLED=0
mine=/tmp/lfray-$$  # this cluster's own folder: its processes, and only they, name it (ray stop would stop every cluster)
trap 'pkill -9 -f "$mine" > /dev/null 2>&1; rm -rf "$mine"' EXIT
ray start --head --node-ip-address=127.0.0.1 --port=6399 --num-cpus=1 --include-dashboard=false --disable-usage-stats \\
  --temp-dir="$mine" > head.log 2>&1 || exit 90
ray start --address=127.0.0.1:6399 --node-ip-address=127.0.0.1 --num-cpus=1 --node-manager-port=6701 --disable-usage-stats \\
  > node.log 2>&1 || exit 91
{python} -m liftformer.cli.main batch in --out out --ray 127.0.0.1:6399 > batch.out 2> batch.err &
job=$!
if [ "{kill}" = 1 ]; then  # the second node dies once the first input is in
  for i in $(seq 1 200); do sleep 0.2; [ -f out/manifest.csv ] && [ "$(wc -l < out/manifest.csv)" -ge 2 ] && break; done
  for p in $(pgrep -f node_manager_port=6701); do grep -q "$mine" /proc/$p/cmdline 2>/dev/null && kill -9 $p; done
fi
wait $job
"""


def namespaces_work() -> bool:
    return shutil.which("unshare") is not None and subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0


pytestmark = pytest.mark.skipif(importlib.util.find_spec("ray") is None or not namespaces_work(),
                                reason="needs the [ray] extra and network namespaces (unshare -n)")


def inputs(folder: Path, count: int = 6) -> None:
    """``count`` walks of 600 frames (the bundled one four times over, fresh jitter each): a few seconds each to lift."""
    doc = json.loads(resources.files("liftformer.assets").joinpath("demo_keypoints.json").read_text())
    rng = np.random.default_rng(0)
    (folder / "in").mkdir(parents=True)
    for k in range(count):
        frames = []
        for _ in range(4):
            for frame in doc["frames"]:
                points = np.array(frame["keypoints"]).reshape(-1, 3)
                points[:, :2] += rng.normal(size=points[:, :2].shape)
                frames.append({"keypoints": points.round(2).reshape(-1).tolist()})
        (folder / "in" / f"walk{k}.json").write_text(json.dumps({**doc, "frames": frames}))


def on_cluster(folder: Path, kill: bool) -> subprocess.CompletedProcess:
    script = folder / "cluster.sh"  # a file, not bash -c: pkill -f must not match this shell's own command line
    script.write_text(SCRIPT.format(python=sys.executable, kill=int(kill)))
    return subprocess.run(["unshare", "-n", "bash", str(script)], cwd=folder, capture_output=True, text=True, timeout=240)


@pytest.mark.parametrize("kill", [False, True], ids=["two nodes", "the second node killed mid-batch"])
def test_a_ray_cluster_lifts_every_input_once_as_the_local_batch_does(tmp_path, kill):
    inputs(tmp_path)
    done = on_cluster(tmp_path, kill)
    assert done.returncode == 0, (done.returncode, (tmp_path / "batch.err").read_text()[-2000:])
    with open(tmp_path / "out" / "manifest.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert sorted(Path(r["input"]).name for r in rows) == [f"walk{k}.json" for k in range(6)]  # each input once
    assert {r["status"] for r in rows} == {"ok"}
    assert main(["batch", str(tmp_path / "in"), "--out", str(tmp_path / "local"), "--workers", "1"]) == 0
    for k in range(6):  # the cluster's outputs are the local ones, byte for byte
        assert (tmp_path / "out" / f"walk{k}_3d.npz").read_bytes() == (tmp_path / "local" / f"walk{k}_3d.npz").read_bytes()


def test_an_unreachable_cluster_is_one_line_before_any_work(tmp_path, capsys):
    from conftest import one_line_error

    inputs(tmp_path, 1)
    assert main(["batch", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--ray", "127.0.0.1:9"]) == 2
    one_line_error(capsys, "--ray 127.0.0.1:9", "no Ray cluster")
    assert not (tmp_path / "out").exists()
