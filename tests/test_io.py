"""Tests for io.py: checkpoints round-trip exactly, are written atomically, and are never unpickled."""

from __future__ import annotations

import io
import os
import pickle
import signal
import struct
import subprocess
import sys
import tempfile
import textwrap
import time
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest

import tinygrad_lite
from tests.bad_input import as_params, assert_clear_error
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
    save({"i": np.array(-1)}, path)  # the next save removes what the killed ones left behind
    assert leftovers(tmp_path, "model.npz") == []


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


def test_numpys_own_npz_files_load(tmp_path):
    path = tmp_path / "numpy.npz"
    fortran = np.asfortranarray(np.arange(6.0).reshape(2, 3))
    np.savez_compressed(path, w=fortran, b=np.arange(3, dtype=np.int16))
    loaded = load(path)
    assert list(loaded) == ["w", "b"] and loaded["w"].flags.f_contiguous
    assert_same_state(loaded, {"w": fortran, "b": np.arange(3, dtype=np.int16)})


# ---- a damaged file never loads (issue 14, item 11) ----------------------------------------------------


def same_state(loaded: dict[str, np.ndarray], state: dict[str, np.ndarray]) -> bool:
    return list(loaded) == list(state) and all(
        (loaded[k].dtype, loaded[k].shape, loaded[k].tobytes()) == (v.dtype, v.shape, v.tobytes())
        for k, v in state.items()
    )


@pytest.mark.parametrize("zip64", [False, True], ids=["zip", "zip64-end-records"])
def test_every_flipped_byte_loads_the_original_or_is_refused(tmp_path, monkeypatch, zip64):
    # Before: flips in the central directory raised NotImplementedError or struct.error, and some
    # loaded with an entry missing. Fields no reader uses (the version that made the zip, file
    # attributes) may change without harm: then the original loads, bit for bit.
    state = {"w": np.arange(3.0), "b": np.array([1, -2], dtype=np.int8)}
    original = tmp_path / "model.npz"
    if zip64:  # the end records zipfile writes past 65,535 entries or 4 GiB
        monkeypatch.setattr(zipfile, "ZIP_FILECOUNT_LIMIT", 1)
    save(state, original)
    monkeypatch.undo()
    data = original.read_bytes()
    assert (b"PK\x06\x06" in data) == zip64
    assert_same_state(load(original), state)
    damaged = tmp_path / "damaged.npz"
    refused = 0
    for i in range(len(data)):
        for bits in (0x01, 0x80, 0xFF):
            flipped = bytearray(data)
            flipped[i] ^= bits
            damaged.write_bytes(flipped)
            try:
                loaded = load(damaged)
            except CheckpointError as error:
                assert "damaged.npz" in str(error)
                refused += 1
            else:
                assert same_state(loaded, state), f"byte {i} ^ {bits:#x} loaded something else"
    assert refused > 0.9 * 3 * len(data)


