"""Joint and segment angles from lifted poses: known poses read their angles, conventions and invariances hold."""

from __future__ import annotations

import numpy as np
import pytest

from liftformer.data.skeleton import H36M_17
from liftformer.inference.lifting.angles import ANGLES, MIN_KNEE_FLEXION, angle_table, body_angles, unwrap


def standing() -> np.ndarray:
    """(17, 3) someone upright facing the camera (+z) in the world frame (y up), arms hanging: their right is -x."""
    p = np.zeros((17, 3))
    p[0] = [0, 1.0, 0]
    p[1], p[4] = [-0.12, 1.0, 0], [0.12, 1.0, 0]  # right hip, left hip
    p[2], p[5] = [-0.12, 0.55, 0], [0.12, 0.55, 0]
    p[3], p[6] = [-0.12, 0.1, 0], [0.12, 0.1, 0]
    p[7], p[8], p[9], p[10] = [0, 1.25, 0], [0, 1.5, 0], [0, 1.62, 0.05], [0, 1.72, 0]
    p[14], p[11] = [-0.2, 1.48, 0], [0.2, 1.48, 0]  # right shoulder, left shoulder
    p[15], p[12] = [-0.2, 1.18, 0], [0.2, 1.18, 0]
    p[16], p[13] = [-0.2, 0.93, 0], [0.2, 0.93, 0]
    return p


def angles_of(*poses: np.ndarray) -> dict[str, np.ndarray]:
    return body_angles(np.stack(poses))


def test_upright_standing_reads_zero_and_segments_hang_at_minus_90():
    a = angles_of(standing())
    for name in ANGLES:
        base = name.rsplit("_", 1)[0] if name.endswith(("_right", "_left")) else name
        if base in ("thigh", "shank", "arm", "forearm"):
            assert a[name][0] == pytest.approx(-90, abs=1e-6), name
        elif base == "trunk":
            assert a[name][0] == pytest.approx(90, abs=1e-6)
        elif base == "hip_rotation":
            assert np.isnan(a[name][0])  # a straight leg has no rotation to see
        else:
            assert a[name][0] == pytest.approx(0, abs=1e-6), name


def test_a_knee_bent_90_degrees_reads_90():
    p = standing()
    p[3] = p[2] + [0, 0, -0.45]  # right shank straight back: knee flexed 90, thigh still down
    a = angles_of(p)
    assert a["knee_flexion_right"][0] == pytest.approx(90) and a["hip_flexion_right"][0] == pytest.approx(0, abs=1e-6)
    assert a["knee_flexion_left"][0] == pytest.approx(0, abs=1e-6)
    assert a["shank_right"][0] == pytest.approx(180)  # pointing backward: anticlockwise from the forward horizontal


def seated(rotation_deg: float = 0.0) -> np.ndarray:
    """Right hip flexed 90 (thigh forward), knee flexed 90, the shank swung ``rotation_deg`` outward (internal rotation)."""
    p = standing()
    p[2] = p[1] + [0, 0, 0.45]
    theta = np.radians(rotation_deg)
    p[3] = p[2] + 0.45 * np.array([-np.sin(theta), -np.cos(theta), 0])
    return p


@pytest.mark.parametrize("rotation", [0.0, 30.0, -25.0])
def test_hip_flexion_and_rotation_of_a_seated_leg(rotation):
    a = angles_of(seated(rotation))
    assert a["hip_flexion_right"][0] == pytest.approx(90)
    assert a["hip_abduction_right"][0] == pytest.approx(0, abs=1e-6)
    assert a["knee_flexion_right"][0] == pytest.approx(90)
    assert a["hip_rotation_right"][0] == pytest.approx(rotation)  # internal positive: the foot swings outward
    assert a["thigh_right"][0] == pytest.approx(0, abs=1e-6)  # knee - hip: forward, horizontal


