"""BVH export, checked by an independent reading: a small BVH parser and forward kinematics written here."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from conftest import one_line_error, two_people_json
from liftformer.cli.main import main
from liftformer.data.skeleton import H36M_17
from liftformer.data.synthetic import crossing_walkers, demo_keypoints, synthetic_sequence
from liftformer.errors import DataError
from liftformer.inference.writers.bvh import save_bvh

# the exporter's joint names, mapped to H36M-17 indices here independently
H36M_INDEX = {"Hips": 0, "RightUpLeg": 1, "RightLeg": 2, "RightFoot": 3, "LeftUpLeg": 4, "LeftLeg": 5, "LeftFoot": 6,
              "Spine": 7, "Neck": 8, "Head": 9, "HeadTop": 10, "LeftArm": 11, "LeftForeArm": 12, "LeftHand": 13,
              "RightArm": 14, "RightForeArm": 15, "RightHand": 16}
BONES = [(p, c) for c, p in enumerate(H36M_17.parents) if p >= 0]


def parse_bvh(text: str) -> dict:
    """Joints (name, parent, offset, channels) in file order, End Sites, frame time and motion values."""
    lines = [line.strip() for line in text.splitlines()]
    assert lines[0] == "HIERARCHY"
    joints: list[dict] = []
    stack: list = []
    pending = None
    i = 1
    while lines[i] != "MOTION":
        words = lines[i].split()
        if words[0] in ("ROOT", "JOINT"):
            assert (words[0] == "ROOT") == (not joints)
            pending = {"name": words[1], "parent": stack[-1]["index"] if stack else -1, "index": len(joints), "end": None}
            joints.append(pending)
        elif lines[i] == "End Site":
            pending = {"end_of": stack[-1]}
        elif words[0] == "{":
            stack.append(pending)
        elif words[0] == "}":
            stack.pop()
        elif words[0] == "OFFSET":
            node = stack[-1]
            offset = np.array([float(w) for w in words[1:4]])
            if "end_of" in node:
                node["end_of"]["end"] = offset
            else:
                node["offset"] = offset
        elif words[0] == "CHANNELS":
            assert int(words[1]) == len(words) - 2
            stack[-1]["channels"] = words[2:]
        i += 1
        assert i < len(lines), "no MOTION section"
    assert not stack, "unbalanced braces"
    frames = int(re.fullmatch(r"Frames:\s*(\d+)", lines[i + 1]).group(1))
    frame_time = float(re.fullmatch(r"Frame Time:\s*(\S+)", lines[i + 2]).group(1))
    values = np.array([[float(w) for w in line.split()] for line in lines[i + 3:] if line])
    return {"joints": joints, "frames": frames, "frame_time": frame_time, "values": values}


def axis_rotation(axis: str, degrees: np.ndarray) -> np.ndarray:
    a = np.radians(degrees)
    c, s, one, zero = np.cos(a), np.sin(a), np.ones_like(a), np.zeros_like(a)
    rows = {"X": [[one, zero, zero], [zero, c, -s], [zero, s, c]],
            "Y": [[c, zero, s], [zero, one, zero], [-s, zero, c]],
            "Z": [[c, -s, zero], [s, c, zero], [zero, zero, one]]}[axis]
    return np.moveaxis(np.array(rows), (0, 1), (-2, -1))


def forward_kinematics(bvh: dict) -> np.ndarray:
    """World positions (T, J, 3) of every joint, in file order; rotations compose in channel order."""
    values, column = bvh["values"], 0
    positions = np.zeros((len(values), len(bvh["joints"]), 3))
    glob = np.zeros((len(values), len(bvh["joints"]), 3, 3))
    for joint in bvh["joints"]:
        local, move = np.eye(3), np.zeros((len(values), 3))
        for name in joint["channels"]:
            if name.endswith("position"):
                move[:, "XYZ".index(name[0])] = values[:, column]
            else:
                local = local @ axis_rotation(name[0], values[:, column])
            column += 1
        j, p = joint["index"], joint["parent"]
        if p < 0:
            positions[:, j], glob[:, j] = joint["offset"] + move, local
        else:
            positions[:, j] = positions[:, p] + glob[:, p] @ joint["offset"]
            glob[:, j] = glob[:, p] @ local
    assert column == values.shape[1]
    return positions


def compare(bvh: dict, poses_camera: np.ndarray, rotation: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bone direction errors (T, 16) in degrees, position errors (T, 17) and their bounds (T, 17), metres, root-relative;
    ``rotation``: the world frame's axes in camera axes (default: the camera turned 180 degrees about x)."""
    fk = forward_kinematics(bvh)[:, [H36M_INDEX[j["name"]] for j in bvh["joints"]]]
    order = np.argsort([H36M_INDEX[j["name"]] for j in bvh["joints"]])
    fk = fk[:, order] - fk[:, order][:, :1]
    rotation = np.diag([1.0, -1.0, -1.0]) if rotation is None else rotation  # y down, z forward → y up, z back
    lifted = (poses_camera - poses_camera[:, :1]) @ rotation.T
    parent, child = np.array(BONES).T
    a, b = fk[:, child] - fk[:, parent], lifted[:, child] - lifted[:, parent]
    cos = (a * b).sum(-1) / np.linalg.norm(a, axis=-1) / np.linalg.norm(b, axis=-1)
    angles = np.arccos(np.clip(cos, -1, 1))
    # |L û' − l û| ≤ L θ + |L − l| per bone, summed along each joint's chain
    slack = np.linalg.norm(a, axis=-1) * angles + np.abs(np.linalg.norm(a, axis=-1) - np.linalg.norm(b, axis=-1))
    bound = np.zeros(fk.shape[:2])
    for (p, c), s in zip(BONES, np.moveaxis(slack, 1, 0)):
        bound[:, c] = bound[:, p] + s
    return np.degrees(angles), np.linalg.norm(fk - lifted, axis=-1), bound


