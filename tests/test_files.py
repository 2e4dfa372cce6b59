"""Tests for files.py: every write is all or nothing, leaves no temporary files, and fits any legal name."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import tinygrad_lite
from tests.bad_input import as_params, assert_clear_error
from tinygrad_lite.files import SHORT_NAME, atomic_write, output_path, temp_prefix

ROOT = Path(tinygrad_lite.__file__).resolve().parent.parent
POSIX = pytest.mark.skipif(os.name != "posix", reason="POSIX file semantics (SIGKILL, modes, flock)")


def temporaries(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


# ---- what gets written ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, expected",
    [
        (b"\x00\xffbytes", b"\x00\xffbytes"),
        ("text é\n", "text é\n".encode()),  # UTF-8, newlines as given
        (lambda f: f.write(b"from a writer"), b"from a writer"),
    ],
)
def test_writes_bytes_text_or_what_a_function_writes(tmp_path, data, expected):
    path = tmp_path / "out.bin"
    assert atomic_write(path, data) == path
    assert path.read_bytes() == expected
    assert names(tmp_path) == ["out.bin"]
    atomic_write(str(path), b"again")  # str paths too, and overwriting
    assert path.read_bytes() == b"again"


def test_an_empty_write_makes_an_empty_file(tmp_path):
    atomic_write(tmp_path / "empty", b"")
    assert (tmp_path / "empty").read_bytes() == b""


# ---- all or nothing ---------------------------------------------------------------------------------


def half_then(error: BaseException):
    def writer(f):
        f.write(b"half of the new")
        f.flush()
        raise error

    return writer


@pytest.mark.parametrize(
    "error", [RuntimeError("disk full"), OSError(28, "No space left"), KeyboardInterrupt()]
)
def test_a_failing_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path, error):
    path = tmp_path / "page.html"
    atomic_write(path, "old")
    with pytest.raises(type(error)):
        atomic_write(path, half_then(error))
    assert path.read_text() == "old"
    assert names(tmp_path) == ["page.html"]


def test_a_failing_first_write_leaves_nothing(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        atomic_write(tmp_path / "page.html", half_then(KeyboardInterrupt()))
    assert names(tmp_path) == []


WRITE_AND_HANG = textwrap.dedent(
    """
    import sys, time
    from tinygrad_lite.files import atomic_write

    def writer(f):
        f.write(b"half of the new file")
        f.flush()
        print("writing", flush=True)
        time.sleep(600)

    atomic_write(sys.argv[1], writer)
    """
)


def kill_while_writing(path: Path) -> None:
    """Start a process that writes `path`, and SIGKILL it half-way through the write."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(
        [sys.executable, "-c", WRITE_AND_HANG, str(path)], stdout=subprocess.PIPE, env=env
    )
    try:
        assert child.stdout.readline() == b"writing\n"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()


@POSIX
def test_a_killed_write_keeps_the_old_file_and_the_next_write_removes_its_temporary(tmp_path):
    path = tmp_path / "model.npz"
    atomic_write(path, b"old")
    kill_while_writing(path)
    assert path.read_bytes() == b"old"
    [first] = temporaries(tmp_path)
    kill_while_writing(path)  # this write, killed too, removed the first one's leftover
    kill_while_writing(tmp_path / "other.npz")  # another target's leftovers are not ours to remove
    assert path.read_bytes() == b"old"
    assert len(temporaries(tmp_path)) == 2 and first not in temporaries(tmp_path)
    atomic_write(path, b"new")
    assert path.read_bytes() == b"new"
    assert temporaries(tmp_path) == [t for t in temporaries(tmp_path) if t.startswith(".other.npz.")]
    assert len(temporaries(tmp_path)) == 1


def test_a_live_writers_temporary_is_left_alone(tmp_path):
    # While the outer write is under way, a second write of the same target runs and finishes;
    # it must not take the outer write's temporary file for a leftover.
    path = tmp_path / "table.txt"

    def outer(f):
        f.write(b"outer")
        atomic_write(path, b"inner")
        assert path.read_bytes() == b"inner"
        assert len(temporaries(tmp_path)) == 1  # the outer one, still there

    atomic_write(path, outer)
    assert path.read_bytes() == b"outer"  # the last to finish wins, as with any two writers
    assert names(tmp_path) == ["table.txt"]


# ---- temporary names fit wherever the final name fits -----------------------------------------------


def watch_temporary(tmp_path: Path, seen: list[str]):
    def writer(f):
        seen.extend(temporaries(tmp_path))
        f.write(b"x")

    return writer


@pytest.mark.parametrize(
    "name", ["a", "model.npz", "x" * 60, "n" * 240 + ".npz", "n" * 251 + ".npz", "é" * 127 + "x"]
)
def test_the_temporary_name_is_no_longer_than_the_final_name(tmp_path, name):
    # 244 bytes failed before ("File name too long": the temporary name added 22 bytes); 255 is the limit.
    seen: list[str] = []
    atomic_write(tmp_path / name, watch_temporary(tmp_path, seen))
    assert names(tmp_path) == [name]
    [temporary] = seen
    assert len(os.fsencode(temporary)) <= max(len(os.fsencode(name)), SHORT_NAME)
    assert temporary.startswith(temp_prefix(name)) and re.fullmatch(r".*\.[0-9a-f]{16}\.tmp", temporary)