def test_a_straight_leg_has_no_rotation_and_a_bent_one_has():
    p = standing()
    bent = np.radians(MIN_KNEE_FLEXION + 5)
    p[3] = p[2] + 0.45 * np.array([0, -np.cos(bent), -np.sin(bent)])
    assert np.isfinite(angles_of(p)["hip_rotation_right"][0]) and np.isnan(angles_of(standing())["hip_rotation_right"][0])


def test_abduction_elbow_shoulder_and_trunk_signs():
    p = standing()
    out = np.array([-np.sin(np.radians(30)), -np.cos(np.radians(30)), 0])  # the right leg 30 degrees out to the side
    p[2], p[3] = p[1] + 0.45 * out, p[1] + 0.9 * out
    p[15], p[16] = p[14] + [0, 0, 0.3], p[14] + [0, 0.25, 0.3]  # right arm forward (flexion 90), forearm up (elbow 90)
    p[12], p[13] = p[11] + [0.3, 0, 0], p[11] + [0.55, 0, 0]  # left arm out sideways: abduction 90
    a = angles_of(p)
    assert a["hip_abduction_right"][0] == pytest.approx(30)  # out, away from the midline
    assert a["shoulder_flexion_right"][0] == pytest.approx(90) and a["elbow_flexion_right"][0] == pytest.approx(90)
    assert a["shoulder_abduction_left"][0] == pytest.approx(90) and np.isnan(a["shoulder_flexion_left"][0])  # straight out
    assert np.isnan(a["arm_left"][0]) and np.isnan(a["forearm_left"][0])  # no segment angle on the sagittal plane either
    assert a["arm_right"][0] == pytest.approx(0) and a["forearm_right"][0] == pytest.approx(90)
    lean = standing()
    lean[7:11] += [0, 0, 0.1]  # the upper body forward of the pelvis
    lean[[7, 8, 9, 10, 11, 12, 13, 14, 15, 16]] += np.linspace(0.02, 0.1, 10)[:, None] * [0, 0, 1]
    assert angles_of(lean)["trunk_flexion"][0] > 5


@pytest.mark.parametrize("out_of_plane, defined", [(30.0, True), (44.0, True), (46.0, False), (80.0, False)])
def test_a_segment_nearer_the_side_than_the_sagittal_plane_has_no_angle(out_of_plane, defined):
    p = standing()
    t = np.radians(out_of_plane)
    p[15] = p[14] + 0.3 * np.array([-np.sin(t), 0, np.cos(t)])  # the right arm forward and horizontal, turned out by t
    p[16] = p[15] + [0, -0.25, 0]
    arm = angles_of(p)["arm_right"][0]
    assert (arm == pytest.approx(0.0, abs=1e-6)) if defined else np.isnan(arm)
    assert angles_of(p)["forearm_right"][0] == pytest.approx(-90)  # the forearm hangs: in the plane


def mirrored(p: np.ndarray) -> np.ndarray:
    """The same body seen in a mirror: x negated, left and right joints exchanged."""
    return (p * [-1, 1, 1])[H36M_17.flip_permutation]


def test_a_mirrored_body_exchanges_sides():
    p = seated(20.0)
    p[15], p[16] = p[14] + [0, -0.2, 0.2], p[14] + [0, -0.1, 0.45]
    a, m = angles_of(p), angles_of(mirrored(p))
    for name in ANGLES:
        if name.endswith("_right"):
            np.testing.assert_allclose(m[name.replace("_right", "_left")], a[name], atol=1e-6, err_msg=name)
    np.testing.assert_allclose(m["trunk_flexion"], a["trunk_flexion"], atol=1e-6)
    np.testing.assert_allclose(m["pelvis_rotation"], -a["pelvis_rotation"], atol=1e-6)