def test_round_trip_of_a_synthetic_walk_is_exact(tmp_path):
    walk = synthetic_sequence(120, seed=3, fps=25.0)
    path = tmp_path / "walk.bvh"
    assert save_bvh(path, walk.positions_3d, walk.fps) == 0
    bvh = parse_bvh(path.read_text())
    assert bvh["frames"] == 120 and bvh["frame_time"] == pytest.approx(1 / 25)
    angles, error, _ = compare(bvh, walk.positions_3d.astype(np.float64))
    assert angles.max() < 0.01 and error.max() < 1e-4  # rigid bones: only the printed precision is lost


def test_noisy_poses_keep_directions_and_stay_within_the_bone_length_change(tmp_path):
    walk = synthetic_sequence(150, seed=4).positions_3d.astype(np.float64)
    noisy = walk + np.random.default_rng(0).normal(scale=0.005, size=walk.shape)  # 5 mm: bones stretch, the torso deforms
    path = tmp_path / "noisy.bvh"
    save_bvh(path, noisy, 50.0)
    angles, error, bound = compare(parse_bvh(path.read_text()), noisy)
    limbs = [i for i, (p, _) in enumerate(BONES) if p not in (0, 8)]  # bones of single-child joints: exact
    # the pelvis and thorax children (short bones) move with one rotation: their error is the torso's deformation
    assert angles[:, limbs].max() < 0.01 and np.percentile(angles, 95) < 6 and angles.max() < 15
    assert (error <= bound + 1e-4).all()


def test_header_is_standard_bvh(tmp_path):
    path = tmp_path / "h.bvh"
    save_bvh(path, synthetic_sequence(10, seed=1).positions_3d, 30.0)
    text = path.read_text()
    bvh = parse_bvh(text)
    joints = bvh["joints"]
    assert text.startswith("HIERARCHY\nROOT Hips\n") and text.count("{") == text.count("}")
    assert sorted(H36M_INDEX[j["name"]] for j in joints) == list(range(17))
    assert joints[0]["channels"] == ["Xposition", "Yposition", "Zposition", "Zrotation", "Xrotation", "Yrotation"]
    assert all(j["channels"] == ["Zrotation", "Xrotation", "Yrotation"] for j in joints[1:])
    leaves = {j["name"] for j in joints if j["end"] is not None}
    assert leaves == {"RightFoot", "LeftFoot", "HeadTop", "LeftHand", "RightHand"}
    assert all(np.linalg.norm(j["end"]) > 0.01 for j in joints if j["end"] is not None)  # no zero-length bones
    assert np.allclose(joints[0]["offset"], 0) and all(np.linalg.norm(j["offset"]) > 0.05 for j in joints[1:])
    assert bvh["values"].shape == (10, 6 + 3 * 16) and np.isfinite(bvh["values"]).all()
    assert bvh["frame_time"] == pytest.approx(1 / 30)
    root = bvh["values"][:, :3]
    assert np.allclose(root, root[0]) and root[0, 0] == root[0, 2] == 0 and 0.6 < root[0, 1] < 1.2  # fixed, pelvis height
    feet = forward_kinematics(bvh)[:, [j["index"] for j in joints if j["name"].endswith("Foot")], 1]
    assert abs(np.median(feet.min(axis=1))) < 0.02  # the lower ankle on the floor


