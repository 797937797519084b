"""Direct-drawing renders: geometry, where the skeleton lands, person colours, the fixed view, the writers."""

from __future__ import annotations

import json

import numpy as np
import pytest

from liftformer.cli.main import main
from liftformer.data.skeleton import H36M_17
from liftformer.data.synthetic import demo_keypoints, synthetic_sequence
from liftformer.inference.writers.drawing import PERSON_COLOURS, bone_colours, fit_view
from liftformer.inference.writers.render import VIEW_BACKGROUND, check_render_path, make_layout, render_frames, write_video

W, H = 320, 240
GREY = 128
BONES = np.array(H36M_17.bones())


def walk(frames: int = 4, seed: int = 1, shift: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Root-relative 3D (T, 17, 3) and pixels (T, 17, 2) of a synthetic walk in a W × H image."""
    seq = synthetic_sequence(frames, seed=seed, width=W, height=H, focal=300.0)
    pixels = seq.keypoints_px.astype(np.float64) + [shift, 0.0]
    return (seq.positions_3d - seq.positions_3d[:, :1]).astype(np.float64), pixels


def grey_video(frames: int):
    return (np.full((H, W, 3), GREY, dtype=np.uint8) for _ in range(frames))


def near(pixel: np.ndarray, colour, tol: int = 40) -> bool:
    return bool(np.abs(pixel.astype(int) - np.asarray(colour, dtype=int)).max() <= tol)


def hits(panel: np.ndarray, points: np.ndarray, colours: np.ndarray) -> float:
    """The share of bone midpoints ``points`` (B, 2) whose pixel in ``panel`` has the bone's colour
    (pixel i covers [i, i + 1))."""
    xy = np.floor(points).astype(int)
    return float(np.mean([near(panel[y, x], c) for (x, y), c in zip(xy, colours)]))


def test_size_and_frame_count():
    poses, pixels = walk(5)
    images = list(render_frames(poses, pixels, (W, H), frames=grey_video(5), height=240))
    layout = make_layout((W, H), pixels, True, 240)
    assert len(images) == 5 and layout.width == 320 + 240
    assert all(im.shape == (240, 560, 3) and im.dtype == np.uint8 for im in images)
    # without a video the input panel is square; sides are multiples of 16
    assert next(render_frames(poses, pixels, (W, H), height=200)).shape == (192, 384, 3)


def test_skeleton_lands_on_the_projected_joints():
    poses, pixels = walk(1)
    image = next(render_frames(poses, pixels, (W, H), frames=grey_video(1), height=240, azimuth=30.0))
    layout = make_layout((W, H), pixels, True, 240)
    left, right = image[:, : layout.input_width], image[:, layout.input_width:]
    colours = bone_colours(H36M_17, 0)
    mid_2d = layout.to_panel(pixels[0][BONES].mean(1))
    assert hits(left, mid_2d, colours) >= 0.8
    # mirrored positions are mostly the video, not the skeleton: the test can fail
    assert hits(left, np.c_[layout.input_width - 1 - mid_2d[:, 0], mid_2d[:, 1]], colours) <= 0.3
    view = fit_view(poses[None], layout.height)
    mid_3d = view.project(poses[0], 30.0)[0][BONES].mean(1)
    assert hits(right, mid_3d, colours) >= 0.8
    assert hits(right, np.c_[layout.height - 1 - mid_3d[:, 0], mid_3d[:, 1]], colours) <= 0.3
    assert np.mean(np.all(right == VIEW_BACKGROUND, axis=-1)) > 0.5


def test_every_person_has_their_own_colour_and_absent_people_are_skipped():
    (p0, x0), (p1, x1) = walk(3, seed=1, shift=-70), walk(3, seed=2, shift=70)
    p1[1], x1[1] = np.nan, np.nan  # person 1 absent in frame 1
    images = list(render_frames(np.stack([p0, p1]), np.stack([x0, x1]), (W, H), frames=grey_video(3), height=240))
    layout = make_layout((W, H), x0, True, 240)
    palettes = [bone_colours(H36M_17, p) for p in (0, 1)]
    assert not set(map(tuple, palettes[0].tolist())) & set(map(tuple, palettes[1].tolist()))
    left = images[0][:, : layout.input_width]
    for person, pixels in enumerate((x0, x1)):
        mids = np.floor(layout.to_panel(pixels[0][BONES].mean(1))).astype(int)
        own = [any(near(left[y, x], c, 25) for c in palettes[person]) for x, y in mids]
        other = [any(near(left[y, x], c, 25) for c in palettes[1 - person]) for x, y in mids]
        assert np.mean(own) >= 0.8 and not any(other)
    # the 3D panel shows both people, in their colours
    right = images[0][:, layout.input_width:].reshape(-1, 3).astype(int)
    for colour in PERSON_COLOURS[:2]:
        assert (np.abs(right - colour).max(1) <= 20).sum() > 30
    assert not (np.abs(images[1][:, : layout.input_width].reshape(-1, 3).astype(int) - PERSON_COLOURS[1]).max(1) <= 20).any()


def test_fixed_view_unless_orbit():
    poses, pixels = walk(1)
    poses, pixels = np.repeat(poses, 4, 0), np.repeat(pixels, 4, 0)  # one pose held still
    layout = make_layout((W, H), pixels, False, 160)
    static = [im[:, layout.input_width:] for im in render_frames(poses, pixels, (W, H), height=160, fps=10)]
    assert all(np.array_equal(static[0], im) for im in static[1:])
    turning = [im[:, layout.input_width:] for im in render_frames(poses, pixels, (W, H), height=160, fps=10, orbit=30.0)]
    assert all(not np.array_equal(a, b) for a, b in zip(turning, turning[1:]))


@pytest.mark.parametrize("suffix", [".gif", ".mp4"])
def test_writes_gif_and_mp4_atomically(tmp_path, suffix):
    import imageio.v2 as imageio

    poses, pixels = walk(6)
    path = tmp_path / f"out{suffix}"
    assert write_video(render_frames(poses, pixels, (W, H), frames=grey_video(6), height=160), path, fps=10) == 6
    assert path.read_bytes()[:3] == b"GIF" if suffix == ".gif" else path.read_bytes()[4:8] == b"ftyp"
    with imageio.get_reader(path) as reader:
        frames = [np.asarray(f) for f in reader]
    assert len(frames) == 6 and frames[0].shape[:2] == (160, 208 + 160)
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # no temporary left

    def broken():
        yield from render_frames(poses[:2], pixels[:2], (W, H), height=160)
        raise RuntimeError("decoder failed")

    with pytest.raises(RuntimeError):
        write_video(broken(), tmp_path / f"broken{suffix}", fps=10)
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_bad_render_path_is_one_line_exit_2(tmp_path, capsys):
    with pytest.raises(ValueError, match="render to .mp4 or .gif"):
        check_render_path("x.avi")
    kp = tmp_path / "walk.json"
    kp.write_text(json.dumps(demo_keypoints(num_frames=4)))
    assert main(["lift", str(kp), "--out", str(tmp_path / "o.npz"), "--render", str(tmp_path / "o.webm"), "--orbit", "10"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "o.webm" in err and ".mp4 or .gif" in err
    assert not (tmp_path / "o.npz").exists()


def test_rejects_mismatched_shapes():
    poses, pixels = walk(2)
    with pytest.raises(ValueError, match="do not match"):
        next(render_frames(poses, pixels[:, :16], (W, H)))
