"""Writing files: every file the library writes (checkpoints, players, pictures, tables) goes through
`atomic_write`, so a crash, a kill, Ctrl-C or a full disk leaves the old file (or none), never half of one.

The recipe: write a temporary file in the target's directory, flush it to disk (fsync), rename it over
the target (`os.replace`, atomic on POSIX and Windows), then fsync the directory so the rename itself
survives a power cut. The rules around it:

- **Temporary names** are `.{name}.{16 hex digits}.tmp`, next to the target. When that would be longer
  than the final name (and longer than 64 bytes), the visible part is cut short and a hash of the whole
  name keeps it tied to its target: `.{first bytes of name}~{12 hex digits}.{16 hex digits}.tmp`. So the
  temporary name fits wherever the final name fits, up to the usual limit of 255 bytes.
- **Leftovers**: a process killed while writing leaves its temporary file behind. The next write of the
  same target removes such files, but only abandoned ones: a writer holds a lock on its temporary file
  (POSIX `flock`; on Windows an open file cannot be removed), so a live writer's file is left alone.
- **Symbolic links** are followed, as `open(path, "w")`, `numpy.save` and `torch.save` do: writing onto
  a link replaces the file it points to, atomically, and the link stays a link.
- **Permissions**: a new file gets the usual ones (0o666 less the umask, not `mkstemp`'s private 0o600);
  a file that is replaced keeps its own.
- **Folders** are created only when asked (`make_parents=True`), and only at write time, so a command that
  refuses its arguments creates nothing. `output_path` checks an output path without creating anything.

Not promised: a replaced file is a new file (other hard links to the old one keep the old contents, and
its owner is the writer); two processes writing one target at once each write a whole file, and the last
to finish wins.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

try:
    import fcntl
except (
    ImportError
):  # Windows: no flock, but an open file cannot be removed there, which protects it the same way
    fcntl = None

Data = bytes | str | Callable[[BinaryIO], Any]

SHORT_NAME = 64  # a temporary name may be this long even when the final name is shorter


def as_path(owner: str, path: Any) -> Path:
    """`path` (a str or an os.PathLike) as a Path; an empty string is refused, not taken as '.'."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{owner}: path must be a str or a pathlib.Path, got {type(path).__name__}")
    if os.fspath(path) == "":
        raise ValueError(f"{owner}: path is empty; give a file name")
    return Path(path)


def output_path(owner: str, path: Any, *, make_parents: bool = False, example: str = "out") -> Path:
    """Check that `path` can be written, creating nothing: not a directory, and its directory exists
    (or, with `make_parents`, can be created: the nearest existing ancestor is a directory).

    Callers check their output path with the rest of their arguments, before any work, and write
    with `atomic_write` at the end.
    """
    path = as_path(owner, path)
    if path.is_dir():
        raise IsADirectoryError(
            f"{owner}: {str(path)!r} is a directory; give a file name such as {str(path / example)!r}"
        )
    parent = path.parent
    if not make_parents and not parent.is_dir():
        raise FileNotFoundError(f"{owner}: the directory {str(parent)!r} does not exist")
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise NotADirectoryError(f"{owner}: {str(parent)!r} is a file, so no folder can be made inside it")
    return path


