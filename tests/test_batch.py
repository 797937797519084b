"""liftformer batch: each input exactly as lift lifts it, a manifest, resume, failures kept to their row, bad input."""

from __future__ import annotations

import csv
import shutil
from importlib import resources
from pathlib import Path

import pytest

from conftest import one_line_error
from liftformer.cli.main import main

WALK = Path(str(resources.files("liftformer.assets").joinpath("demo_keypoints.json")))


def corpus(tmp_path: Path) -> Path:
    """Two walks (one in a subfolder, one a sped-up copy) and a file that is not keypoints."""
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    assert '"fps":50.0' in WALK.read_text()
    shutil.copy(WALK, folder / "walk.json")
    (folder / "sub" / "fast.json").write_text(WALK.read_text().replace('"fps":50.0', '"fps":100.0'))
    (folder / "sub" / "bad.json").write_text("not json")
    return folder


def manifest(out: Path) -> dict[str, dict]:
    with open(out / "manifest.csv", newline="") as f:
        return {Path(r["input"]).name: r for r in csv.DictReader(f)}


def test_each_input_is_lifted_as_lift_lifts_it_and_a_bad_one_keeps_to_its_row(tmp_path, capsys):
    folder, out = corpus(tmp_path), tmp_path / "out"
    assert main(["batch", str(folder), "--out", str(out), "--workers", "2", "--json", "--angles"]) == 1  # one failed
    rows = manifest(out)
    assert {n: r["status"] for n, r in rows.items()} == {"walk.json": "ok", "fast.json": "ok", "bad.json": "failed"}
    assert "bad.json" in rows["bad.json"]["error"] and "\n" not in rows["bad.json"]["error"]
    assert (out / "sub" / "bad.log").read_text() == f"error: {rows['bad.json']['error']}\n"  # its log says why too
    assert rows["walk.json"]["persons"] == "1" and rows["walk.json"]["person_frames"] == "150" and len(rows["walk.json"]["sha256"]) == 64
    assert rows["walk.json"]["outputs"].split(";") == ["walk_3d.npz", "walk_3d.json", "walk_angles.csv"]
    assert not list(out.glob("sub/bad_*"))  # a failed input leaves no output of its own
    alone = tmp_path / "alone"
    assert main(["lift", str(folder / "sub" / "fast.json"), "--out", str(alone / "fast_3d.npz"), "--json",
                 "--angles", str(alone / "fast_angles.csv")]) == 0
    for name in ("fast_3d.npz", "fast_3d.json", "fast_angles.csv"):
        assert (out / "sub" / name).read_bytes() == (alone / name).read_bytes(), name  # byte for byte
    assert "batch: 2 ok, 0 skipped, 1 failed" in capsys.readouterr().err


def test_the_manifest_counts_an_inputs_warnings_and_the_summary_says_where_they_are(tmp_path, capsys):
    import json

    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    doc = json.loads(WALK.read_text())
    (folder / "short.json").write_text(json.dumps({**doc, "frames": doc["frames"][:10]}))  # fewer than the model's window
    shutil.copy(WALK, folder / "walk.json")
    assert main(["batch", str(folder), "--out", str(out), "--workers", "1"]) == 0
    rows = manifest(out)
    log = (out / "short.log").read_text()
    assert int(rows["short.json"]["warnings"]) == log.count("warning:") >= 1 and "fewer than the model's" in log
    assert rows["walk.json"]["warnings"] == "0" and rows["short.json"]["person_frames"] == "10"
    assert "batch: 2 ok, 0 skipped, 0 failed; 1 with warnings (in the .log beside its outputs)" in capsys.readouterr().err


def test_a_second_run_skips_what_is_done_and_redoes_what_changed(tmp_path, capsys):
    folder, out = corpus(tmp_path), tmp_path / "out"
    (folder / "sub" / "bad.json").unlink()
    assert main(["batch", str(folder), "--out", str(out), "--workers", "1"]) == 0
    first = (out / "walk_3d.npz").stat().st_mtime_ns
    assert main(["batch", str(folder), "--out", str(out), "--workers", "1"]) == 0
    assert {r["status"] for r in manifest(out).values()} == {"skipped"} and (out / "walk_3d.npz").stat().st_mtime_ns == first
    (folder / "walk.json").write_text(WALK.read_text().replace('"fps":50.0', '"fps":25.0'))  # changed: lifted again
    assert main(["batch", str(folder), "--out", str(out), "--workers", "1"]) == 0
    assert {n: r["status"] for n, r in manifest(out).items()} == {"walk.json": "ok", "fast.json": "skipped"}
    assert main(["batch", str(folder), "--out", str(out), "--workers", "1", "--redo"]) == 0
    assert {r["status"] for r in manifest(out).values()} == {"ok"}
    assert "batch: 2 ok, 0 skipped, 0 failed" in capsys.readouterr().err


def test_a_list_of_inputs_and_the_default_workers_said(tmp_path, capsys):
    corpus(tmp_path)
    out = tmp_path / "out"
    listing = tmp_path / "list.txt"
    listing.write_text("# the walks\nin/walk.json\nin/sub/fast.json\n")
    assert main(["batch", str(listing), "--out", str(out)]) == 0
    assert set(manifest(out)) == {"walk.json", "fast.json"}
    assert "worker" in capsys.readouterr().err


@pytest.mark.parametrize("argv, needle", [
    (["missing.json"], "no such file"),
    (["empty"], "nothing to lift"),
    (["in", "--out", "in/inside"], "inside the input folder"),
    (["in/walk.json", "--out", "in"], "holds the input"),
    (["in", "--workers", "0"], "--workers"),
    (["in/walk.json", "in/walk.json"], None),  # the same input twice is lifted once
])
def test_bad_batches_are_one_line_before_any_work(tmp_path, capsys, monkeypatch, argv, needle):
    monkeypatch.chdir(tmp_path)
    corpus(tmp_path)
    (tmp_path / "empty").mkdir()
    args = ["batch", *argv] + ([] if "--out" in argv else ["--out", "out"])
    if needle is None:
        assert main(args) == 0 and len(manifest(tmp_path / "out")) == 1
        return
    if "--workers" in argv:  # refused by the parser: one line, exit 2
        with pytest.raises(SystemExit) as exit_:
            main(args)
        assert exit_.value.code == 2
    else:
        assert main(args) == 2
    one_line_error(capsys, needle)
    assert not (tmp_path / "out").exists() and not (tmp_path / "in" / "inside").exists()


def test_ctrl_c_keeps_a_true_manifest(tmp_path, capsys, monkeypatch):
    from liftformer.inference.batch import job as batch

    folder, out = corpus(tmp_path), tmp_path / "out"
    (folder / "sub" / "bad.json").unlink()
    real, calls = batch.lift_one, []

    def interrupted(task, *args):
        calls.append(task)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(task, *args)

    monkeypatch.setattr(batch, "lift_one", interrupted)
    assert main(["batch", str(folder), "--out", str(out), "--workers", "1"]) == 130
    assert [r["status"] for r in manifest(out).values()] == ["ok"]  # the one that finished, and only it
    assert "interrupted" in capsys.readouterr().err
