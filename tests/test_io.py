"""Tests for io.py: checkpoints round-trip exactly, are written atomically, and are never unpickled."""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

import tinygrad_lite
from tinygrad_lite import CheckpointError, Tensor, load, nn, save

ROOT = Path(tinygrad_lite.__file__).resolve().parent.parent


def sample_state() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {
        "layers.0.weight": rng.normal(size=(2, 5)).astype(np.float32),
        "layers.1.weight": rng.normal(size=(5, 2)),
        "special": np.array([-0.0, np.inf, -np.inf, np.nan, 5e-324, np.finfo(np.float64).max]),
        "step": np.array(244, dtype=np.int64),  # 0-d
        "counts": np.arange(6, dtype=np.uint8).reshape(2, 3),
        "mask": np.array([True, False]),
        "small": np.array([-3, 7], dtype=np.int8),
        "half": np.array([1.5, -2.25], dtype=np.float16),
        "empty": np.zeros((0, 3)),
        # Names np.savez would take as its own keyword arguments.
        "file": np.ones(2),
        "allow_pickle": np.ones(3),
    }


def assert_same_state(loaded: dict[str, np.ndarray], state: dict[str, np.ndarray]) -> None:
    assert list(loaded) == list(state)
    for name, array in state.items():
        assert loaded[name].dtype == array.dtype, name
        assert loaded[name].shape == array.shape, name
        assert loaded[name].tobytes() == array.tobytes(), name  # bit for bit, nan and -0.0 included


def leftovers(directory: Path, keep: str) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name != keep)


# ---- round trip -----------------------------------------------------------------------------


def test_round_trip_is_exact(tmp_path):
    state = sample_state()
    path = tmp_path / "model.npz"
    save(state, path)
    assert_same_state(load(path), state)
    assert leftovers(tmp_path, "model.npz") == []  # no temporary files left behind
    assert_same_state(load(str(path)), state)  # str paths work too


def test_round_trip_of_a_model(tmp_path):
    model = nn.MLP(5, 2, 5, rng=0)
    save(model.state_dict(), tmp_path / "mlp.npz")
    other = nn.MLP(5, 2, 5, rng=1)
    other.load_state_dict(load(tmp_path / "mlp.npz"))
    x = Tensor(np.eye(5, dtype=np.float32))
    assert other(x).data.tobytes() == model(x).data.tobytes()


def test_save_overwrites_and_the_file_is_a_plain_npz(tmp_path):
    path = tmp_path / "model.npz"
    save({"a": np.zeros(3)}, path)
    save({"b": np.ones(2)}, path)
    assert list(load(path)) == ["b"]
    with np.load(path, allow_pickle=False) as npz:  # readable by numpy itself
        np.testing.assert_array_equal(npz["b"], np.ones(2))
    assert leftovers(tmp_path, "model.npz") == []


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_the_file_gets_the_usual_permissions(tmp_path):
    umask = os.umask(0o022)
    try:
        save({"a": np.zeros(1)}, tmp_path / "model.npz")
    finally:
        os.umask(umask)
    assert (tmp_path / "model.npz").stat().st_mode & 0o777 == 0o644  # not mkstemp's private 0o600


# ---- atomic writes ---------------------------------------------------------------------------