def test_temporary_names_show_their_target():
    assert temp_prefix("model.npz") == ".model.npz."
    long = "run-" + "x" * 240 + ".npz"
    prefix = temp_prefix(long)
    assert prefix.startswith(".run-xxx") and re.fullmatch(r"\.run-x+~[0-9a-f]{12}\.", prefix)
    assert temp_prefix(long) != temp_prefix(long[:-4] + ".npy")  # the hash keeps long names apart


@POSIX
def test_leftovers_of_a_long_name_are_removed_too(tmp_path):
    path = tmp_path / ("n" * 251 + ".npz")
    kill_while_writing(path)
    assert len(temporaries(tmp_path)) == 1
    atomic_write(path, b"new")
    assert names(tmp_path) == [path.name]


# ---- symbolic links are followed --------------------------------------------------------------------


@POSIX
def test_writing_onto_a_link_replaces_the_file_it_points_to_and_keeps_the_link(tmp_path):
    (tmp_path / "runs").mkdir()
    target = tmp_path / "runs" / "model-7.npz"
    target.write_bytes(b"old")
    link = tmp_path / "latest.npz"
    link.symlink_to(Path("runs") / "model-7.npz")  # relative, as `ln -s` makes them
    atomic_write(link, b"new")
    assert link.is_symlink() and os.readlink(link) == str(Path("runs") / "model-7.npz")
    assert target.read_bytes() == b"new"
    assert names(tmp_path) == ["latest.npz", "runs"] and names(tmp_path / "runs") == ["model-7.npz"]


@POSIX
def test_a_dangling_link_gets_its_file_and_a_loop_is_refused(tmp_path):
    link = tmp_path / "latest.npz"
    link.symlink_to(tmp_path / "model.npz")
    atomic_write(link, b"new")  # as open(link, "w") would
    assert link.is_symlink() and (tmp_path / "model.npz").read_bytes() == b"new"
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    with pytest.raises(OSError, match=r"is a loop of symbolic links"):
        atomic_write(tmp_path / "a", b"x")


# ---- permissions ------------------------------------------------------------------------------------


@POSIX
def test_a_new_file_gets_the_umask_and_a_replaced_file_keeps_its_mode(tmp_path):
    umask = os.umask(0o022)
    try:
        atomic_write(tmp_path / "new.html", "x")
        private = tmp_path / "private.npz"
        private.write_bytes(b"old")
        private.chmod(0o600)
        atomic_write(private, b"new")
    finally:
        os.umask(umask)
    assert (tmp_path / "new.html").stat().st_mode & 0o777 == 0o644  # not mkstemp's private 0o600
    assert private.stat().st_mode & 0o777 == 0o600


# ---- folders are made only when asked, and only at write time --------------------------------------


def test_make_parents_creates_folders_only_when_writing(tmp_path):
    path = tmp_path / "new" / "deeper" / "film.html"
    assert output_path("film", path, make_parents=True) == path
    assert names(tmp_path) == []  # checking the arguments creates nothing
    atomic_write(path, "page", make_parents=True)
    assert path.read_text() == "page"
    with pytest.raises(FileNotFoundError, match=r"^save: the directory '.*other' does not exist"):
        atomic_write(tmp_path / "other" / "x.npz", b"", owner="save")
    assert names(tmp_path) == ["new"]


def test_a_folder_cannot_be_made_inside_a_file(tmp_path):
    (tmp_path / "notes").write_text("a file")
    pattern = r"^film: '.*notes' is a file, so no folder can be made inside it"
    assert_clear_error(
        lambda: output_path("film", tmp_path / "notes" / "new" / "x.html", make_parents=True),
        NotADirectoryError,
        pattern,
    )


HERE = str(Path(__file__).resolve().parent)  # an existing directory

BAD_INPUT = [
    ("atomic_write-path-None", lambda: atomic_write(None, b""), TypeError,
     r"^atomic_write: path must be a str or a pathlib.Path, got NoneType"),
    ("atomic_write-path-bytes", lambda: atomic_write(b"x.npz", b""), TypeError,
     r"^atomic_write: path must be a str or a pathlib.Path, got bytes"),
    ("atomic_write-path-empty", lambda: atomic_write("", b""), ValueError, r"^atomic_write: path is empty"),
    ("atomic_write-path-directory", lambda: atomic_write(HERE, b""), IsADirectoryError,
     r"^atomic_write: '.*tests' is a directory; give a file name such as '.*tests/out'"),
    ("atomic_write-no-directory", lambda: atomic_write("/no/such/dir/x.html", b""), FileNotFoundError,
     r"^atomic_write: the directory '/no/such/dir' does not exist"),
    ("atomic_write-data", lambda: atomic_write("/no/such/dir/x.html", 3), TypeError,
     r"^atomic_write: data must be bytes, a str or a function that writes to a binary file, got int"),
    ("output_path-owner", lambda: output_path("Player.save", HERE, example="player.html"), IsADirectoryError,
     r"^Player.save: '.*tests' is a directory; give a file name such as '.*tests/player.html'"),
]  # fmt: skip


@pytest.mark.parametrize("call, expected, pattern", as_params(BAD_INPUT))
def test_bad_input_gets_a_clear_error(call, expected, pattern):
    assert_clear_error(call, expected, pattern)
