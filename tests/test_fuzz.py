"""Fuzzing every file reader: a mutated file either reads (with finite output) or gives a one-line
:class:`LiftformerError`; never another exception, a hang, a crash or a file written beside it.

Valid files are built here (never from a real dataset): keypoint .json/.csv/.npy/.npz,
VideoPose3D 2D/3D .npz, a tiny model's .safetensors and a tiny video. Hypothesis then truncates
them, flips and splices bytes (in the raw file and inside the zip members of an .npz, so that
the pickles themselves are fuzzed), writes wrong dtypes, shapes, types, NaN/inf and huge
dimensions into headers, and generates VideoPose3D dicts and keypoint JSON/CSV of random
structure. Hostile files (pickles that would run code: in an npz, as a raw pickle renamed .npz,
as a training ``last.pt``; size and expansion bombs; deep nesting) are tested explicitly at the end.

The default budget is small (about 10 s for the whole file, derandomized so that runs are
repeatable). For a longer, random run set ``LIFTFORMER_FUZZ_EXAMPLES``, e.g.
``LIFTFORMER_FUZZ_EXAMPLES=2000 python3 -m pytest -q -p no:cacheprovider tests/test_fuzz.py``.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import pickle
import signal
import struct
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, Phase, given, settings, strategies as st
from hypothesis.configuration import set_hypothesis_home_dir
from hypothesis.extra import numpy as hnp

from conftest import tiny_model_kwargs
from datasets_fixtures import H36M_META, h36m_3d, save_npz, world_motion
from liftformer.data import safe_npz
from liftformer.data.custom import load_custom_sequences
from liftformer.data.formats import load_item, load_positions_2d, load_positions_3d
from liftformer.errors import CheckpointError, DataError, LiftformerError
from liftformer.inference.sources.keypoints import read_keypoints
from liftformer.inference.sources.video import iter_frames, probe_video
from liftformer.inference.tracks.prepare import prepare_keypoints
from liftformer.model.checkpoint import load_weights, read_config, save_weights
from liftformer.model.liftformer import LiftFormer, LiftFormerConfig

EXAMPLES = int(os.environ.get("LIFTFORMER_FUZZ_EXAMPLES", "0"))
# hypothesis' caches (filled while tests are collected) go to the temp folder, not .hypothesis/ here
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "liftformer-hypothesis")
settings.register_profile(
    "liftformer-fuzz",
    max_examples=EXAMPLES or 25,
    derandomize=not EXAMPLES,
    deadline=None,
    database=None,  # nothing written into the repository
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],  # no patch files
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
FUZZ = settings.get_profile("liftformer-fuzz")
TIME_LIMIT_S = 20  # per example: far above any reader's time on these tiny files
INTERESTING = [b"\xff" * 8, b"\x00" * 8, b"\x7f\xff\xff\xff\xff\xff\xff\x7f", b"99999999999999999999", b"-1",
               b"NaN", b"Infinity", b"1e309", b"(1000000000000, 17, 2)", b"(-5,)", b"'|O'", b"'<U9'", b"\n", b"\"",
               b"cos\nsystem\n", b"\x80\x05", b"PK\x03\x04", b"\x93NUMPY"]


# ------------------------------------------------------------------ harness
class Hang(BaseException):
    """Raised into a reader that runs too long (a BaseException, so that no reader turns it into a DataError)."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Fail (instead of hanging) when the block runs longer than ``seconds`` (POSIX main thread)."""
    if not hasattr(signal, "setitimer"):
        yield
        return

    def expire(*_: Any) -> None:
        raise Hang(f"reader still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def assert_reads_or_refuses(read: Callable[[str], Any], name: str, data: bytes) -> Any:
    """Write ``data`` as ``name`` in a fresh folder and ``read`` it: the result, or None after a
    one-line LiftformerError; nothing may be written beside the file."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, name)
        Path(path).write_bytes(data)
        try:
            with time_limit(TIME_LIMIT_S):
                return read(path)
        except LiftformerError as e:
            assert str(e) and "\n" not in str(e), repr(str(e))
            return None
        finally:
            assert os.listdir(tmp) == [name], f"files written beside the input: {os.listdir(tmp)}"


def finite(*arrays: Any) -> bool:
    return all(np.isfinite(np.asarray(a, dtype=np.float64)).all() for a in arrays)


# ------------------------------------------------------------------ mutations
def _at(data: bytes | bytearray, where: float) -> int:
    return min(int(where * len(data)), max(len(data) - 1, 0))


def mutate(data: bytes, ops: list[tuple]) -> bytes:
    """Apply truncate / flip / splice / overwrite operations (positions as fractions of the length)."""
    out = bytearray(data)
    for op, where, arg in ops:
        if op == "truncate":
            del out[int(where * len(out)):]
        elif not out:
            out += arg if isinstance(arg, bytes) else b"\x00"
        elif op == "flip":
            out[_at(out, where)] ^= 1 << arg
        elif op == "splice":
            out[_at(out, where):_at(out, where)] = arg
        else:
            i = _at(out, where)
            out[i:i + len(arg)] = arg
    return bytes(out)


def _bytes() -> st.SearchStrategy[bytes]:
    return st.sampled_from(INTERESTING) | st.binary(min_size=1, max_size=12)


OPS = st.lists(
    st.tuples(st.just("truncate"), st.floats(0, 1), st.none())
    | st.tuples(st.just("flip"), st.floats(0, 1), st.integers(0, 7))
    | st.tuples(st.sampled_from(["splice", "overwrite"]), st.floats(0, 1), _bytes()),
    min_size=1, max_size=4,
)


def mutate_npz(data: bytes, member: int, ops: list[tuple], compress: bool) -> bytes:
    """Mutate one ``.npy`` member of an npz (so that its header or pickle is hit, not the zip's CRC)."""
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        members = [(i.filename, src.read(i)) for i in src.infolist()]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED) as dst:
        for i, (name, payload) in enumerate(members):
            dst.writestr(name, mutate(payload, ops) if i == member % len(members) else payload)
    return out.getvalue()


def npy_bytes(shape: Any, descr: Any, payload: bytes = b"", fortran: bool = False) -> bytes:
    """An .npy stream with any header (even one np.save would never write)."""
    f = io.BytesIO()
    header = f"{{'descr': {descr!r}, 'fortran_order': {fortran!r}, 'shape': {shape!r}, }}"
    header += " " * ((-(len(header) + 11)) % 64) + "\n"
    f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin1"))
    return f.getvalue() + payload


def zip_bytes(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, payload in members.items():
            z.writestr(name, payload)
    return out.getvalue()


# ------------------------------------------------------------------ valid files
def _file_bytes(write: Callable[[Path], Any], name: str) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        write(Path(tmp) / name)
        return (Path(tmp) / name).read_bytes()


@pytest.fixture(scope="module")
def valid() -> dict[str, bytes]:
    """Small valid files of every kind, as bytes."""
    rng = np.random.default_rng(0)
    xy, score = rng.uniform(50, 600, (6, 17, 2)), rng.uniform(0.3, 1, (6, 17, 1))
    persons = [{"keypoints": np.concatenate([xy[t], score[t]], 1).ravel().tolist(), "score": 0.9} for t in range(6)]
    video_meta = {**H36M_META, "layout_name": "coco", "video_metadata": {"clip": {"w": 640, "h": 480}}}
    files = {
        "kp.json": json.dumps({"frames": persons, "width": 640, "height": 480, "fps": 25, "layout": "coco"}).encode(),
        "kp.csv": "\n".join(",".join(f"{v:.3f}" for v in row) for row in np.concatenate([xy, score], -1).reshape(6, -1)).encode(),
        "kp.npy": _file_bytes(lambda p: np.save(p, np.concatenate([xy, score], -1)), "kp.npy"),
        "kp.npz": _file_bytes(
            lambda p: save_npz(p, positions_2d={"clip": {"custom": [xy.astype(np.float32)]}}, metadata=video_meta), "kp.npz"),
        "data_3d.npz": _file_bytes(lambda p: h36m_3d(p, frames=(8, 5)), "data_3d.npz"),
        "w.safetensors": _file_bytes(lambda p: save_weights(LiftFormer(LiftFormerConfig(**tiny_model_kwargs())), p), "w.safetensors"),
    }
    cam = world_motion(8, seed=3)[..., :2] * 100 + 300
    files["data_2d.npz"] = _file_bytes(
        lambda p: save_npz(p, positions_2d={"S1": {"Walking": [cam, cam + 1]}, "S9": {"Walking": [cam]}},
                           metadata={**H36M_META, "res_w": 640, "res_h": 480}), "data_2d.npz")
    return files


# ------------------------------------------------------------------ readers and their properties
def read_kp(path: str) -> None:
    prepared = prepare_keypoints(read_keypoints(path), width=640, height=480)
    assert finite(prepared.keypoints, prepared.pixels)


def read_2d(path: str) -> None:
    positions, _ = load_positions_2d(path)
    assert all(finite(v) for actions in positions.values() for views in actions.values() for v in views)


def read_3d(path: str) -> None:
    positions = load_positions_3d(path, num_joints=(17, 32))
    assert all(finite(v) for actions in positions.values() for v in actions.values())


def read_custom(path_2d: str, path_3d: str | None = None) -> None:
    for seq in load_custom_sequences(path_2d, path_3d):
        assert finite(seq.keypoints) and (seq.positions_3d is None or finite(seq.positions_3d))


def read_weights(path: str) -> None:
    read_config(path)
    model = load_weights(path)
    assert all(torch.isfinite(p).all() for p in model.parameters())


KEYPOINT_FILES = ["kp.json", "kp.csv", "kp.npy", "kp.npz"]


def test_valid_files_read(valid: dict[str, bytes]) -> None:
    """The unmutated files read: the fuzz below starts from files that work."""
    for name in KEYPOINT_FILES:
        assert assert_reads_or_refuses(lambda p: read_keypoints(p).pixels, name, valid[name]) is not None
    assert assert_reads_or_refuses(load_positions_2d, "d.npz", valid["data_2d.npz"]) is not None
    assert assert_reads_or_refuses(load_positions_3d, "d.npz", valid["data_3d.npz"]) is not None
    assert assert_reads_or_refuses(load_weights, "w.safetensors", valid["w.safetensors"]) is not None


@FUZZ
@given(name=st.sampled_from(KEYPOINT_FILES), ops=OPS)
def test_keypoint_files_mutated(valid: dict[str, bytes], name: str, ops: list[tuple]) -> None:
    assert_reads_or_refuses(read_kp, name, mutate(valid[name], ops))


@FUZZ
@given(name=st.sampled_from(["kp.npz", "data_2d.npz", "data_3d.npz"]), member=st.integers(0, 1), ops=OPS,
       compress=st.booleans(), raw=st.booleans())
def test_videopose3d_files_mutated(valid: dict[str, bytes], name: str, member: int, ops: list[tuple],
                                   compress: bool, raw: bool) -> None:
    data = mutate(valid[name], ops) if raw else mutate_npz(valid[name], member, ops, compress)
    for read in (read_2d, read_3d, read_custom, read_kp):
        assert_reads_or_refuses(read, "data.npz", data)


@FUZZ
@given(ops=OPS)
def test_weights_mutated(valid: dict[str, bytes], ops: list[tuple]) -> None:
    assert_reads_or_refuses(read_weights, "w.safetensors", mutate(valid["w.safetensors"], ops))


# ------------------------------------------------------------------ structure-aware generation
NUMBERS = st.integers(-(2**70), 2**70) | st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([0, -1, 17, 16, 1.5, 10**12])
ANY_VALUE = st.recursive(
    st.none() | st.booleans() | NUMBERS | st.text(max_size=4) | st.binary(max_size=4),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=8,
)
DTYPES = st.sampled_from(["f4", "f8", "f2", "i8", "u1", "?", "c8", "U3", "S2", "M8[s]"])
POSES = st.one_of(
    hnp.arrays(DTYPES, st.tuples(st.integers(0, 5), st.sampled_from([15, 16, 17, 32, 1]), st.sampled_from([2, 3, 1]))),
    hnp.arrays(DTYPES, hnp.array_shapes(min_dims=0, max_dims=4, max_side=4)),
    ANY_VALUE,
)
SEQUENCES = st.dictionaries(st.text(max_size=3) | st.integers(0, 3), st.dictionaries(
    st.text(max_size=3) | st.integers(0, 3), POSES | st.lists(POSES, max_size=3), max_size=2), max_size=2)
SIZE = NUMBERS | st.text(max_size=3) | st.none()
METADATA = st.fixed_dictionaries(
    {"num_joints": st.sampled_from([17, 16, 15, 32]) | NUMBERS | st.text(max_size=2),
     "keypoints_symmetry": st.just([[1, 2], [3, 4]]) | ANY_VALUE},
    optional={"layout_name": st.sampled_from(["coco", "h36m", "mpii", "blazepose", "x"]) | ANY_VALUE,
              "video_metadata": st.dictionaries(st.text(max_size=3), st.fixed_dictionaries({"w": SIZE, "h": SIZE}) | ANY_VALUE,
                                                max_size=2) | ANY_VALUE,
              "res_w": SIZE, "res_h": SIZE, "fps": SIZE},
) | ANY_VALUE


def npz_of(**items: Any) -> bytes:
    """An npz whose members hold ``items`` as 0-d object arrays, as VideoPose3D writes them."""
    boxes = {k: np.empty((), dtype=object) for k in items}
    for k, v in items.items():
        boxes[k][()] = v
    out = io.BytesIO()
    np.savez(out, **boxes)
    return out.getvalue()


@FUZZ
@given(positions=SEQUENCES, metadata=METADATA)
def test_videopose3d_random_structure(positions: Any, metadata: Any) -> None:
    data_2d = npz_of(positions_2d=positions, metadata=metadata)
    for read in (read_2d, read_custom, read_kp):
        assert_reads_or_refuses(read, "data.npz", data_2d)
    assert_reads_or_refuses(read_3d, "data.npz", npz_of(positions_3d=positions))
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "d2.npz").write_bytes(npz_of(positions_2d=positions, metadata={**H36M_META, "res_w": 640, "res_h": 480}))
        assert_reads_or_refuses(lambda p: read_custom(str(Path(tmp, "d2.npz")), p), "d3.npz", npz_of(positions_3d=positions))


JSON_KEYS = st.sampled_from(["keypoints", "score", "frames", "width", "height", "fps", "layout"])
JSON_VALUE = st.recursive(
    st.none() | st.booleans() | NUMBERS | st.text(max_size=3),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(JSON_KEYS, inner, max_size=4),
    max_leaves=20,
)
PERSON = st.fixed_dictionaries(
    {"keypoints": st.lists(NUMBERS, min_size=0, max_size=3).map(lambda v: v * 17) | st.lists(st.floats(), min_size=51, max_size=51)},
    optional={"score": NUMBERS | st.text(max_size=2)},
)
KEYPOINT_JSON = st.fixed_dictionaries(
    {"frames": st.lists(st.none() | PERSON | st.lists(PERSON, max_size=2), min_size=1, max_size=4)},
    optional={"width": SIZE, "height": SIZE, "fps": SIZE, "layout": st.sampled_from(["coco", "h36m", "mpii", "x"]) | JSON_VALUE},
) | JSON_VALUE


@FUZZ
@given(doc=KEYPOINT_JSON)
def test_keypoint_json_random_structure(doc: Any) -> None:
    assert_reads_or_refuses(read_kp, "kp.json", json.dumps(doc).encode())


@FUZZ
@given(rows=st.lists(st.lists(NUMBERS.map(str) | st.text(max_size=3), min_size=0, max_size=54), max_size=4))
def test_keypoint_csv_random_structure(rows: list[list[str]]) -> None:
    assert_reads_or_refuses(read_kp, "kp.csv", "\n".join(",".join(r) for r in rows).encode("utf-8", "surrogatepass"))


HUGE_SHAPES = st.tuples(st.integers(-2, 2**62), st.sampled_from([17, 2**40]), st.sampled_from([2, 3]))


@FUZZ
@given(shape=HUGE_SHAPES | hnp.array_shapes(min_dims=0, max_dims=3, max_side=3),
       descr=st.sampled_from(["<f8", "<f4", "|O", "<U9", "|V0", "|S0", "<M8[s]", "<c16", "|b1", "<f8", "|V1000000000"]),
       payload=st.binary(max_size=200), fortran=st.booleans(), key=st.sampled_from(["positions_2d", "positions_3d", "metadata"]))
def test_crafted_headers(shape: Any, descr: str, payload: bytes, fortran: bool, key: str) -> None:
    """.npy headers declaring huge, negative or mismatched shapes and odd dtypes, alone and in an npz."""
    member = npy_bytes(shape, descr, payload, fortran)
    assert_reads_or_refuses(read_kp, "kp.npy", member)
    data = zip_bytes({f"{key}.npy": member, "metadata.npy": npy_bytes((), "|O", pickle.dumps(np.array(H36M_META, dtype=object)))})
    for read in (read_2d, read_3d, read_kp):
        assert_reads_or_refuses(read, "data.npz", data)


@FUZZ
@given(field=st.sampled_from(["d_model", "heads", "blocks", "ffn", "receptive_field", "dropout", "head", "arch",
                              "num_joints_in", "filter_widths", "unknown"]),
       value=NUMBERS | st.text(max_size=3) | st.none() | st.lists(st.integers(-3, 10**6), max_size=3)
       | st.sampled_from([2**40, 10**7, "tcn"]),
       tensor_field=st.sampled_from(["shape", "dtype", "data_offsets"]),
       tensor_value=st.lists(st.integers(-1, 2**62), max_size=3) | st.sampled_from(["F64", "I8", "BOOL", "X"]) | NUMBERS)
def test_weights_header_fields(valid: dict[str, bytes], field: str, value: Any, tensor_field: str, tensor_value: Any) -> None:
    """Safetensors headers whose config or tensor entries hold wrong types or huge sizes."""
    raw = valid["w.safetensors"]
    size = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + size])
    config = json.loads(header["__metadata__"]["liftformer_config"])
    config[field] = value
    header["__metadata__"]["liftformer_config"] = json.dumps(config)
    for data in (json.dumps(header).encode(), None):
        if data is None:
            name = min(k for k in header if k != "__metadata__")
            header[name][tensor_field] = tensor_value
            data = json.dumps(header).encode()
        assert_reads_or_refuses(read_weights, "w.safetensors", struct.pack("<Q", len(data)) + data + raw[8 + size:])


