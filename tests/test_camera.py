from __future__ import annotations

import numpy as np
import pytest

from liftformer.data.camera import (
    Camera,
    camera_to_world,
    image_coordinates,
    normalize_screen_coordinates,
    project_to_2d,
    project_to_2d_linear,
    quaternion_to_matrix,
    world_to_camera,
)


def test_quaternion_is_a_rotation():
    r = quaternion_to_matrix(np.array([0.3, -0.5, 0.2, 0.7]))
    np.testing.assert_allclose(r @ r.T, np.eye(3), atol=1e-12)
    assert np.linalg.det(r) == pytest.approx(1.0)
    # 90° about z: (w, x, y, z) = (cos45°, 0, 0, sin45°) maps x to y
    rz = quaternion_to_matrix(np.array([np.sqrt(0.5), 0, 0, np.sqrt(0.5)]))
    np.testing.assert_allclose(rz @ [1.0, 0, 0], [0, 1.0, 0], atol=1e-12)


def test_world_camera_round_trip_and_centre():
    R = quaternion_to_matrix(np.array([0.9, 0.1, -0.3, 0.2]))
    T = np.array([1.0, -2.0, 3.0])
    pts = np.random.default_rng(0).normal(size=(4, 17, 3))
    np.testing.assert_allclose(camera_to_world(world_to_camera(pts, R, T), R, T), pts, atol=1e-12)
    np.testing.assert_allclose(world_to_camera(T, R, T), 0.0, atol=1e-12)  # the centre maps to the origin


def test_known_linear_projection():
    # a point 1 m right, 0.5 m down, 2 m ahead; f = 1000 px, c = (500, 400)
    px = project_to_2d_linear(np.array([1.0, 0.5, 2.0]), np.array([1000.0, 1000.0]), np.array([500.0, 400.0]))
    np.testing.assert_allclose(px, [1000.0, 650.0])


def test_distortion_free_projection_equals_linear():
    pts = np.random.default_rng(1).normal(size=(10, 3)) + np.array([0, 0, 5.0])
    f, c = np.array([1100.0, 1090.0]), np.array([510.0, 495.0])
    np.testing.assert_allclose(project_to_2d(pts, f, c, np.zeros(3), np.zeros(2)), project_to_2d_linear(pts, f, c))


def test_distortion_hand_computed():
    # normalised point (0.1, 0.2): r² = 0.05
    f, c = np.array([1.0, 1.0]), np.array([0.0, 0.0])
    k, p = np.array([0.1, 0.01, 0.001]), np.array([0.002, 0.003])
    radial = 1 + 0.1 * 0.05 + 0.01 * 0.05**2 + 0.001 * 0.05**3
    tan = 0.002 * 0.2 + 0.003 * 0.1  # p1·y + p2·x
    expected = [0.1 * (radial + tan) + 0.003 * 0.05, 0.2 * (radial + tan) + 0.002 * 0.05]
    np.testing.assert_allclose(project_to_2d(np.array([0.1, 0.2, 1.0]), f, c, k, p), expected, rtol=1e-12)


def test_screen_normalisation_round_trip_and_range():
    w, h = 1000, 1002
    px = np.array([[0.0, 0.0], [w, h], [w / 2, h / 2]])
    s = normalize_screen_coordinates(px, w, h)
    np.testing.assert_allclose(s[0], [-1.0, -h / w])
    np.testing.assert_allclose(s[1], [1.0, h / w])
    np.testing.assert_allclose(s[2], [0.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(image_coordinates(s, w, h), px)
    with pytest.raises(ValueError, match=r"\(\.\.\., 2\)"):
        normalize_screen_coordinates(np.zeros((3, 3)), w, h)


def test_camera_object_projects_world_points():
    cam = Camera(
        R=np.eye(3), T=np.array([0.0, 0.0, -4.0]), focal=np.array([1000.0, 1000.0]),
        center=np.array([500.0, 500.0]), radial=np.zeros(3), tangential=np.zeros(2), width=1000, height=1000,
    )
    px = cam.project(cam.world_to_camera(np.array([0.4, 0.0, 0.0])))
    np.testing.assert_allclose(px, [600.0, 500.0])