def test_turning_about_the_vertical_changes_headings_only():
    p = seated(15.0)
    p[15], p[16] = p[14] + [0.05, -0.2, 0.2], p[14] + [0.1, -0.1, 0.45]
    c, s = np.cos(np.radians(70)), np.sin(np.radians(70))
    turn = np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])  # about +y: forward (+z) toward +x, the person's left
    a, b = angles_of(p), angles_of(p @ turn.T + [1.0, 0.0, -2.0])
    for name in ANGLES:
        if name in ("pelvis_rotation", "shoulder_rotation"):
            np.testing.assert_allclose(b[name], a[name] + 70, atol=1e-6)
        else:
            np.testing.assert_allclose(b[name], a[name], atol=1e-6, err_msg=name)


def test_headings_are_unwrapped_over_a_full_turn():
    turns = []
    for deg in np.arange(0, 400, 20):
        c, s = np.cos(np.radians(deg)), np.sin(np.radians(deg))
        turns.append(standing() @ np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]]).T)
    rotation = body_angles(np.stack(turns))["pelvis_rotation"]
    np.testing.assert_allclose(rotation, np.arange(0, 400, 20), atol=1e-6)
    assert np.array_equal(np.isnan(unwrap(np.array([10.0, np.nan, 350.0]))), [False, True, False])
    assert unwrap(np.array([10.0, np.nan, 350.0]))[2] == pytest.approx(-10.0)


def camera_of(world: np.ndarray, pitch: float, roll: float) -> np.ndarray:
    """World poses (y up, z at the camera) as a camera pitched down by ``pitch`` and rolled by ``roll`` degrees sees
    them (camera axes: y down, z forward), 4 m in front of it."""
    p, r = np.radians(pitch), np.radians(roll)
    tilt = np.array([[1, 0, 0], [0, np.cos(p), -np.sin(p)], [0, np.sin(p), np.cos(p)]])
    turn = np.array([[np.cos(r), -np.sin(r), 0], [np.sin(r), np.cos(r), 0], [0, 0, 1]])
    return (world - [0, 1.0, 4.0]) @ np.diag([1.0, -1.0, -1.0]).T @ tilt.T @ turn.T


@pytest.mark.parametrize("pitch, roll", [(25.0, 0.0), (-10.0, 8.0), (15.0, -12.0)])
def test_a_pitched_or_rolled_camera_leaves_world_angles_unchanged(pitch, roll):
    """Through the fitted floor (offline) and through a stream's running upright frame, the angles of a body seen by a
    tilted camera are those of the body itself."""
    from liftformer.inference.lifting.ground import RunningUp, fit_ground

    world = []
    for k in range(12):  # someone stepping sideways, knees bending (feet under the neck), an elbow bent, half-turned
        p = standing()
        p[2, 2] = p[5, 2] = 0.02 * k
        p[15], p[16] = p[14] + [0.05, -0.2, 0.2], p[14] + [0.1, -0.1, 0.45]
        c, s = np.cos(np.radians(30)), np.sin(np.radians(30))
        world.append(p @ np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]]).T + [0.1 * k, 0, 0])
    world = np.stack(world)
    truth = body_angles(world)
    seen = camera_of(world, pitch, roll)
    offline = body_angles(fit_ground(seen).to_world(seen))
    running = RunningUp()
    for t in range(len(seen)):
        rotation = running.push(seen[t] - seen[t, 0])
    stream = body_angles((seen - seen[:, :1]) @ rotation.T)
    for name in ANGLES:
        np.testing.assert_allclose(offline[name], truth[name], atol=1e-6, err_msg=name)
        np.testing.assert_allclose(stream[name], truth[name], atol=1e-6, err_msg=name)


def test_a_streams_rotations_continue_the_line_before():
    from liftformer.inference.lifting.angles import unwrap_after

    before = {"pelvis_rotation": 175.0, "hip_rotation_left": -170.0, "knee_flexion_left": 10.0}
    now = unwrap_after({"pelvis_rotation": -179.0, "hip_rotation_left": 175.0, "knee_flexion_left": 12.0,
                        "trunk_flexion": None, "shoulder_rotation": 30.0}, before)
    assert now == {"pelvis_rotation": 181.0, "hip_rotation_left": -185.0, "knee_flexion_left": 12.0, "trunk_flexion": None,
                   "shoulder_rotation": 30.0}