def write_half_then_fail(error: BaseException):
    """A stand-in for numpy's .npy writer: writes part of the array's bytes, then raises."""

    def write_array(f, array, *args, **kwargs):
        f.write(array.tobytes()[: array.nbytes // 2])
        raise error

    return write_array


@pytest.mark.parametrize("error", [RuntimeError("disk full"), KeyboardInterrupt()])
def test_a_failing_save_keeps_the_old_checkpoint(tmp_path, monkeypatch, error):
    path = tmp_path / "model.npz"
    old = {"w": np.arange(1000.0)}
    save(old, path)
    monkeypatch.setattr(np.lib.format, "write_array", write_half_then_fail(error))
    with pytest.raises(type(error)):
        save({"w": np.zeros(1000)}, path)
    monkeypatch.undo()
    assert_same_state(load(path), old)
    assert leftovers(tmp_path, "model.npz") == []


def test_a_failing_first_save_leaves_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(np.lib.format, "write_array", write_half_then_fail(RuntimeError("disk full")))
    with pytest.raises(RuntimeError):
        save({"w": np.zeros(10)}, tmp_path / "model.npz")
    assert list(tmp_path.iterdir()) == []


SAVE_FOREVER = textwrap.dedent(
    """
    import sys
    import numpy as np
    from tinygrad_lite import save

    i = 0
    while True:
        save({"i": np.array(i), "x": np.full(400_000, float(i))}, sys.argv[1])
        print(i, flush=True)
        i += 1
    """
)


@pytest.mark.skipif(os.name != "posix", reason="needs SIGKILL")
def test_killing_a_save_never_leaves_a_half_written_file(tmp_path):
    # A process saves a 3 MB checkpoint over and over (about 20 ms a save); each kill lands
    # somewhere in a save. Writing in place, about half the kills leave a broken file.
    path = tmp_path / "model.npz"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for delay in np.linspace(0.0, 0.03, 8):
        child = subprocess.Popen(
            [sys.executable, "-c", SAVE_FOREVER, str(path)], stdout=subprocess.PIPE, env=env, cwd=tmp_path
        )
        try:
            while int(child.stdout.readline()) < 2:  # let it overwrite the file a few times first
                pass
            time.sleep(delay)
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait()
            child.stdout.close()
        state = load(path)  # always a whole checkpoint: one of the saves, all of it
        i = int(state["i"])
        assert i >= 2 and state["x"].shape == (400_000,) and (state["x"] == i).all()
    assert [p.name for p in tmp_path.glob("*.npz")] == ["model.npz"]  # only temporaries may be left


# ---- load refuses what it cannot trust --------------------------------------------------------


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"no checkpoint at .*nothing.npz"):
        load(tmp_path / "nothing.npz")
    with pytest.raises(FileNotFoundError):
        load(tmp_path)  # a directory


@pytest.mark.parametrize("keep", [0, 1, 30, 0.5, -1])
def test_truncated_files_are_refused(tmp_path, keep):
    path = tmp_path / "model.npz"
    save(sample_state(), path)
    data = path.read_bytes()
    length = int(len(data) * keep) if isinstance(keep, float) else keep % len(data)
    path.write_bytes(data[:length])
    with pytest.raises(CheckpointError, match=r"model.npz"):
        load(path)


def test_a_corrupted_byte_is_refused(tmp_path):
    path = tmp_path / "model.npz"
    save({"w": np.zeros(1000)}, path)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # inside the array: the zip's CRC no longer matches
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match=r"model.npz"):
        load(path)


def test_other_formats_are_refused(tmp_path):
    text = tmp_path / "notes.npz"
    text.write_text("layers.0.weight = [[1, 2], [3, 4]]\n")
    with pytest.raises(CheckpointError, match=r"notes.npz.* is not a valid .npz checkpoint"):
        load(text)
    npy = tmp_path / "array.npz"
    with npy.open("wb") as f:
        np.save(f, np.ones(3))
    with pytest.raises(CheckpointError, match=r"array.npz.* holds a single .npy array"):
        load(npy)
    strings = tmp_path / "strings.npz"
    np.savez(strings, names=np.array(["a", "b"]))
    with pytest.raises(CheckpointError, match=r"entry 'names' in .*strings.npz.* has dtype <U1, not numbers"):
        load(strings)


class MakesAFile:
    """Unpickling this creates `marker`: what a malicious checkpoint could do instead."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def test_object_arrays_are_never_unpickled(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.npz"
    np.savez(path, w=np.array([MakesAFile(marker)], dtype=object))
    with pytest.raises(CheckpointError, match=r"evil.npz"):
        load(path)
    assert not marker.exists()
    # The payload is live: numpy with allow_pickle=True would have run it.
    with np.load(path, allow_pickle=True) as npz:
        npz["w"]
    assert marker.exists()


def test_a_pickle_file_is_never_unpickled(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.npz"
    path.write_bytes(pickle.dumps({"w": MakesAFile(marker)}))
    with pytest.raises(CheckpointError, match=r"evil.npz"):
        load(path)
    assert not marker.exists()


def test_a_zip_that_is_not_an_npz_is_refused(tmp_path):
    path = tmp_path / "other.npz"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("w.npy", b"not an array")
    with pytest.raises(CheckpointError, match=r"entry 'w' in .*other.npz.* is not a .npy array"):
        load(path)


# ---- save refuses what it cannot write --------------------------------------------------------


def test_save_refuses_what_is_not_a_state_dict(tmp_path):
    path = tmp_path / "model.npz"
    with pytest.raises(
        TypeError, match=r"expects a state_dict .*got MLP; for a model pass model.state_dict\(\)"
    ):
        save(nn.MLP(3, 2, 3), path)
    with pytest.raises(TypeError, match="got list"):
        save([np.ones(2)], path)
    with pytest.raises(TypeError, match="entry 'w' must map a str name to a numeric array, got dtype object"):
        save({"w": np.array([1, None], dtype=object)}, path)
    with pytest.raises(TypeError, match=r"entry 'w' .*got dtype <U1"):
        save({"w": np.array(["a"])}, path)
    with pytest.raises(TypeError, match="entry 3 must map a str name"):
        save({3: np.ones(2)}, path)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        save({"w": np.ones(2)}, tmp_path / "no" / "such" / "model.npz")
    assert list(tmp_path.iterdir()) == []
