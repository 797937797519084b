"""The real-camera yardstick's parts: the Qualisys calibration reader, DLT triangulation, cross-view association."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from liftformer.data.calibration import read_qca
from liftformer.data.synthetic import synthetic_sequence
from liftformer.errors import DataError
from liftformer.evaluation.multiview import associate, projection_matrix, reproject, triangulate

QCA_CAMERA = """<camera active="1" avg-residual="0.4" model="none" serial="{name}" viewrotation="0">
  <fov_video bottom="1919" left="0" right="1087" top="0"/>
  <transform r11="{r[0]}" r12="{r[1]}" r13="{r[2]}" r21="{r[3]}" r22="{r[4]}" r23="{r[5]}" r31="{r[6]}" r32="{r[7]}" r33="{r[8]}"
             x="{c[0]}" y="{c[1]}" z="{c[2]}"/>
  <intrinsic centerPointU="34816" centerPointV="61440" focalLengthU="107520" focalLengthV="107520" radialDistortion1="0"
             radialDistortion2="0" radialDistortion3="0" tangentalDistortion1="0" tangentalDistortion2="0"/>
</camera>"""


def look_at(centre: np.ndarray, target=(0.0, 0.0, 1.0)) -> np.ndarray:
    """A world-to-camera rotation (OpenCV axes: x right, y down, z forward) looking at ``target``, world z up."""
    forward = np.asarray(target) - centre
    forward /= np.linalg.norm(forward)
    right = np.cross(forward, [0.0, 0.0, 1.0])
    right /= np.linalg.norm(right)
    return np.stack([right, np.cross(forward, right), forward])


def write_qca(path, names=("cam02", "cam01", "cam10")) -> list[tuple[np.ndarray, np.ndarray]]:
    """A Qualisys file for cameras around the origin; returns each camera's (R, centre) in natural name order."""
    rigs, blocks = {}, []
    for k, name in enumerate(names):
        angle = 2 * np.pi * k / len(names)
        centre = np.array([4 * np.cos(angle), 4 * np.sin(angle), 2.0])
        rotation = look_at(centre)
        m = np.diag([1.0, -1.0, -1.0]) @ rotation  # the file holds Rx(pi) R, row by row (see data/calibration.py)
        blocks.append(QCA_CAMERA.format(name=name, r=m.ravel(), c=1000 * centre))
        rigs[name] = (rotation, centre)
    path.write_text("<?xml version='1.0'?><calibration><cameras>" + "".join(blocks) + "</cameras></calibration>")
    return [rigs[n] for n in sorted(names, key=lambda n: int(n[3:]))]


def test_qualisys_calibration_is_read_in_camera_order_with_opencv_axes(tmp_path):
    path = tmp_path / "Calib.qca.txt"
    rigs = write_qca(path)
    cams = read_qca(path)
    assert [c.name for c in cams] == ["cam01", "cam02", "cam10"]
    for cam, (rotation, centre) in zip(cams, rigs):
        np.testing.assert_allclose(cam.R, rotation, atol=1e-9)
        np.testing.assert_allclose(cam.T, centre, atol=1e-9)
        assert (cam.width, cam.height) == (1088, 1920) and cam.focal.tolist() == [1680, 1680] and cam.center.tolist() == [544, 960]
        assert cam.world_to_camera(np.array([[0.0, 0.0, 1.0]]))[0, 2] > 3  # the origin is in front of every camera


@pytest.mark.parametrize("text, needle", [
    ("not xml at all", "cannot read the Qualisys calibration"),
    ("<calibration><cameras></cameras></calibration>", "no <camera>"),
    ("<calibration><cameras><camera serial='c'/></cameras></calibration>", "lacks fov_video"),
    ('<!DOCTYPE x [<!ENTITY a "aaaa">]><calibration/>', "declares entities"),
])
def test_a_bad_calibration_file_is_one_line_naming_it(tmp_path, text, needle):
    path = tmp_path / "bad.qca.txt"
    path.write_text(text)
    with pytest.raises(DataError, match=needle) as error:
        read_qca(path)
    assert str(path) in str(error.value) and "\n" not in str(error.value)
    with pytest.raises(DataError, match="no such calibration file"):
        read_qca(tmp_path / "absent.qca.txt")