# ------------------------------------------------------------------ video
@pytest.fixture(scope="module")
def tiny_video() -> bytes:
    imageio = pytest.importorskip("imageio.v2")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "v.mp4"
        try:
            writer = imageio.get_writer(str(path), fps=10, format="ffmpeg", macro_block_size=1)
        except Exception as e:  # noqa: BLE001 — no ffmpeg here: nothing to fuzz
            pytest.skip(f"cannot write a video ({e})")
        with writer:
            for i in range(4):
                writer.append_data(np.full((16, 16, 3), 60 * i, np.uint8))
        return path.read_bytes()


def read_video(path: str) -> None:
    info = probe_video(path)
    assert info.width > 0 and info.height > 0 and info.fps > 0
    for frame in iter_frames(path):
        assert frame.dtype == np.uint8 and frame.ndim == 3 and frame.shape[-1] == 3


@settings(FUZZ, max_examples=EXAMPLES or 8)
@given(ops=OPS)
def test_video_mutated(tiny_video: bytes, ops: list[tuple]) -> None:
    assert_reads_or_refuses(read_video, "v.mp4", mutate(tiny_video, ops))


# ------------------------------------------------------------------ hostile files
class RunsCode:
    """Unpickling this would run a shell command that creates ``marker``."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple:
        return os.system, (f"touch {self.marker}",)


def test_pickle_that_runs_code_is_refused(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    evil = save_npz(tmp_path / "evil.npz", positions_2d={"S1": {"Walking": [RunsCode(marker)]}}, metadata=H36M_META)
    with pytest.raises(DataError, match=r"evil\.npz: refuses to load '(posix|os|nt)\.system' from the pickled 'positions_2d'") as e:
        load_positions_2d(evil)
    assert "\n" not in str(e.value)
    evil_meta = save_npz(tmp_path / "meta.npz", positions_2d={}, metadata={**H36M_META, "x": RunsCode(marker)})
    with pytest.raises(DataError, match=r"meta\.npz: refuses to load '.*system' from the pickled 'metadata'"):
        read_keypoints(str(evil_meta))
    assert not marker.exists()


def test_raw_pickle_renamed_npz_is_never_unpickled(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    for name in ("data_2d_custom_x.npz", "kp.npz"):
        (tmp_path / name).write_bytes(pickle.dumps({"positions_2d": RunsCode(marker)}))
        with pytest.raises(DataError, match="not a zip file; a raw pickle is never loaded") as e:
            load_item(tmp_path / name, "positions_2d")
        assert "\n" not in str(e.value)
        with pytest.raises(DataError, match=rf"{name}: cannot read"):
            read_keypoints(str(tmp_path / name))
    (tmp_path / "kp.npy").write_bytes(pickle.dumps(RunsCode(marker)))
    with pytest.raises(DataError, match=r"kp\.npy: cannot read"):
        read_keypoints(str(tmp_path / "kp.npy"))
    np.save(tmp_path / "obj.npy", np.array([RunsCode(marker)], dtype=object))
    with pytest.raises(DataError, match=r"obj\.npy: holds pickled Python objects"):
        read_keypoints(str(tmp_path / "obj.npy"))
    assert not marker.exists()


def test_hostile_training_checkpoint(tmp_path: Path) -> None:
    from liftformer.data.pipeline import WindowDataset
    from liftformer.data.sequences import Sequence
    from liftformer.data.synthetic import synthetic_sequence
    from liftformer.model import LiftFormerConfig
    from liftformer.training.trainer import TrainConfig, Trainer

    marker = tmp_path / "pwned"
    seq = synthetic_sequence(20, seed=0)
    data = WindowDataset([Sequence("S1", "Walking", 0, seq.keypoints, seq.positions_3d, seq.fps)], receptive_field=5)
    config = LiftFormerConfig(**tiny_model_kwargs(receptive_field=5))
    trainer = Trainer(config, TrainConfig(epochs=1, batch_size=8), data, tmp_path, progress=False)
    torch.save({"a": torch.zeros(2)}, tmp_path / "good.pt")
    with zipfile.ZipFile(tmp_path / "good.pt") as z:
        members = {n: z.read(n) for n in z.namelist()}
    pkl = next(n for n in members if n.endswith("data.pkl"))
    hostile = {
        "raw.pt": pickle.dumps({"model_config": RunsCode(marker)}),
        "zip.pt": zip_bytes({**members, pkl: pickle.dumps({"model_config": RunsCode(marker)}, protocol=2)}),
        "garbage.pt": bytes(range(256)) * 4,
        "empty.pt": b"",
        "truncated.pt": (tmp_path / "good.pt").read_bytes()[:300],
        "wrong.pt": (tmp_path / "good.pt").read_bytes(),
    }
    for name, data in hostile.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(CheckpointError, match=rf"{name}: not a liftformer training checkpoint") as e:
            trainer.resume(tmp_path / name)
        assert "\n" not in str(e.value) and "weights_only" not in str(e.value), str(e.value)
    assert not marker.exists()


# hand-made pickle opcodes: arrays nested ``depth`` deep inside each other (freeing such a chain
# recursively overflows the C stack, so np.load(allow_pickle=True) crashes the interpreter on it)
_HEAD = (b"\x80\x02cnumpy.core.multiarray\n_reconstruct\nq\x00cnumpy\nndarray\nq\x01"
         b"cnumpy\ndtype\nX\x02\x00\x00\x00O8\x89\x88\x87Rq\x020")
_OPEN = b"h\x00h\x01K\x00\x85C\x01b\x87R(K\x01)h\x02\x89]"  # arr = _reconstruct(...); state (1, (), dtype('O'), False, [
_CLOSE = b"atb"  # ...inner]) → arr.__setstate__


@pytest.mark.parametrize("tail", [b".", b"cos\nsystem\n."], ids=["deep", "deep-then-refused"])
def test_deeply_nested_arrays_are_refused_without_crashing(tmp_path: Path, tail: bytes) -> None:
    depth = 200_000
    payload = _HEAD + _OPEN * depth + b"N" + _CLOSE * depth + tail
    (tmp_path / "deep.npz").write_bytes(zip_bytes({"positions_3d.npy": npy_bytes((), "|O", payload)}))
    with pytest.raises(DataError, match=r"deep\.npz: .*(nested more than 32 levels|refuses to load 'os\.system')"):
        load_positions_3d(tmp_path / "deep.npz")
    shallow = _HEAD + _OPEN * 3 + b"N" + _CLOSE * 3 + b"."
    (tmp_path / "shallow.npz").write_bytes(zip_bytes({"x.npy": npy_bytes((), "|O", shallow)}))
    assert safe_npz.read_npz(str(tmp_path / "shallow.npz"), "x").item().item().item() is None


def test_names_that_would_break_the_one_line_error(tmp_path: Path) -> None:
    save_npz(tmp_path / "names.npz", positions_3d={"S1\nS2": {"Walking": np.zeros((2, 17, 3), np.float32)}})
    with pytest.raises(DataError, match=r"names\.npz: 'positions_3d' must be a dict .* named by one-line strings") as e:
        load_positions_3d(tmp_path / "names.npz")
    assert "\n" not in str(e.value)
    with zipfile.ZipFile(tmp_path / "members.npz", "w") as z:
        z.writestr("a\nb.npy", npy_bytes((1,), "<f8", bytes(8)))
    with pytest.raises(DataError, match=r"no 'positions_3d' array \(found: 'a\\nb'\)"):
        load_positions_3d(tmp_path / "members.npz")


def test_expansion_and_size_bombs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nested: Any = np.zeros((100, 17, 3), np.float32)
    for _ in range(6):
        nested = [nested] * 10  # 10^6 references to one array: a few hundred bytes pickled
    save_npz(tmp_path / "laughs.npz", positions_3d={"S1": {"Walking": nested}})
    with pytest.raises(DataError, match=r"laughs\.npz: the pickled 'positions_3d' unpacks to far more data"):
        load_positions_3d(tmp_path / "laughs.npz")
    (tmp_path / "huge.npy").write_bytes(npy_bytes((10**12, 17, 2), "<f8", b"\x00" * 64))
    with pytest.raises(DataError, match=r"huge\.npy: header declares a \(1000000000000, 17, 2\) float64 array"):
        read_keypoints(str(tmp_path / "huge.npy"))
    np.savez_compressed(tmp_path / "bomb.npz", positions_3d=np.zeros((1000, 17, 3)))
    monkeypatch.setattr(safe_npz, "MAX_MEMBER_BYTES", 100_000)
    with pytest.raises(DataError, match=r"bomb\.npz: 'positions_3d': unpacks to 408128 bytes, over the 100000-byte limit"):
        load_positions_3d(tmp_path / "bomb.npz")