def atomic_write(path: Any, data: Data, *, make_parents: bool = False, owner: str = "atomic_write") -> Path:
    """Write `data` to `path` all at once: readers see the old file or the new one, never a mix.

    Args:
        path: the file to write (a str or a pathlib.Path); a symbolic link is followed.
        data: bytes, a str (written as UTF-8), or a function that writes to the binary file it is given.
        make_parents: create missing folders above `path` (only now, at write time).
        owner: the name error messages start with, e.g. "save".

    Returns:
        `path` as a Path.

    If anything goes wrong (an exception in `data`, a full disk, KeyboardInterrupt) the temporary file is
    removed, the old file is left as it was, and the exception propagates.
    """
    if not isinstance(data, (bytes, bytearray, memoryview, str)) and not callable(data):
        raise TypeError(
            f"{owner}: data must be bytes, a str or a function that writes to a binary file, "
            f"got {type(data).__name__}"
        )
    path = output_path(owner, path, make_parents=make_parents)
    target = _follow_link(owner, path)
    if make_parents:
        target.parent.mkdir(parents=True, exist_ok=True)
    elif not target.parent.is_dir():  # a link pointing into a folder that does not exist
        raise FileNotFoundError(f"{owner}: the directory {str(target.parent)!r} does not exist")
    prefix = temp_prefix(target.name)
    _remove_abandoned(target.parent, prefix)
    tmp, fd = _create_temp(target, prefix)
    try:
        with os.fdopen(fd, "wb") as f:
            _write(f, data)
            f.flush()
            os.fsync(f.fileno())
            if fcntl is not None:  # POSIX renames an open file, so the lock is held until the very end
                os.replace(tmp, target)
        if fcntl is None:  # Windows cannot rename a file that is still open
            os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_directory(target.parent)
    return path


def temp_prefix(name: str) -> str:
    """The start of every temporary name for the target `name`; 16 hex digits and ".tmp" follow.

    `.{name}.` when the whole temporary name stays within max(len(name), 64) bytes; otherwise the
    name's first bytes, "~" and 12 hex digits of its SHA-256, so that it still fits.
    """
    raw = os.fsencode(name)
    budget = max(len(raw), SHORT_NAME) - len("0123456789abcdef.tmp")
    if len(raw) + 2 <= budget:
        return f".{name}."
    digest = hashlib.sha256(raw).hexdigest()[:12]
    head = raw[: budget - len(f".~{digest}.")].decode("utf-8", "ignore")  # never half a character
    return f".{head}~{digest}."


def _follow_link(owner: str, path: Path) -> Path:
    """The file `path` names: itself, or the file at the end of its chain of symbolic links."""
    if not path.is_symlink():
        return path
    target = Path(os.path.realpath(path))
    if target.is_symlink():
        raise OSError(f"{owner}: {str(path)!r} is a loop of symbolic links")
    return target


def _remove_abandoned(directory: Path, prefix: str) -> None:
    """Remove the temporary files of this target that no live writer holds (left by a killed process)."""
    pattern = re.compile(re.escape(prefix) + r"[0-9a-f]{16}\.tmp")
    with os.scandir(directory) as entries:
        stale = [entry.path for entry in entries if pattern.fullmatch(entry.name)]
    for name in stale:
        _remove_if_abandoned(name)


def _remove_if_abandoned(name: str) -> None:
    if fcntl is None:  # Windows: removing fails while its writer still has the file open
        with contextlib.suppress(OSError):
            os.unlink(name)
        return
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # fails while its writer is alive
        os.unlink(name)
    except OSError:
        pass
    finally:
        os.close(fd)


def _create_temp(target: Path, prefix: str) -> tuple[Path, int]:
    """A new temporary file beside `target`, open for writing and locked; with the target's permissions."""
    while True:
        tmp = target.parent / f"{prefix}{secrets.token_hex(8)}.tmp"
        # Not tempfile.mkstemp: its file is private (0o600); this one gets the usual umask.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        if _lock(fd):
            break
        os.close(fd)  # another writer took it for abandoned in the instant before the lock: start again
    with contextlib.suppress(FileNotFoundError):
        os.chmod(tmp, stat.S_IMODE(os.stat(target).st_mode))
    return tmp, fd


def _lock(fd: int) -> bool:
    """Lock a new temporary file for as long as it is open; False if it was removed before the lock."""
    if fcntl is None:
        return True
    fcntl.flock(fd, fcntl.LOCK_EX)
    return os.fstat(fd).st_nlink > 0


def _write(f: BinaryIO, data: Data) -> None:
    if isinstance(data, str):
        f.write(data.encode("utf-8"))
    elif isinstance(data, (bytes, bytearray, memoryview)):
        f.write(data)
    else:
        data(f)


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