def npz_bytes(members: list[tuple[str, bytes]], compression: int = zipfile.ZIP_STORED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as zf:
        for name, content in members:
            zf.writestr(name, content)
    return buffer.getvalue()


def npy_header(shape: tuple, descr: str = "<f8") -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": descr, "fortran_order": False, "shape": shape})
    return buffer.getvalue()


def test_a_file_declaring_a_terabyte_is_refused_without_allocating(tmp_path):
    # Before: MemoryError (7.28 TiB) from a 236-byte file.
    path = tmp_path / "huge.npz"
    path.write_bytes(npz_bytes([("x.npy", npy_header((10**12,)))]))
    assert path.stat().st_size == 236
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(
            CheckpointError, match=r"entry 'x' in '.*huge.npz' declares float64\[1000000000000\]"
        ):
            load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2**20 and time.perf_counter() - start < 1.0


def test_max_bytes_bounds_what_a_small_compressed_file_may_unpack_to(tmp_path):
    path = tmp_path / "zeros.npz"
    np.savez_compressed(path, x=np.zeros(2**20))  # 8 MiB of zeros in about 8 KB
    assert path.stat().st_size < 2**14
    tracemalloc.start()
    try:
        with pytest.raises(
            CheckpointError, match=r"8,388,608 bytes of arrays, more than max_bytes=1,000,000; pass a"
        ):
            load(path, max_bytes=10**6)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2**20  # refused from the header, before anything was unpacked
    assert load(path, max_bytes=2**23)["x"].shape == (2**20,)  # exactly at the limit: loads


def test_a_declared_size_must_match_what_the_member_holds(tmp_path):
    path = tmp_path / "short.npz"
    path.write_bytes(npz_bytes([("x.npy", npy_header((3,)) + np.zeros(2).tobytes())]))
    with pytest.raises(
        CheckpointError, match=r"entry 'x' in .* declares float64\[3\] \(24 bytes\) but holds 16"
    ):
        load(path)


def test_members_that_appear_twice_or_are_not_arrays_are_refused(tmp_path):
    array = npy_header((1,)) + np.ones(1).tobytes()
    twice = tmp_path / "twice.npz"
    with pytest.warns(UserWarning, match="Duplicate name"):
        twice.write_bytes(npz_bytes([("x.npy", array), ("x.npy", array)]))
    with pytest.raises(CheckpointError, match=r"entry 'x' in .*twice.npz.* appears twice"):
        load(twice)
    extra = tmp_path / "extra.npz"
    extra.write_bytes(npz_bytes([("x.npy", array), ("README.txt", b"hello")]))
    with pytest.raises(CheckpointError, match=r"entry 'README.txt' in .*extra.npz.* is not a .npy array"):
        load(extra)


def end_record(data: bytes) -> tuple:
    return struct.unpack("<4s4H2LH", data[-22:])


def test_a_directory_that_drops_an_entry_is_refused(tmp_path):
    # Before: a central directory that ends one record early loaded with one entry fewer.
    path = tmp_path / "model.npz"
    save({"a": np.ones(2), "b": np.zeros(2)}, path)
    data = path.read_bytes()
    signature, disk, cd_disk, _, _, size, offset, comment = end_record(data)
    last_record = size - data.index(b"PK\x01\x02", offset + 1) + offset
    end = struct.pack("<4s4H2LH", signature, disk, cd_disk, 1, 1, size - last_record, offset, comment)
    path.write_bytes(data[: offset + size - last_record] + end)
    assert list(zipfile.ZipFile(path).namelist()) == ["a.npy"]  # zipfile alone sees one entry
    with pytest.raises(CheckpointError, match=r"model.npz' is damaged"):
        load(path)


def test_a_local_header_that_disagrees_with_the_directory_is_refused(tmp_path):
    path = tmp_path / "model.npz"
    save({"a": np.ones(2)}, path)
    data = bytearray(path.read_bytes())
    data[14] ^= 1  # the CRC in the local header; zipfile reads only the directory's
    path.write_bytes(bytes(data))
    with pytest.raises(
        CheckpointError, match=r"local header of 'a.npy' disagrees with the central directory"
    ):
        load(path)


# Local header offsets: version needed (6.4 raised NotImplementedError before), flags, compression method.
@pytest.mark.parametrize("field, value", [(4, 64), (6, 1), (8, 99)], ids=["version", "encrypted", "method"])
def test_zip_features_npz_files_never_use_are_refused(tmp_path, field, value):
    path = tmp_path / "odd.npz"
    save({"a": np.ones(2)}, path)
    data = bytearray(path.read_bytes())
    for header in (0, data.index(b"PK\x01\x02")):  # the same field in the local header and the directory
        at = header + field + (2 if header else 0)  # a directory record has one more field in front
        data[at : at + 2] = struct.pack("<H", value)
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match=r"odd.npz"):
        load(path)


# ---- names: every entry reads back as itself (issue 14, item 12) ----------------------------------------


def test_names_numpy_would_read_back_as_one_are_refused(tmp_path):
    path = tmp_path / "model.npz"
    pattern = r"^save: entries 'x' and 'x.npy' would be read back as one by numpy"
    assert_clear_error(lambda: save({"x": np.ones(1), "x.npy": np.zeros(1)}, path), ValueError, pattern)
    assert_clear_error(lambda: save({"x.npy": np.zeros(1), "x": np.ones(1)}, path), ValueError, pattern)
    pattern = r"^save: entries 'x.npy' and 'x.npy.npy'"
    assert_clear_error(
        lambda: save({"x.npy.npy": np.ones(1), "x.npy": np.ones(1)}, path), ValueError, pattern
    )
    assert list(tmp_path.iterdir()) == []
    save({"x.npy": np.zeros(1), "y": np.ones(1)}, path)  # alone, a name ending in .npy is fine
    assert list(load(path)) == ["x.npy", "y"]
    with np.load(path) as npz:
        assert npz["x.npy"].tolist() == [0.0]


@pytest.mark.parametrize("name", ["a/b", "../b", "a\\b", "a\0b", "", "\ud800"])
def test_names_that_would_change_the_member_path_are_refused(tmp_path, name):
    with pytest.raises(ValueError, match=r"^save: (entry name|an entry name)"):
        save({name: np.ones(1)}, tmp_path / "model.npz")
    assert list(tmp_path.iterdir()) == []