def test_the_table_has_a_column_per_angle():
    table = angle_table(angles_of(standing(), seated()))
    assert table.shape == (2, len(ANGLES)) and len(set(ANGLES)) == len(ANGLES)


def test_lift_writes_the_angles_everywhere_they_are_asked(tmp_path, capsys):
    """The bundled synthetic walk lifted by the shipped model: the CSV, the npz, the JSON and the plot carry the angles,
    and the knees bend as a walk's do (straight at heel strike, 30-80 degrees in swing)."""
    import csv
    import json
    from importlib import resources

    from liftformer.cli.main import main

    walk = str(resources.files("liftformer.assets").joinpath("demo_keypoints.json"))
    out, table, plot = tmp_path / "walk.npz", tmp_path / "walk_angles.csv", tmp_path / "walk_angles.png"
    assert main(["lift", walk, "--out", str(out), "--json", "--angles", str(table), "--angles-plot", str(plot)]) == 0
    rows = list(csv.reader(table.open()))
    assert rows[0] == ["frame", "time_s", "interpolated", "interpolated_joints", *ANGLES]
    with np.load(out) as f:
        assert f["angles"].shape == (len(rows) - 1, len(ANGLES)) and f["angle_names"].tolist() == list(ANGLES)
        knees = f["angles"][:, [ANGLES.index("knee_flexion_right"), ANGLES.index("knee_flexion_left")]]
    assert knees.min() < 15 and 30 < knees.max() < 90, (knees.min(), knees.max())
    frames = json.loads(out.with_suffix(".json").read_text())["frames"]
    with np.load(out) as f:  # each JSON frame names the joints interpolated there, as the npz marks them
        assert [sorted(row["filled"]) for row in frames] == [np.flatnonzero(i).tolist() for i in f["interpolated"]]
    assert frames[5]["angles"]["knee_flexion_right"] == pytest.approx(float(rows[6][4 + ANGLES.index("knee_flexion_right")]), abs=0.01)
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"wrote {table}" in capsys.readouterr().out


