"""The real-camera yardstick's parts: the Qualisys calibration reader, DLT triangulation, cross-view association."""

from __future__ import annotations

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