def test_any_other_name_round_trips(tmp_path):
    state = {n: np.array([i]) for i, n in enumerate(["é ü 中", "tab\there", " ", ".", "..", ".npy", "a.b.c"])}
    save(state, tmp_path / "model.npz")
    assert_same_state(load(tmp_path / "model.npz"), state)


# ---- file names and links (issue 14, item 12) --------------------------------------------------------


@pytest.mark.parametrize("length", [244, 255])
def test_long_file_names_save(tmp_path, length):
    # Before: a 244-byte name failed with "File name too long": the temporary name added 22 bytes.
    path = tmp_path / ("m" * (length - 4) + ".npz")
    save({"w": np.ones(2)}, path)
    assert_same_state(load(path), {"w": np.ones(2)})
    assert leftovers(tmp_path, path.name) == []


@pytest.mark.skipif(os.name != "posix", reason="symbolic links")
def test_saving_onto_a_link_writes_the_file_it_points_to(tmp_path):
    # Before: the link was replaced by a file. Now it is followed, as numpy and PyTorch do.
    target = tmp_path / "model-100.npz"
    save({"w": np.zeros(2)}, target)
    link = tmp_path / "latest.npz"
    link.symlink_to(target.name)
    save({"w": np.ones(2)}, link)
    assert link.is_symlink() and os.readlink(link) == target.name
    assert_same_state(load(target), {"w": np.ones(2)})


# ---- bad input: a clear error from the entry point --------------------------------------------------


def mlp() -> nn.MLP:
    return nn.MLP(3, 2, 3, rng=0)


TMP = tempfile.gettempdir()  # an existing directory, for "path is a directory"

BAD_INPUT = [
    ("save-list", lambda: save([1, 2], "x.npz"), TypeError,
     r"^save: expects a state_dict \(dict of name -> array\), got list"),
    ("save-model", lambda: save(mlp(), "x.npz"),
     TypeError, r"^save: .* got MLP; for a model pass model.state_dict\(\)"),
    ("save-strings", lambda: save({"w": "abc"}, "x.npz"), TypeError,
     r"^save: entry 'w' must map a str name to a numeric array, got dtype <U3"),
    ("save-name", lambda: save({1: np.ones(2)}, "x.npz"), TypeError, r"^save: entry 1 must map a str name"),
    ("save-objects", lambda: save({"w": np.array([None])}, "x.npz"), TypeError,
     r"^save: entry 'w' .* got dtype object"),
    ("save-no-directory", lambda: save({"w": np.ones(2)}, "/no/such/dir/x.npz"), FileNotFoundError,
     r"^save: the directory '/no/such/dir' does not exist"),
    ("save-path-None", lambda: save({"w": np.ones(2)}, None), TypeError,
     r"^save: path must be a str or a pathlib.Path, got NoneType"),
    ("save-path-empty", lambda: save({"w": np.ones(2)}, ""), ValueError, r"^save: path is empty"),
    ("save-path-directory", lambda: save({"w": np.ones(2)}, TMP), IsADirectoryError,
     r"^save: '.*' is a directory; give a file name such as '.*model.npz'"),
    ("save-name-collision", lambda: save({"w": np.ones(2), "w.npy": np.ones(2)}, "/no/such/dir/x.npz"),
     ValueError, r"^save: entries 'w' and 'w.npy' would be read back as one by numpy"),
    ("save-name-slash", lambda: save({"a/w": np.ones(2)}, "/no/such/dir/x.npz"), ValueError,
     r"^save: entry name 'a/w' holds '/', which would change its zip member name"),
    ("load-path-None", lambda: load(None),
     TypeError, r"^load: path must be a str or a pathlib.Path, got NoneType"),
    ("load-missing", lambda: load("/no/such/file.npz"),
     FileNotFoundError, r"^load: no checkpoint at '/no/such/file.npz'"),
    ("load-max_bytes", lambda: load("/no/such/file.npz", max_bytes=-1),
     ValueError, r"^load: max_bytes must be a non-negative int, got -1"),
]  # fmt: skip


@pytest.mark.parametrize("call, expected, pattern", as_params(BAD_INPUT))
def test_bad_input_gets_a_clear_error(call, expected, pattern):
    assert_clear_error(call, expected, pattern)


def test_a_truncated_checkpoint_is_refused_clearly(tmp_path):
    # The full set of damaged files is above; this one checks where the error comes from.
    path = tmp_path / "model.npz"
    save(nn.MLP(5, 2, 5).state_dict(), path)
    path.write_bytes(path.read_bytes()[:-40])
    pattern = r"^load: '.*model.npz' is not a valid .npz checkpoint"
    assert_clear_error(lambda: load(path), CheckpointError, pattern)
