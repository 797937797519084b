"""Several people followed each on their own ROI (sources/followers.py), with a fake landmark model: who is believed
when two followers land on one body, how a lost follower keeps its ROI, is re-aimed by a census and dropped."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from conftest import two_photos
from liftformer.inference.sources.followers import LOST_AFTER, Crowd, Follower
from liftformer.inference.sources.regions import Roi, same_person

HAS_MEDIAPIPE = importlib.util.find_spec("mediapipe") is not None


def body(x: float, y: float = 500.0, height: float = 300.0, seed: int = 0) -> np.ndarray:
    """(33, 3) BlazePose keypoints of someone standing with hips at (x, y): shoulders 0.3 heights above the hips."""
    rng = np.random.default_rng(seed)
    points = np.column_stack([x + rng.uniform(-0.15, 0.15, 33) * height, y + rng.uniform(-0.6, 0.45, 33) * height, np.full(33, 0.9)])
    points[[11, 12], :2] = [[x + 0.08 * height, y - 0.3 * height], [x - 0.08 * height, y - 0.3 * height]]
    points[[23, 24], :2] = [[x + 0.05 * height, y], [x - 0.05 * height, y]]
    return points


class FakeLandmarker:
    """The person of ``scene`` (set per frame) whose hips are nearest the ROI's centre and inside it, as the landmark
    model finds the body its ROI is on; ``calls`` counts the ROIs it was given."""

    def __init__(self) -> None:
        self.scene: list[np.ndarray] = []
        self.calls = 0

    def landmarks(self, frame: np.ndarray, roi: Roi) -> tuple[np.ndarray, Roi] | None:
        self.calls += 1
        inside = [p for p in self.scene if roi.contains(p[[23, 24], :2].mean(0))]
        if not inside:
            return None
        person = min(inside, key=lambda p: float(np.hypot(*(p[[23, 24], :2].mean(0) - (roi.x, roi.y)))))
        return person.copy(), Roi.around(person)

    def close(self) -> None:
        pass


FRAME = np.zeros((1000, 1000, 3), np.uint8)  # the fake does not look at it; its size is the image the followers check bodies against


def regions(*people: np.ndarray) -> list[Roi]:
    """The census's regions of these people."""
    return [Roi.around(p) for p in people]


def test_same_person_is_the_torso_not_the_limbs() -> None:
    a, b = body(300), body(300, seed=1)  # one body, its limbs detected differently
    assert same_person(a, b)
    near = body(300 + 0.35 * 300)  # someone beside them, arms and legs among theirs
    near[np.r_[0:11, 13:23, 25:33], :2] = a[np.r_[0:11, 13:23, 25:33], :2]
    assert not same_person(a, near)
    missing = b.copy()
    missing[11] = np.nan
    assert not same_person(a, missing)


def test_crowd_follows_two_people_as_they_walk() -> None:
    fake = FakeLandmarker()
    crowd = Crowd(max_people=4, joints=33, landmarkers=[fake])  # type: ignore[list-item]
    crowd.census(regions(body(200), body(600)))
    for t in range(12):
        fake.scene = [body(200 + 5 * t), body(600 - 5 * t)]
        found = crowd.detect(FRAME)
        assert len(found) == 2 and np.allclose(sorted(found[:, 23, 0]), [200 + 5 * t + 15, 600 - 5 * t + 15])
    assert len(crowd.followers) == 2 and fake.calls == 24


def test_a_follower_on_someone_elses_body_keeps_its_roi_until_its_person_is_back() -> None:
    fake = FakeLandmarker()
    crowd = Crowd(max_people=4, joints=33, landmarkers=[fake])  # type: ignore[list-item]
    crowd.census(regions(body(300), body(450)))
    fake.scene = [body(300), body(450)]
    assert len(crowd.detect(FRAME)) == 2
    second = crowd.followers[1]
    roi = second.roi
    fake.scene = [body(300)]  # the second person hides behind the first: their ROI now holds only the first
    for _ in range(3):
        found = crowd.detect(FRAME)
        assert len(found) == 1 and found[0][23, 0] == 315  # the first, once
    assert second.missed == 3 and second.roi == roi
    fake.scene = [body(300), body(450)]  # back where they were
    assert len(crowd.detect(FRAME)) == 2 and second.missed == 0


def test_lost_followers_are_re_aimed_by_a_census_or_dropped() -> None:
    fake = FakeLandmarker()
    crowd = Crowd(max_people=2, joints=33, landmarkers=[fake])  # type: ignore[list-item]
    crowd.census(regions(body(300)))
    fake.scene = []
    crowd.detect(FRAME)
    assert crowd.followers[0].missed == 1
    crowd.census(regions(body(420)))  # found again, inside the lost ROI: the same follower looks there
    assert len(crowd.followers) == 1
    fake.scene = [body(420)]
    assert len(crowd.detect(FRAME)) == 1 and crowd.followers[0].missed == 0
    crowd.census(regions(body(420), body(2000), body(4000)))  # two newcomers, room for one
    assert len(crowd.followers) == 2
    fake.scene = []
    for _ in range(LOST_AFTER):
        assert crowd.detect(FRAME).shape == (0, 33, 3)
    assert crowd.followers == []