def test_missing_frames_are_interpolated_and_a_clip_without_any_is_refused(tmp_path):
    walk = synthetic_sequence(20, seed=2).positions_3d.astype(np.float64)
    holes = walk.copy()
    holes[[0, 7, 8]] = np.nan
    holes[12, 3] = np.nan
    path = tmp_path / "holes.bvh"
    assert save_bvh(path, holes, 50.0) == 4
    angles, _, _ = compare(parse_bvh(path.read_text()), walk)
    assert angles[[1, 2, 5, 6, 9, 10, 19]].max() < 0.01 and angles.max() < 20
    with pytest.raises(DataError, match="none of the 3 frames"):
        save_bvh(tmp_path / "none.bvh", np.full((3, 17, 3), np.nan), 50.0)
    assert not (tmp_path / "none.bvh").exists() and not list(tmp_path.glob(".*tmp*"))


def test_lift_writes_a_bvh_that_matches_the_lifted_joints(tmp_path, capsys):
    kp = tmp_path / "walk.json"
    kp.write_text(json.dumps(demo_keypoints(num_frames=60)))
    out, bvh_path = tmp_path / "walk_3d.npz", tmp_path / "walk.bvh"
    fixed, fixed_bvh = tmp_path / "fixed_3d.npz", tmp_path / "fixed.bvh"
    assert main(["lift", str(kp), "--out", str(out), "--bvh", str(bvh_path), "--no-flip"]) == 0  # the shipped model
    assert f"wrote {bvh_path}" in capsys.readouterr().out
    assert main(["lift", str(kp), "--out", str(fixed), "--bvh", str(fixed_bvh), "--no-flip", "--no-trajectory"]) == 0
    poses = np.load(fixed)["poses_3d"].astype(np.float64)
    bvh = parse_bvh(fixed_bvh.read_text())
    assert bvh["frames"] == 60 and bvh["frame_time"] == pytest.approx(1 / 50)
    angles, error, bound = compare(bvh, poses)
    assert angles.mean() < 0.5 and np.percentile(angles, 95) < 2 and angles.max() < 5  # measured 0.23, 1.32, 2.31 (centred v7)
    assert (error <= bound + 1e-4).all()
    assert np.allclose(bvh["values"][:, :3], bvh["values"][0, :3])  # --no-trajectory: the root stands still
    # with the trajectory: the same motion in the floor-fitted world frame, the root travelling along root_3d
    data = np.load(out)
    rotation, origin = data["world_rotation"].astype(np.float64), data["world_origin"].astype(np.float64)
    travelling = parse_bvh(bvh_path.read_text())
    angles, _, _ = compare(travelling, data["poses_3d_camera"].astype(np.float64), rotation)
    assert angles.mean() < 0.5 and np.percentile(angles, 95) < 2 and angles.max() < 5
    np.testing.assert_allclose(travelling["values"][:, :3], (data["root_3d"] - origin) @ rotation.T, atol=2e-4)
    crossing = tmp_path / "crossing.json"  # a walker carried across the image: the root travels
    walker = crossing_walkers(60, seed=1)[0]
    crossing.write_text(json.dumps({"layout": "h36m", "width": 1000, "height": 1000, "fps": 50, "frames": [
        {"keypoints": np.concatenate([p, np.full((17, 1), 0.9)], 1).ravel().tolist()} for p in walker]}))
    assert main(["lift", str(crossing), "--out", str(tmp_path / "c.npz"), "--bvh", str(tmp_path / "c.bvh"), "--fov", "60"]) == 0
    path = parse_bvh((tmp_path / "c.bvh").read_text())["values"][:, :3]
    assert np.ptp(path[:, 0]) > 1.0 and np.ptp(path[:, 1]) < 0.1  # across the floor, not up or down
    feet = forward_kinematics(travelling)[:, [j["index"] for j in travelling["joints"] if j["name"].endswith("Foot")], 1]
    assert 0.0 < np.median(feet.min(axis=1)) < 0.12  # the lower ankle just above the fitted floor (y = 0)


