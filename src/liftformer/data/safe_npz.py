"""Reading ``.npz``/``.npy`` files without ever running code from them.

VideoPose3D's npz files hold pickled Python dicts (0-d object arrays); ``np.load(allow_pickle=True)``
would let a crafted file run any code. Here the archive is opened as a zip and each ``.npy``
member parsed with :mod:`numpy.lib.format`: plain arrays are read with ``allow_pickle=False``,
and an object member is unpickled by :class:`RestrictedUnpickler`, which builds only dicts,
lists, tuples, strings, numbers and numpy arrays/dtypes. A file that is not a zip (e.g. a raw
pickle renamed ``.npz``) is refused, never unpickled. Sizes declared by headers are checked
against the member's real size (and :data:`MAX_MEMBER_BYTES`) before anything is allocated, and
unpickled data may not nest deeper than :data:`MAX_DEPTH` nor, with shared parts counted each
time, outgrow its pickle :data:`MAX_EXPANSION`-fold. Every failure is a one-line ``DataError``.
"""

from __future__ import annotations

import collections
import math
import os
import pickle
import zipfile
from typing import IO, Any

import numpy as np
from numpy.lib import format as npy_format

from liftformer.errors import DataError

try:
    from numpy._core import multiarray as _multiarray, numeric as _numeric
except ImportError:  # numpy < 2
    from numpy.core import multiarray as _multiarray, numeric as _numeric  # type: ignore[no-redef]

MAX_MEMBER_BYTES = 1 << 32  # 4 GiB unpacked per array (the Human3.6M 2D file holds 254 MB)
MAX_HEADER_BYTES = 10_000  # numpy's own default limit for .npy headers
MAX_DEPTH = 32  # VideoPose3D nests 5 deep: array → dict → dict → list → array
MAX_EXPANSION = 8  # unpickled bytes (shared parts counted each time) per pickled byte
_RECONSTRUCT = object()  # placeholders, resolved by the unpickler
_NDARRAY = object()


def _latin1(text: str, encoding: str = "latin1") -> bytes:
    """``_codecs.encode`` as protocol-2 pickles use it for bytes; no other codec."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise ValueError(f"refuses _codecs.encode with {encoding!r:.20}")
    return text.encode("latin1")


ALLOWED_GLOBALS: dict[tuple[str, str], Any] = {
    **{(f"numpy.{core}.multiarray", "_reconstruct"): _RECONSTRUCT for core in ("core", "_core")},
    **{(f"numpy.{core}.multiarray", "scalar"): _multiarray.scalar for core in ("core", "_core")},
    **{(f"numpy.{core}.numeric", "_frombuffer"): _numeric._frombuffer for core in ("core", "_core")},  # type: ignore[attr-defined]
    ("numpy", "ndarray"): _NDARRAY,
    ("numpy", "dtype"): np.dtype,
    ("_codecs", "encode"): _latin1,  # protocol 2 (numpy < 1.17) pickles bytes as _codecs.encode(text, 'latin1')
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("builtins", "complex"): complex,
}


def reason(error: BaseException, limit: int = 200) -> str:
    """``Type: message`` of an exception on one short line."""
    text = " ".join(f"{type(error).__name__}: {error}".split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that only builds dicts, lists, tuples, strings, numbers and numpy arrays/dtypes.

    Every array it builds is kept in ``arrays`` so that :meth:`dismantle` can take a refused
    result apart without a deep (stack-overflowing) chain of deallocations.
    """

    def __init__(self, file: IO[bytes], path: str, what: str) -> None:
        super().__init__(file, encoding="latin1")
        self.path, self.what = path, what
        self.arrays: list[np.ndarray] = []

    def find_class(self, module: str, name: str) -> Any:
        found = ALLOWED_GLOBALS.get((module, name))
        if found is None:
            raise DataError(f"{self.path}: refuses to load {f'{module}.{name}'!r} from {self.what} "
                            "(only arrays, dicts, lists, strings and numbers are allowed)")
        return self._reconstruct if found is _RECONSTRUCT else found

    def _reconstruct(self, subtype: Any, shape: Any, dtype: Any) -> np.ndarray:
        """numpy's ``_reconstruct`` for plain arrays: an empty one that the pickle's state fills."""
        if subtype is not _NDARRAY:
            raise DataError(f"{self.path}: {self.what} rebuilds an array from something that is not numpy.ndarray")
        array: np.ndarray = _multiarray._reconstruct(np.ndarray, (0,), dtype)  # type: ignore[assignment]
        self.arrays.append(array)
        return array

    def dismantle(self) -> None:
        """Empty every object array built, so freeing a refused result never recurses deeply."""
        for array in self.arrays:
            if array.dtype.hasobject:
                try:
                    array[...] = np.zeros((), array.dtype)
                except Exception:  # noqa: BLE001 — best effort; the array stays as it is
                    pass
        self.arrays.clear()