def test_two_followers_on_one_body_become_one() -> None:
    fake = FakeLandmarker()
    crowd = Crowd(max_people=4, joints=33, landmarkers=[fake])  # type: ignore[list-item]
    crowd.census(regions(body(300)))
    crowd.followers.append(Follower(Roi.around(body(305, seed=2))))  # a second follower on the same body
    fake.scene = [body(300)]
    for _ in range(LOST_AFTER):
        assert len(crowd.detect(FRAME)) == 1
    assert len(crowd.followers) == 1


def test_roi_stands_the_body_upright() -> None:
    upright = Roi.around(body(300))
    assert upright.x == 300 and abs(upright.rotation) < 1e-9 and upright.side > 300
    lying = body(300)
    lying[[11, 12], :2] = [[390, 512], [390, 488]]  # shoulders to the right of the hips: lying down, head right
    assert np.isclose(Roi.around(lying).rotation, np.pi / 2)  # MediaPipe's NormalizedRect: clockwise, y down


@pytest.mark.skipif(not HAS_MEDIAPIPE, reason="mediapipe not installed (optional extra: pip install -e '.[video]')")
def test_roi_landmarker_finds_the_person_of_its_roi() -> None:
    from liftformer.inference.sources.graphs import RoiLandmarker

    canvas = two_photos()
    landmarker = RoiLandmarker()
    try:
        for centre in (256.0, 1150.0):
            seen = landmarker.landmarks(canvas, Roi(centre, 450.0, 700.0))
            assert seen is not None
            person, following = seen
            assert person.shape == (33, 3) and abs(person[0, 0] - centre) < 150  # the nose of that photo's person
            assert abs(following.x - centre) < 200
        assert landmarker.landmarks(np.full_like(canvas, 96), Roi(700.0, 300.0, 500.0)) is None
    finally:
        landmarker.close()


def test_a_body_goes_to_the_follower_it_moved_least_for() -> None:
    """The older follower's person has slid next to a still neighbour and vanished behind them: both followers find the
    neighbour; the neighbour's own follower (no drift) keeps them, the older one has missed its person."""
    fake = FakeLandmarker()
    crowd = Crowd(max_people=4, joints=33, landmarkers=[fake])  # type: ignore[list-item]
    crowd.census(regions(body(300), body(420)))
    fake.scene = [body(300), body(420)]
    crowd.detect(FRAME)
    older, neighbour = crowd.followers
    older.last, older.roi = body(395), Roi.around(body(395))  # where the older follower's person was last frame
    fake.scene = [body(420)]
    found = crowd.detect(FRAME)
    assert len(found) == 1 and list(crowd.identities) == [neighbour.identity]
    assert older.missed == 1 and neighbour.missed == 0


def test_a_follower_that_sees_nobody_looks_again_wider() -> None:
    fake = FakeLandmarker()
    crowd = Crowd(max_people=4, joints=33, landmarkers=[fake])  # type: ignore[list-item]
    crowd.census(regions(body(300)))
    roi = crowd.followers[0].roi
    moved = body(300 + 0.55 * roi.side)  # stepped just out of the region, inside one 1.3 times larger
    fake.scene = [moved]
    assert fake.landmarks(FRAME, roi) is None
    found = crowd.detect(FRAME)
    assert len(found) == 1 and np.array_equal(found[0], moved) and crowd.followers[0].missed == 0
    fake.scene = [body(300 + 2 * roi.side)]  # far away: nobody
    assert len(crowd.detect(FRAME)) == 0 and crowd.followers[0].missed == 1


def test_the_person_followed_alone_keeps_id_1_when_several_are_followed() -> None:
    fake = FakeLandmarker()
    crowd = Crowd(max_people=4, joints=33, landmarkers=[fake])  # type: ignore[list-item]
    crowd.census(regions(body(200), body(450)), followed=body(452))
    assert [(f.roi.x, f.identity) for f in crowd.followers] == [(200, 2), (450, 1)]
    fake.scene = [body(200), body(450)]
    crowd.detect(FRAME)
    assert sorted(crowd.identities) == [1, 2]
    crowd.census(regions(body(200), body(450), body(900)))  # a newcomer later: the next id
    assert crowd.followers[-1].identity == 3
    plain = Crowd(max_people=4, joints=33, landmarkers=[fake])  # type: ignore[list-item]
    plain.census(regions(body(200), body(450)))
    assert [f.identity for f in plain.followers] == [1, 2]