def test_stream_lines_carry_the_angles(tmp_path, capsys):
    import json
    from importlib import resources

    from liftformer.cli.main import main

    walk = str(resources.files("liftformer.assets").joinpath("demo_keypoints.json"))
    assert main(["lift", walk, "--stream", "--out", str(tmp_path / "s.npz"), "--angles", str(tmp_path / "s.csv")]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert lines and all(set(line["angles"]) == set(ANGLES) for line in lines)
    for name in ("pelvis_rotation", "shoulder_rotation"):  # unwrapped line to line
        values = [line["angles"][name] for line in lines if line["angles"][name] is not None]
        assert values and np.abs(np.diff(values)).max() < 90, name
    assert (tmp_path / "s.csv").is_file()


@pytest.mark.parametrize("flag, name", [("--angles", "a.txt"), ("--angles-plot", "a.jpg")])
def test_angle_outputs_need_their_suffix(tmp_path, capsys, flag, name):
    from importlib import resources

    from conftest import one_line_error
    from liftformer.cli.main import main

    walk = str(resources.files("liftformer.assets").joinpath("demo_keypoints.json"))
    assert main(["lift", walk, "--out", str(tmp_path / "o.npz"), flag, str(tmp_path / name)]) == 2
    one_line_error(capsys, flag, "must end in")
    assert not (tmp_path / "o.npz").exists()


def test_markers_the_trc_refuses_leave_no_other_output(tmp_path, capsys, monkeypatch):
    from importlib import resources

    from liftformer.cli.main import main
    from liftformer.inference.writers import angles

    monkeypatch.setattr(angles, "world_poses", lambda poses, placement: np.full(np.shape(poses), np.nan))
    walk = str(resources.files("liftformer.assets").joinpath("demo_keypoints.json"))
    assert main(["lift", walk, "--out", str(tmp_path / "w.npz"), "--json", "--trc", str(tmp_path / "w.trc")]) == 2
    err = capsys.readouterr().err.splitlines()  # the notes of the lift, then the one line
    assert err[-1] == "liftformer lift: error: w.trc: a marker is not finite: nothing written"
    assert list(tmp_path.iterdir()) == []


def test_trc_holds_a_marker_per_joint_in_the_world_frame(tmp_path):
    """The header OpenSim and Pose2Sim read, and each frame's markers: the floor-fitted world joints, root included."""
    from importlib import resources

    from liftformer.cli.main import main
    from liftformer.inference.writers.trc import MARKERS

    walk = str(resources.files("liftformer.assets").joinpath("demo_keypoints.json"))
    out, trc = tmp_path / "w.npz", tmp_path / "w.trc"
    assert main(["lift", walk, "--out", str(out), "--trc", str(trc)]) == 0
    lines = trc.read_text().splitlines()
    assert lines[0] == "PathFileType\t4\t(X/Y/Z)\tw.trc"
    rate, _, count, markers, units = lines[2].split("\t")[:5]
    assert lines[3].split("\t")[2::3] == list(MARKERS) and int(markers) == len(MARKERS) == 17 and units == "m"
    data = np.array([line.split("\t") for line in lines[5:]], dtype=np.float64)
    assert data.shape == (int(count), 2 + 3 * 17) and np.array_equal(data[:, 0], np.arange(1, int(count) + 1))
    with np.load(out) as f:
        world = (f["poses_3d_camera"] - f["world_origin"]) @ f["world_rotation"].T
        assert float(rate) == pytest.approx(float(f["fps"]))
    np.testing.assert_allclose(data[:, 2:].reshape(-1, 17, 3), world, atol=2e-5)
    assert data[:, 2:].reshape(-1, 17, 3)[..., 1].min() > -0.05  # Y up, from the floor


def test_the_csv_names_the_joints_interpolated_and_the_plot_hatches_whole_poses(tmp_path):
    import csv

    from liftformer.data.skeleton import H36M_17
    from liftformer.inference.writers.angles import plot_angles, save_angles_csv

    angles = {name: np.linspace(0, 10, 6) for name in ANGLES}
    filled = np.zeros((6, 17), dtype=bool)
    filled[1, H36M_17.joint_names.index("lwrist")] = True
    filled[2, [H36M_17.joint_names.index("lwrist"), H36M_17.joint_names.index("rknee")]] = True
    filled[4] = True  # the whole pose: no person seen, or replaced by the 3D check
    save_angles_csv(tmp_path / "a.csv", angles, np.arange(10, 16), filled, 50.0, H36M_17.joint_names)
    rows = list(csv.DictReader((tmp_path / "a.csv").open()))
    assert [r["interpolated"] for r in rows] == ["0", "1", "1", "0", "1", "0"]
    assert [r["interpolated_joints"] for r in rows] == ["", "lwrist", "rknee;lwrist", "", "all", ""]
    seen = {}

    import matplotlib.axes

    original = matplotlib.axes.Axes.axvspan

    def spans(self, *args, **kwargs):
        seen.setdefault(kwargs.get("hatch"), []).append(args)
        return original(self, *args, **kwargs)

    matplotlib.axes.Axes.axvspan = spans
    try:
        plot_angles(tmp_path / "a.png", angles, np.arange(10, 16), 50.0, None, "t", filled.all(-1))
    finally:
        matplotlib.axes.Axes.axvspan = original
    assert len(seen["//"]) == 4 and seen["//"][0] == (14 / 50.0, 14 / 50.0)  # frame 14 on each of the 4 panels
    assert (tmp_path / "a.png").read_bytes()[:4] == b"\x89PNG"
