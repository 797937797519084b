"""Cameras: world↔camera transforms, perspective projection with distortion, screen normalisation.

Pure numpy functions over (..., 3) points and (..., 2) pixels. Conventions: a camera is given
by its world-to-camera rotation ``R`` and its centre ``T`` in world coordinates, so
``X_cam = R @ (X_world - T)``; x right, y down, z forward (OpenCV). Units follow the inputs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Camera:
    """One calibrated camera: extrinsics (R, T), pinhole intrinsics, Brown–Conrady distortion.

    ``T`` is the camera centre in world coordinates, in the unit of the 3D data it is used with.
    """

    R: np.ndarray  # (3, 3) world-to-camera rotation
    T: np.ndarray  # (3,) camera centre in world coordinates
    focal: np.ndarray  # (2,) fx, fy in pixels
    center: np.ndarray  # (2,) cx, cy in pixels
    radial: np.ndarray  # (3,) k1, k2, k3
    tangential: np.ndarray  # (2,) p1, p2
    width: int
    height: int
    name: str = ""

    def world_to_camera(self, points: np.ndarray) -> np.ndarray:
        return world_to_camera(points, self.R, self.T)

    def camera_to_world(self, points: np.ndarray) -> np.ndarray:
        return camera_to_world(points, self.R, self.T)

    def project(self, points_cam: np.ndarray) -> np.ndarray:
        """Camera-space points (..., 3) → distorted pixel coordinates (..., 2)."""
        return project_to_2d(points_cam, self.focal, self.center, self.radial, self.tangential)


def world_to_camera(points: np.ndarray, R: np.ndarray, T: np.ndarray) -> np.ndarray:
    """X_cam = R (X_world − T) for points (..., 3)."""
    return (np.asarray(points) - T) @ np.asarray(R).T


def camera_to_world(points: np.ndarray, R: np.ndarray, T: np.ndarray) -> np.ndarray:
    """Inverse of :func:`world_to_camera`: X_world = Rᵀ X_cam + T."""
    return np.asarray(points) @ np.asarray(R) + T


def quaternion_to_matrix(q: np.ndarray) -> np.ndarray:
    """Rotation matrix of a unit quaternion (w, x, y, z)."""
    w, x, y, z = np.asarray(q, dtype=np.float64) / np.linalg.norm(q)
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
            [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
            [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)],
        ]
    )


def project_to_2d_linear(points_cam: np.ndarray, focal: np.ndarray, center: np.ndarray) -> np.ndarray:
    """Pinhole projection without distortion: u = f · (x / z) + c."""
    points_cam = np.asarray(points_cam)
    return focal * points_cam[..., :2] / points_cam[..., 2:3] + center


def project_to_2d(
    points_cam: np.ndarray,
    focal: np.ndarray,
    center: np.ndarray,
    radial: np.ndarray,
    tangential: np.ndarray,
) -> np.ndarray:
    """Pinhole projection with radial (k1, k2, k3) and tangential (p1, p2) distortion.

    The Human3.6M model (``cameras.h5``, as used by 3d-pose-baseline and VideoPose3D): with
    normalised (x, y) = (X/Z, Y/Z), r² = x² + y², radial = 1 + k1 r² + k2 r⁴ + k3 r⁶ and
    tan = p1·y + p2·x: x' = x·(radial + tan) + p2·r², y' = y·(radial + tan) + p1·r²;
    u = f · (x', y') + c. (VideoPose3D stores the same two numbers in the order (p2, p1).)
    """
    points_cam = np.asarray(points_cam, dtype=np.float64)
    xy = points_cam[..., :2] / points_cam[..., 2:3]
    r2 = (xy**2).sum(-1, keepdims=True)
    k1, k2, k3 = radial
    p_yx = np.asarray(tangential, dtype=np.float64)[::-1]  # (p2, p1): coefficients of (x, y)
    radial_term = 1 + k1 * r2 + k2 * r2**2 + k3 * r2**3
    tangential_term = (xy * p_yx).sum(-1, keepdims=True)
    return focal * (xy * (radial_term + tangential_term) + p_yx * r2) + center


def normalize_screen_coordinates(pixels: np.ndarray, width: int, height: int) -> np.ndarray:
    """Pixels → screen coordinates with x in [−1, 1] and the aspect ratio kept (y in ±h/w)."""
    pixels = np.asarray(pixels)
    if pixels.shape[-1] != 2:
        raise ValueError(f"expected (..., 2) pixel coordinates, got {pixels.shape}")
    return pixels / width * 2 - np.array([1.0, height / width])


def image_coordinates(screen: np.ndarray, width: int, height: int) -> np.ndarray:
    """Inverse of :func:`normalize_screen_coordinates`."""
    screen = np.asarray(screen)
    if screen.shape[-1] != 2:
        raise ValueError(f"expected (..., 2) screen coordinates, got {screen.shape}")
    return (screen + np.array([1.0, height / width])) * width / 2