def test_bad_bvh_paths_are_one_line_before_any_work(tmp_path, capsys, monkeypatch):
    import liftformer.inference.lifting.pretrained as pretrained

    monkeypatch.setattr(pretrained, "load_model", lambda *a, **k: pytest.fail("lifted before checking the BVH path"))
    kp = tmp_path / "walk.json"
    kp.write_text(json.dumps(demo_keypoints(num_frames=12)))
    blocker = tmp_path / "file.txt"
    blocker.write_text("")
    out = tmp_path / "o.npz"
    for bvh, needle in [(blocker / "x.bvh", "cannot write to directory"), ("/proc/x.bvh", "cannot write to directory"),
                        (kp.with_suffix(".bvh"), None), (tmp_path / "x.txt", "must end in .bvh")]:
        if needle is None:  # the input itself, named .bvh
            kp.rename(bvh)
            kp, needle = bvh, "is the input"
        for stream in ([], ["--stream"]):
            assert main(["lift", str(kp), "--out", str(out), "--bvh", str(bvh), *stream]) == 2
            one_line_error(capsys, "--bvh", needle, no_stdout=True)
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["file.txt", "walk.bvh"]


def test_several_people_get_one_bvh_each(tmp_path, capsys):
    path, ckpt = two_people_json(tmp_path)
    args = ["lift", str(path), "--out", str(tmp_path / "o.npz"), "--bvh", str(tmp_path / "out.bvh"), "--person", "all"]
    assert main([*args, "--checkpoint", str(ckpt)]) == 0
    assert not (tmp_path / "out.bvh").exists()
    for person in (1, 2):
        assert parse_bvh((tmp_path / f"out_person{person}.bvh").read_text())["frames"] == 40


def test_rotation_helpers_at_their_edge_cases():
    from liftformer.inference.writers.bvh import euler_zxy, swing

    a = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.6, 0.8, 0.0]])
    r = swing(a, -a)  # opposite directions: 180° turns
    assert np.allclose(np.einsum("tij,tj->ti", r, a), -a) and np.allclose(r @ np.swapaxes(r, 1, 2), np.eye(3))
    assert np.allclose(np.linalg.det(r), 1)
    angles = np.array([[30.0, 90.0, 0.0], [-120.0, -90.0, 0.0], [170.0, 45.0, -100.0]])  # two in gimbal lock
    rotations = axis_rotation("Z", angles[:, 0]) @ axis_rotation("X", angles[:, 1]) @ axis_rotation("Y", angles[:, 2])
    back = euler_zxy(rotations[:, None])[:, 0]
    again = axis_rotation("Z", back[:, 0]) @ axis_rotation("X", back[:, 1]) @ axis_rotation("Y", back[:, 2])
    assert np.allclose(again, rotations, atol=1e-6)


def test_bvh_units_cm_scales_lengths_not_angles(tmp_path):
    kp = tmp_path / "walk.json"
    kp.write_text(json.dumps(demo_keypoints(num_frames=30)))
    parsed = {}
    for units in ("m", "cm"):
        bvh = tmp_path / f"walk_{units}.bvh"
        assert main(["lift", str(kp), "--out", str(tmp_path / f"{units}.npz"), "--bvh", str(bvh), "--bvh-units", units,
                     "--no-flip"]) == 0
        parsed[units] = parse_bvh(bvh.read_text())
    m, cm = parsed["m"], parsed["cm"]
    offsets = np.array([j["offset"] for j in m["joints"]])
    assert np.allclose(np.array([j["offset"] for j in cm["joints"]]), 100 * offsets, atol=1e-3) and np.abs(offsets).max() > 0.1
    assert np.allclose(cm["values"][:, :3], 100 * m["values"][:, :3], atol=1e-3)  # root position
    assert np.allclose(cm["values"][:, 3:], m["values"][:, 3:], atol=1e-3)  # rotations