def check_tree(obj: Any, limit: int, path: str, what: str) -> None:
    """Refuse data nested deeper than :data:`MAX_DEPTH` or larger than ``limit`` units (one per
    object plus an array's bytes; shared parts counted each time, as converting them would)."""
    stack, total = [(obj, 0)], 0
    while stack:
        item, depth = stack.pop()
        children: Any = ()
        total += 1
        if isinstance(item, np.ndarray):
            if item.dtype.hasobject:
                if item.dtype != object:
                    raise DataError(f"{path}: {what} holds a structured array with objects")
                children = item.reshape(-1)
            else:
                total += item.nbytes
        elif isinstance(item, dict):
            children = [*item.keys(), *item.values()]
        elif isinstance(item, (list, tuple)):
            children = item
        if total + len(children) > limit:
            raise DataError(f"{path}: {what} unpacks to far more data than the file holds")
        if len(children) and depth >= MAX_DEPTH:
            raise DataError(f"{path}: {what} is nested more than {MAX_DEPTH} levels deep")
        stack.extend((child, depth + 1) for child in children)


def _read_header(f: IO[bytes], size: int, where: str) -> tuple[tuple[int, ...], np.dtype, int]:
    """Shape, dtype and the bytes left after the header of an ``.npy`` stream, checked against ``size``."""
    version = npy_format.read_magic(f)
    if version == (1, 0):
        shape, _, dtype = npy_format.read_array_header_1_0(f, max_header_size=MAX_HEADER_BYTES)
    elif version in ((2, 0), (3, 0)):
        shape, _, dtype = npy_format.read_array_header_2_0(f, max_header_size=MAX_HEADER_BYTES)
    else:
        raise DataError(f"{where}: unsupported .npy format version {version[0]}.{version[1]}")
    if any(n < 0 for n in shape):
        raise DataError(f"{where}: negative dimension in shape {shape}")
    available = size - f.tell()
    needed = math.prod(shape) * max(dtype.itemsize, 1)
    if not dtype.hasobject and needed > available:
        raise DataError(f"{where}: header declares a {shape} {dtype} array ({needed} bytes), "
                        f"but only {available} bytes follow it")
    return shape, dtype, available


def _read_array(f: IO[bytes], size: int, path: str, label: str, allow_pickle: bool) -> np.ndarray:
    """One ``.npy`` stream of ``size`` bytes; ``label`` names it in errors ('' for a whole .npy)."""
    where = f"{path}: '{label}'" if label else path
    if size > MAX_MEMBER_BYTES:
        raise DataError(f"{where}: unpacks to {size} bytes, over the {MAX_MEMBER_BYTES}-byte limit")
    shape, dtype, available = _read_header(f, size, where)
    if not dtype.hasobject:
        f.seek(0)
        return npy_format.read_array(f, allow_pickle=False, max_header_size=MAX_HEADER_BYTES)
    if not allow_pickle:
        raise DataError(f"{where}: holds pickled Python objects, not a numeric array")
    unpickler = RestrictedUnpickler(f, path, f"the pickled '{label}'" if label else "its pickled data")
    try:
        array = unpickler.load()
        if not isinstance(array, np.ndarray) or array.shape != shape:
            raise DataError(f"{where}: pickled data does not match its header ({shape} {dtype})")
        check_tree(array, MAX_EXPANSION * available + 1024, path, unpickler.what)
    except BaseException:
        unpickler.dismantle()
        raise
    return array


def read_npz(path: str, key: str) -> np.ndarray:
    """Array ``key`` of an ``.npz`` archive, pickled members through :class:`RestrictedUnpickler`."""
    try:
        if not zipfile.is_zipfile(path):
            raise DataError(f"{path}: cannot read as an .npz archive (not a zip file; "
                            "a raw pickle is never loaded)")
        with zipfile.ZipFile(path) as archive:
            members = {n.removesuffix(".npy"): n for n in archive.namelist()}
            if key not in members:
                found = ", ".join(k if k.isprintable() else repr(k) for k in members if not k.endswith("/")) or "nothing"
                raise DataError(f"{path}: no '{key}' array (found: {found})")
            info = archive.getinfo(members[key])
            with archive.open(info) as f:
                return _read_array(f, info.file_size, path, key, allow_pickle=True)
    except DataError:
        raise
    except Exception as e:  # noqa: BLE001 — zip, header, pickle and size errors all mean "not a valid npz"
        raise DataError(f"{path}: cannot read as an .npz archive ({reason(e)})") from None


def read_npy(path: str) -> np.ndarray:
    """A numeric ``.npy`` array (pickled objects are refused)."""
    try:
        with open(path, "rb") as f:
            return _read_array(f, os.fstat(f.fileno()).st_size, path, "", allow_pickle=False)
    except DataError:
        raise
    except Exception as e:  # noqa: BLE001 — header and size errors all mean "not a valid npy"
        raise DataError(f"{path}: cannot read as an .npy array ({reason(e)})") from None