def test_two_people_are_associated_across_views_and_triangulated_exactly(tmp_path):
    write_qca(tmp_path / "c.qca.txt", ("cam01", "cam02", "cam03", "cam04"))
    cams = read_qca(tmp_path / "c.qca.txt")
    matrices = np.stack([projection_matrix(c) for c in cams])
    body = synthetic_sequence(1, seed=0).positions_3d[0].astype(np.float64) * np.array([1, -1, 1])  # y up
    body = body[:, [0, 2, 1]]  # y up → world z up
    people = [body - body[:1] + np.array([-0.6, 0.2, 1.0]), body - body[:1] + np.array([0.7, -0.3, 1.0])]
    detections = []
    for v in range(len(cams)):
        views = [np.concatenate([reproject(matrices[v:v + 1], p)[0], np.ones((17, 1))], 1) for p in people]
        if v == 2:
            views = views[::-1]  # another order in this view
        if v == 3:
            views = views[:1]  # someone unseen here
        detections.append(np.stack(views))
    found = associate(matrices, detections)
    assert len(found) == 2 and all(error < 1e-6 for _, _, error in found)
    for points, _, _ in found:
        truth = min(people, key=lambda p: np.linalg.norm(p - points))
        np.testing.assert_allclose(points, truth, atol=1e-6)
    assert sorted(tuple(c) for _, c, _ in found) == [(0, 0, 1, 0), (1, 1, 0, -1)]
    weights = np.ones((4, 17))
    weights[1:] = 0  # one view: nothing to triangulate
    assert np.isnan(triangulate(matrices, np.zeros((4, 17, 2)), weights)).all()


def test_square_tiles_cover_long_frames_and_leave_square_ones_alone():
    from liftformer.inference.sources.regions import square_tiles

    assert square_tiles(1920, 1088) == [(0, 0, 1088), (416, 0, 1088), (832, 0, 1088)]
    assert square_tiles(540, 960) == [(0, 0, 540), (0, 210, 540), (0, 420, 540)]
    assert square_tiles(1000, 1002) == [] and square_tiles(1080, 1200) == []


def test_distinct_keeps_one_region_per_person_preferring_the_whole_frame():
    from liftformer.inference.sources.regions import Roi, distinct

    whole = [Roi(300, 400, 500)]
    tile = [Roi(310, 395, 480, 0.1), Roi(900, 400, 500)]  # the same person seen in an overlapping tile, and someone else
    assert distinct([whole, tile]) == [whole[0], tile[1]]
    assert distinct([[], []]) == []



# ------------------------------------------------------------------ benchmarks/real_yardstick.py, on a synthetic clip
@pytest.fixture()
def yardstick(monkeypatch):
    """benchmarks/real_yardstick.py as a module."""
    import sys
    from pathlib import Path

    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[1] / "benchmarks"))
    monkeypatch.delitem(sys.modules, "real_yardstick", raising=False)
    import real_yardstick

    return real_yardstick


@pytest.fixture()
def clip_inputs(yardstick):
    """benchmarks/pose2sim_clip.py, the yardstick's inputs, as a module."""
    import pose2sim_clip

    return pose2sim_clip


def pose2sim_clip(root, name: str = "MyClip", videos=("cam10.mp4", "cam01.mp4", "cam2.mp4", "cam3.mp4"), calibration: str = "clip"):
    """A folder in Pose2Sim's layout: empty video files and a Qualisys calibration of 4 cameras in ``calibration``
    (``clip``: CLIP/calibration; ``parent``: the batch layout's; anything else: none)."""
    clip = root / name
    (clip / "videos").mkdir(parents=True)
    for video in videos:
        (clip / "videos" / video).write_bytes(b"")
    folder = {"clip": clip / "calibration", "parent": root / "calibration"}.get(calibration)
    if folder is not None:
        folder.mkdir()
        write_qca(folder / "Calib.qca.txt", ("cam01", "cam02", "cam03", "cam04"))
    return clip


