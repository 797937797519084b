"""The restricted npz/npy reader gives what ``np.load(allow_pickle=True)`` gives on honest files.

Synthetic files only; ``LIFTFORMER_REAL_DATA=../shared/data`` also compares every .npz found
under that folder (slow: the Human3.6M files are 150 MB).
"""

from __future__ import annotations

import collections
import os
import pickle
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from liftformer.data.safe_npz import read_npy, read_npz
from liftformer.errors import DataError


def assert_same(a: Any, b: Any, where: str = "") -> None:
    """Equal values of equal types, recursively (arrays: dtype, shape and bits)."""
    assert type(a) is type(b), (where, type(a), type(b))
    if isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape, where
        if a.dtype == object:
            for i, (x, y) in enumerate(zip(a.reshape(-1), b.reshape(-1))):
                assert_same(x, y, f"{where}[{i}]")
        else:
            assert np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"), where
    elif isinstance(a, dict):
        assert list(a) == list(b), where
        for k in a:
            assert_same(a[k], b[k], f"{where}/{k}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{where}[{i}]")
    else:
        assert a == b or (isinstance(a, float) and np.isnan(a) and np.isnan(b)), where


def assert_same_as_np_load(path: Path) -> None:
    with np.load(path, allow_pickle=True) as archive:
        for key in archive.files:
            assert_same(archive[key], read_npz(str(path), key), key)


CONTENT = {
    "positions_2d": {"S1": {"Walking 1": [np.arange(24, dtype=np.float32).reshape(2, 6, 2)] * 2,
                            "Eating": [np.full((1, 6, 2), np.nan), np.zeros((0, 6, 2), np.float64).T]}},
    "metadata": {"num_joints": np.int64(17), "keypoints_symmetry": [[1, 2], (3, 4)], "fps": np.float32(50.0),
                 "layout_name": "coco", "flag": True, "none": None, "c": 1 + 2j, "b": b"\x00\xff", "big": 2**80,
                 "ordered": collections.OrderedDict(a=1), "strings": np.array(["a", "bc"]), "nan": float("nan")},
}


@pytest.mark.parametrize("compressed", [False, True])
def test_same_as_np_load(tmp_path: Path, compressed: bool) -> None:
    save = np.savez_compressed if compressed else np.savez
    boxes = {k: np.empty((), dtype=object) for k in CONTENT}
    for k, v in CONTENT.items():
        boxes[k][()] = v
    save(tmp_path / "a.npz", **boxes, plain=np.asfortranarray(np.arange(12.0).reshape(3, 4)),
         ragged=np.array([np.zeros(2), np.zeros(3)], dtype=object), empty=np.zeros((0, 3)), record=np.zeros(2, "i4,f8"))
    assert_same_as_np_load(tmp_path / "a.npz")


@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
def test_pickle_protocols(tmp_path: Path, protocol: int) -> None:
    """Files written by other numpy/Python versions: every pickle protocol, old module names."""
    value = np.empty((), dtype=object)
    value[()] = {"S1": {"a": [np.ones((2, 3, 2), np.float32)]}, "n": np.float64(1.5)}
    data = pickle.dumps(value, protocol=protocol)
    if protocol < 4:  # numpy < 2 module names (newline-delimited GLOBAL opcodes: safe to rename)
        data = data.replace(b"numpy._core", b"numpy.core")
    header = np.lib.format.header_data_from_array_1_0(value)
    with zipfile.ZipFile(tmp_path / "p.npz", "w") as z, z.open("positions_3d.npy", "w") as f:
        np.lib.format.write_array_header_1_0(f, header)
        f.write(data)
    assert_same(read_npz(str(tmp_path / "p.npz"), "positions_3d"), value)


def test_errors_are_one_line(tmp_path: Path) -> None:
    np.savez(tmp_path / "a.npz", x=np.zeros(3))
    with pytest.raises(DataError, match=r"a\.npz: no 'y' array \(found: x\)"):
        read_npz(str(tmp_path / "a.npz"), "y")
    with zipfile.ZipFile(tmp_path / "b.npz", "w") as z:
        z.writestr("x.npy", b"not an npy")
    with pytest.raises(DataError, match=r"b\.npz: cannot read as an \.npz archive \(ValueError: .*magic") as e:
        read_npz(str(tmp_path / "b.npz"), "x")
    assert "\n" not in str(e.value)
    np.save(tmp_path / "t.npy", np.zeros((4, 17, 2)))
    (tmp_path / "t.npy").write_bytes((tmp_path / "t.npy").read_bytes()[:-8])
    with pytest.raises(DataError, match=r"t\.npy: header declares a \(4, 17, 2\) float64 array \(1088 bytes\), but only 1080"):
        read_npy(str(tmp_path / "t.npy"))
    np.save(tmp_path / "ok.npy", np.arange(6).reshape(2, 3))
    assert read_npy(str(tmp_path / "ok.npy")).tolist() == [[0, 1, 2], [3, 4, 5]]


REAL_DATA = os.environ.get("LIFTFORMER_REAL_DATA")


@pytest.mark.slow
@pytest.mark.skipif(not REAL_DATA, reason="set LIFTFORMER_REAL_DATA to a folder of VideoPose3D .npz files")
def test_real_files_read_identically() -> None:
    files = sorted(Path(REAL_DATA or ".").rglob("*.npz"))
    assert files, f"no .npz under {REAL_DATA}"
    for path in files:
        assert_same_as_np_load(path)
