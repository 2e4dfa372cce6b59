"""Checkpoints: save and load a state_dict as .npz, written atomically, never unpickled."""

from __future__ import annotations

import os
import secrets
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np


class CheckpointError(ValueError):
    """A file that is not a checkpoint tinygrad_lite can load safely."""


def save(state_dict: dict[str, Any], path: str | os.PathLike) -> None:
    """Write `state_dict` (name -> array, e.g. `model.state_dict()`) to `path` as .npz.

    Atomic: the data goes to a temporary file in the same directory, is flushed
    to disk (fsync), then renamed over `path`. A crash part-way leaves the old
    file (or none), never a half-written one.
    """
    if not isinstance(state_dict, dict):
        raise TypeError(
            f"save: expects a state_dict (dict of name -> array), got {type(state_dict).__name__}; "
            "for a model pass model.state_dict()"
        )
    arrays = {}
    for name, value in state_dict.items():
        array = np.asarray(value)
        if not isinstance(name, str) or array.dtype.kind not in "biuf":
            raise TypeError(
                f"save: entry {name!r} must map a str name to a numeric array, got dtype {array.dtype}"
            )
        arrays[name] = array
    path = _path("save", path)
    if not path.parent.is_dir():
        raise FileNotFoundError(f"save: the directory {str(path.parent)!r} does not exist")
    if path.is_dir():
        raise IsADirectoryError(
            f"save: {str(path)!r} is a directory; give a file name such as {str(path / 'model.npz')!r}"
        )
    # Not tempfile.mkstemp: its file is private (0600); this one gets the usual umask.
    tmp = path.parent / f".{path.name}.{secrets.token_hex(8)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            _write_npz(f, arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_directory(path.parent)


def _path(op: str, path: Any) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{op}: path must be a str or a pathlib.Path, got {type(path).__name__}")
    return Path(path)


def _write_npz(f: Any, arrays: dict[str, np.ndarray]) -> None:
    """The .npz format: a zip of one .npy per name. Written here rather than by np.savez,
    whose keyword arguments would swallow entries named "file" or "allow_pickle"."""
    with zipfile.ZipFile(f, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
        for name, array in arrays.items():
            with zf.open(f"{name}.npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, array, allow_pickle=False)


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def load(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Read a checkpoint written by `save` back as a dict of name -> array.

    Refuses, with CheckpointError, anything that is not a complete .npz of
    numeric arrays: truncated files, other formats, and object arrays (it never
    unpickles, so loading a file cannot run code).
    """
    path = _path("load", path)
    if not path.is_file():
        raise FileNotFoundError(f"load: no checkpoint at {str(path)!r}")
    try:
        npz = np.load(path, allow_pickle=False)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as error:
        raise CheckpointError(f"load: {str(path)!r} is not a valid .npz checkpoint ({error})") from None
    if not isinstance(npz, np.lib.npyio.NpzFile):
        raise CheckpointError(f"load: {str(path)!r} holds a single .npy array, not an .npz checkpoint")
    try:
        with npz:
            state = {name: npz[name] for name in npz.files}
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, KeyError, ValueError) as error:
        raise CheckpointError(f"load: {str(path)!r} is not a valid .npz checkpoint ({error})") from None
    for name, array in state.items():
        if not isinstance(array, np.ndarray):  # NpzFile hands back a member that is not .npy as bytes
            raise CheckpointError(f"load: entry {name!r} in {str(path)!r} is not a .npy array")
        if array.dtype.kind not in "biuf":
            raise CheckpointError(
                f"load: entry {name!r} in {str(path)!r} has dtype {array.dtype}, not numbers"
            )
    return state