def test_the_yardstick_takes_any_pose2sim_clip(clip_inputs, tmp_path):
    clip = clip_inputs.find_clip(pose2sim_clip(tmp_path))
    assert clip.name == "MyClip" and clip.calibration.name == "Calib.qca.txt"
    assert [v.name for v in clip.videos] == ["cam01.mp4", "cam2.mp4", "cam3.mp4", "cam10.mp4"]  # Pose2Sim's natural order
    batch = clip_inputs.find_clip(pose2sim_clip(tmp_path / "session", "Trial_1", calibration="parent"))
    assert batch.calibration == tmp_path / "session" / "calibration" / "Calib.qca.txt" and batch.name == "Trial_1"


@pytest.mark.parametrize("make, needle", [
    (lambda root: root / "absent", "absent: no such folder"),
    (lambda root: pose2sim_clip(root, videos=()), "no videos in"),
    (lambda root: pose2sim_clip(root, calibration="none"), "no Qualisys calibration (calibration/*.qca.txt)"),
])
def test_a_clip_the_yardstick_cannot_use_is_one_line(yardstick, tmp_path, capsys, make, needle):
    demo = make(tmp_path)
    assert yardstick.main(["--demo", str(demo), "--cache", str(tmp_path / "cache")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("real_yardstick.py: error: --demo ") and needle in err and "Warning" not in err


def test_a_bad_calibration_or_flag_is_one_line_exit_2(yardstick, tmp_path, capsys, monkeypatch):
    from liftformer.inference.sources.video import VideoInfo

    clip = pose2sim_clip(tmp_path)
    (clip / "calibration" / "Calib.qca.txt").write_text("not xml at all")
    assert yardstick.main(["--demo", str(clip)]) == 2  # a 9-line traceback before
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{clip / 'calibration' / 'Calib.qca.txt'}: cannot read the Qualisys calibration" in err
    (clip / "calibration" / "Calib.qca.txt").unlink()
    (clip / "calibration" / "Calib_board.toml").write_text("")
    assert yardstick.main(["--demo", str(clip)]) == 2
    assert "Calib_board.toml is not read: convert it with Pose2Sim's calib_toml_to_qca" in capsys.readouterr().err
    write_qca(clip / "calibration" / "Calib.qca.txt", ("cam01", "cam02", "cam03", "cam04"))
    monkeypatch.setattr(yardstick, "probe_video", lambda path: VideoInfo(720, 1280, 30.0, 10))
    assert yardstick.main(["--demo", str(clip)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "camera cam01 is 1088x1920, its video cam01.mp4 720x1280" in err
    with pytest.raises(SystemExit) as exit_:
        yardstick.main(["--demo", str(clip), "--person-height", "9"])
    assert exit_.value.code == 2 and capsys.readouterr().err.count("\n") == 1


def test_a_calibration_a_few_pixels_off_its_videos_is_noted_and_used(clip_inputs, tmp_path, capsys):
    from liftformer.inference.sources.video import VideoInfo

    clip = clip_inputs.find_clip(pose2sim_clip(tmp_path))
    cams = read_qca(clip.calibration)  # 1088 x 1920, as Demo_MultiPerson's
    infos = [VideoInfo(1080, 1920, 60.0, 100)] * 2 + [VideoInfo(1088, 1920, 60.0, 100)] * 2
    fitted = clip_inputs.fit_sizes(cams, clip, infos)
    assert [(c.width, c.height) for c in fitted] == [(1080, 1920)] * 2 + [(1088, 1920)] * 2
    assert all((a.focal == b.focal).all() and (a.center == b.center).all() for a, b in zip(cams, fitted))  # as Pose2Sim
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("note: ") and "cam01 1088x1920, cam01.mp4 1080x1920; cam02 1088x1920" in err
    with pytest.raises(DataError, match="4 cameras, but .* holds 3 videos"):
        clip_inputs.fit_sizes(cams, dataclasses.replace(clip, videos=clip.videos[:3]), infos[:3])


def synthetic_views(cams, frames: int = 12) -> list:
    """Each camera's detections (PeopleKeypoints, H36M layout) of two synthetic people walking 1.3 m apart."""
    from liftformer.inference.sources.keypoints import PeopleKeypoints

    motion = synthetic_sequence(frames, seed=0).positions_3d.astype(np.float64) * np.array([1, -1, 1])
    motion = motion[..., [0, 2, 1]]  # y up → world z up
    people = [motion - motion[:1, :1] + np.array([-0.6, 0.2, 1.0]), motion - motion[:1, :1] + np.array([0.7, -0.3, 1.0])]
    views = []
    for cam in cams:
        matrix = projection_matrix(cam)[None]
        seen = np.stack([[np.concatenate([reproject(matrix, p[t])[0], np.ones((17, 1))], 1) for p in people] for t in range(frames)])
        views.append(PeopleKeypoints(seen[:, 0, :, :2], seen[:, 0, :, 2], "h36m", cam.width, cam.height, 50.0, cam.name,
                                     people=list(seen)))
    return views


def test_the_yardstick_names_its_clip_and_keeps_detections_per_detector(yardstick, clip_inputs, tmp_path, capsys, monkeypatch):
    from liftformer.inference.sources.video import VideoInfo

    demo = pose2sim_clip(tmp_path, "Courtyard", videos=("cam01.mp4", "cam02.mp4", "cam03.mp4", "cam04.mp4"))
    views = dict(zip([f"cam0{i}.mp4" for i in range(1, 5)], synthetic_views(read_qca(demo / "calibration" / "Calib.qca.txt"))))
    calls: list[tuple[str, str]] = []

    def detect(path: str, detector: str):
        calls.append((path.rsplit("/", 1)[-1], detector))
        return views[path.rsplit("/", 1)[-1]]

    monkeypatch.setattr(clip_inputs, "read_people", detect)
    monkeypatch.setattr(yardstick, "probe_video", lambda path: VideoInfo(1088, 1920, 50.0, 12))
    cache = tmp_path / "cache"
    assert yardstick.main(["--demo", str(demo), "--cache", str(cache), "--detector", "blazepose"]) == 0
    out = capsys.readouterr().out
    assert "; Courtyard, 12 frames, 4 cameras\n" in out and "Demo_MultiPerson" not in out
    assert sorted(p.relative_to(cache).as_posix() for p in cache.rglob("*.npz")) == [
        f"Courtyard/blazepose/cam0{i}.npz" for i in range(1, 5)]
    assert calls == [(f"cam0{i}.mp4", "blazepose") for i in range(1, 5)]
    assert yardstick.main(["--demo", str(demo), "--cache", str(cache), "--detector", "blazepose"]) == 0
    assert len(calls) == 4  # read from the cache
    video = demo / "videos" / "cam01.mp4"
    info = VideoInfo(1088, 1920, 50.0, 12)
    kp = clip_inputs.detections(video, info, cache, "Courtyard", "fused")  # another detector: detected again, kept apart
    assert calls[-1] == ("cam01.mp4", "fused") and (cache / "Courtyard" / "fused" / "cam01.npz").is_file()
    np.testing.assert_allclose(clip_inputs.detections(video, info, cache, "Courtyard", "fused").people[3], kp.people[3])
    with pytest.raises(DataError, match="by several detectors \\(blazepose, fused\\): keep one"):
        clip_inputs.detections(video, info, cache, "Courtyard", None, "--reference-with")
    flat = tmp_path / "movenet"  # movenet_detections.py's flat cache: used as it is, said on stderr
    flat.mkdir()
    (cache / "Courtyard" / "fused" / "cam01.npz").rename(flat / "cam01.npz")
    capsys.readouterr()
    clip_inputs.detections(video, info, flat, "Courtyard", None, "--reference-with")
    assert capsys.readouterr().err.startswith(f"note: {flat / 'cam01.npz'}: detections cached without their detector's name")
    with pytest.raises(DataError, match="detections of a 1088x1920 video, but .* is 1080x1920: another clip's"):
        clip_inputs.detections(video, VideoInfo(1080, 1920, 50.0, 12), flat, "Courtyard", None, "--reference-with")
    with pytest.raises(DataError, match="--reference-with .*: no cached detections of cam02.mp4"):
        clip_inputs.detections(demo / "videos" / "cam02.mp4", info, flat, "Courtyard", None, "--reference-with")
