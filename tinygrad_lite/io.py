"""Checkpoints: save and load a state_dict as .npz, written atomically, never unpickled.

An .npz is a zip holding one .npy file per entry: `name.npy`. `save` writes it through
`files.atomic_write`. `load` trusts nothing it reads: it checks the zip's structure byte by byte
(members back to back, each local header agreeing with the central directory, the end records
matching both), parses each .npy header and checks the sizes it declares before allocating
anything, then reads every member in full, so the zip's CRC-32 checks every byte of data.
"""

from __future__ import annotations

import math
import os
import struct
import zipfile
from typing import Any, BinaryIO, NamedTuple

import numpy as np

from . import checks, files

MAX_BYTES = 2**31  # load refuses arrays larger than this in all, unless told otherwise
_CHUNK = 2**20  # bytes read at a time into an array


class CheckpointError(ValueError):
    """A file that is not a checkpoint tinygrad_lite can load safely."""


# ---- save ------------------------------------------------------------------------------------------


def save(state_dict: dict[str, Any], path: str | os.PathLike) -> None:
    """Write `state_dict` (name -> array, e.g. `model.state_dict()`) to `path` as .npz.

    Atomic (see `tinygrad_lite.files.atomic_write`): a crash part-way leaves the old file (or none),
    never a half-written one. Names become zip member names `name.npy`, so a name must be a
    non-empty str without "/", "\\" or NUL (they would change the member's path or cut it short), and
    no two names may be read back as one by numpy ("x" and "x.npy").
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
        arrays[_check_name(name, arrays)] = array
    path = files.output_path("save", path, example="model.npz")
    files.atomic_write(path, lambda f: _write_npz(f, arrays), owner="save")


def _check_name(name: str, arrays: dict[str, np.ndarray]) -> str:
    """A name that becomes the zip member `name.npy` unchanged, and that numpy reads back as itself."""
    if name == "":
        raise ValueError("save: an entry name is empty; names become zip member names 'name.npy'")
    for char in ("/", "\\", "\0"):
        if char in name:
            raise ValueError(
                f"save: entry name {name!r} holds {char!r}, which would change its zip member name 'name.npy'"
            )
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        raise ValueError(f"save: entry name {name!r} is not valid Unicode") from None
    for other in {name.removesuffix(".npy"), f"{name}.npy"} - {name}:
        if other in arrays:
            short, long = sorted((name, other), key=len)
            raise ValueError(
                f"save: entries {short!r} and {long!r} would be read back as one by numpy "
                f"(np.load(...)[{long!r}] gives the array of {short!r}); rename one"
            )
    return name


def _write_npz(f: BinaryIO, arrays: dict[str, np.ndarray]) -> None:
    """The .npz format: a zip of one .npy per name. Written here rather than by np.savez,
    whose keyword arguments would swallow entries named "file" or "allow_pickle"."""
    with zipfile.ZipFile(f, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
        for name, array in arrays.items():
            with zf.open(f"{name}.npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, array, allow_pickle=False)


# ---- load ------------------------------------------------------------------------------------------


def load(path: str | os.PathLike, *, max_bytes: int = MAX_BYTES) -> dict[str, np.ndarray]:
    """Read a checkpoint written by `save` (or any .npz of numeric arrays) back as a dict of name -> array.

    Every problem with the file's contents raises CheckpointError naming the file and what is wrong:
    truncated or damaged files (any byte that disagrees with the zip's structure or its CRC-32),
    other formats, a single .npy, object arrays (it never unpickles, so loading cannot run code),
    entries that are not .npy arrays or appear twice, and arrays that declare more than `max_bytes`
    in all (checked from the headers, before anything is allocated; raise it for larger models).
    """
    path = files.as_path("load", path)
    max_bytes = checks.non_negative_int("load", "max_bytes", max_bytes)
    if not path.is_file():
        raise FileNotFoundError(f"load: no checkpoint at {str(path)!r}")
    where = repr(str(path))
    with path.open("rb") as f:
        if f.read(6) == b"\x93NUMPY":
            raise CheckpointError(f"load: {where} holds a single .npy array, not an .npz checkpoint")
        try:
            return _read_npz(f, where, max_bytes)
        except CheckpointError:
            raise
        # The zip and .npy readers raise a dozen kinds of error on damaged bytes (BadZipFile,
        # NotImplementedError, EOFError, zlib.error, struct.error, UnicodeDecodeError, ValueError,
        # MemoryError, ...): whatever they raise, the file cannot be trusted.
        except Exception as error:
            raise CheckpointError(
                f"load: {where} is not a valid .npz checkpoint ({type(error).__name__}: {error})"
            ) from None


def _read_npz(f: BinaryIO, where: str, max_bytes: int) -> dict[str, np.ndarray]:
    with zipfile.ZipFile(f) as zf:
        _check_structure(f, zf, where)
        names = _entry_names(zf, where)
        headers = {name: _npy_header(zf, info, name, where) for name, info in names.items()}
        total = sum(header.nbytes for header in headers.values())
        if total > max_bytes:
            raise CheckpointError(
                f"load: {where} declares {total:,} bytes of arrays, more than max_bytes={max_bytes:,}; "
                "pass a larger max_bytes to load it"
            )
        return {name: _read_array(zf, names[name], headers[name]) for name in names}


def _entry_names(zf: zipfile.ZipFile, where: str) -> dict[str, zipfile.ZipInfo]:
    """Entry name -> member, for members `name.npy`, each appearing once."""
    names = {}
    for info in zf.infolist():
        name = info.filename.removesuffix(".npy")
        if name == info.filename:
            raise CheckpointError(f"load: entry {name!r} in {where} is not a .npy array")
        if name in names:
            raise CheckpointError(f"load: entry {name!r} in {where} appears twice")
        names[name] = info
    return names


class _Header(NamedTuple):
    """What a member's .npy header declares, and where its data starts."""

    length: int
    shape: tuple[int, ...]
    dtype: np.dtype
    fortran_order: bool
    nbytes: int


_NPY_VERSIONS = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}


def _npy_header(zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, where: str) -> _Header:
    """A member's .npy header, checked: numbers, not objects, and as many bytes as the member holds."""
    with zf.open(info) as member:
        try:
            shape, fortran_order, dtype = _NPY_VERSIONS[np.lib.format.read_magic(member)](member)
        except (ValueError, KeyError):
            raise CheckpointError(f"load: entry {name!r} in {where} is not a .npy array") from None
        length = member.tell()
    if dtype.kind not in "biuf":
        raise CheckpointError(f"load: entry {name!r} in {where} has dtype {dtype}, not numbers")
    if any(n < 0 for n in shape):
        raise CheckpointError(f"load: entry {name!r} in {where} declares shape {shape}")
    nbytes = math.prod(shape) * dtype.itemsize
    if length + nbytes != info.file_size:
        raise CheckpointError(
            f"load: entry {name!r} in {where} declares {dtype}{list(shape)} ({nbytes:,} bytes) "
            f"but holds {info.file_size - length:,} bytes"
        )
    return _Header(length, shape, dtype, fortran_order, nbytes)


def _read_array(zf: zipfile.ZipFile, info: zipfile.ZipInfo, header: _Header) -> np.ndarray:
    """The member's array, read in full so that zipfile checks the CRC-32 at its end."""
    flat = np.empty(math.prod(header.shape), header.dtype)
    buffer = flat.view(np.uint8)
    with zf.open(info) as member:
        member.read(header.length)
        for start in range(0, header.nbytes, _CHUNK):
            chunk = buffer[start : start + _CHUNK]
            if member.readinto(chunk) != len(chunk):
                raise EOFError(f"member {info.filename!r} ends early")
        if member.read(1):  # reading to the end is also where zipfile compares the CRC-32
            raise ValueError(f"member {info.filename!r} is longer than its header says")
    if header.fortran_order:
        return flat.reshape(header.shape[::-1]).T
    return flat.reshape(header.shape)


# ---- the zip's structure ---------------------------------------------------------------------------
# zipfile reads the central directory and trusts it; these checks account for every byte of the file,
# so that a damaged directory cannot quietly drop an entry or point at other bytes.

_LOCAL = struct.Struct("<4s5H3L2H")  # local file header
_CENTRAL = struct.Struct("<4s6H3L5H2L")  # central directory record
_END = struct.Struct("<4s4H2LH")  # end of central directory
_ZIP64_END = struct.Struct("<4sQ2H2L4Q")  # zip64 end of central directory
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_FLAGS_ALLOWED = 0x0806  # deflate options and UTF-8 names; no encryption, no data descriptors
_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)


def _check_structure(f: BinaryIO, zf: zipfile.ZipFile, where: str) -> None:
    """The file is: members back to back from byte 0, the central directory, the end records, nothing else."""
    infos = zf.infolist()
    end = 0
    for info in sorted(infos, key=lambda info: info.header_offset):
        if info.header_offset != end:
            raise CheckpointError(
                f"load: {where} is damaged: member {info.filename!r} is not where it should be"
            )
        end = _check_local_header(f, info, where)
    if end != zf.start_dir:
        raise CheckpointError(f"load: {where} is damaged: its central directory does not follow its members")
    directory_end = _central_directory_end(f, zf.start_dir, len(infos))
    _check_end_records(f, zf.start_dir, directory_end, len(infos), where)


def _check_local_header(f: BinaryIO, info: zipfile.ZipInfo, where: str) -> int:
    """Check a member's local header against its central directory record; returns where its data ends."""
    f.seek(info.header_offset)
    signature, _, flags, method, time, date, crc, csize, usize, n, m = _LOCAL.unpack(f.read(_LOCAL.size))
    f.seek(n, os.SEEK_CUR)  # the name: zipfile compares it when it opens the member
    extra = f.read(m)
    if (csize, usize) == (0xFFFFFFFF, 0xFFFFFFFF):
        usize, csize = _zip64_sizes(extra)
    year, month, day, hour, minute, second = info.date_time
    central = (
        b"PK\x03\x04",
        info.flag_bits,
        info.compress_type,
        (hour << 11) | (minute << 5) | (second // 2),
        ((year - 1980) << 9) | (month << 5) | day,
        info.CRC,
        info.compress_size,
        info.file_size,
    )
    if (signature, flags, method, time, date, crc, csize, usize) != central:
        raise CheckpointError(
            f"load: {where} is damaged: the local header of {info.filename!r} "
            "disagrees with the central directory"
        )
    if flags & ~_FLAGS_ALLOWED or method not in _METHODS:
        raise CheckpointError(
            f"load: {where}: member {info.filename!r} is encrypted or stored in a way .npz files never are "
            f"(flags {flags:#06x}, compression method {method})"
        )
    return info.header_offset + _LOCAL.size + n + m + csize


def _zip64_sizes(extra: bytes) -> tuple[int, int]:
    """(uncompressed, compressed) size from a local header's zip64 extra field."""
    start = 0
    while start + 4 <= len(extra):
        kind, size = struct.unpack_from("<2H", extra, start)
        if kind == 1 and size >= 16:
            return struct.unpack_from("<2Q", extra, start + 4)
        start += 4 + size
    return (-1, -1)


def _central_directory_end(f: BinaryIO, start: int, count: int) -> int:
    """Walk `count` central directory records from `start`; returns where they end."""
    for _ in range(count):
        f.seek(start)
        record = _CENTRAL.unpack(f.read(_CENTRAL.size))
        if record[0] != b"PK\x01\x02":
            raise zipfile.BadZipFile("bad central directory record")
        start += _CENTRAL.size + sum(record[10:13])  # name, extra field and comment lengths
    return start


def _check_end_records(f: BinaryIO, start: int, end: int, count: int, where: str) -> None:
    """The end records (zip64 ones if present, then the classic one) describe this central directory
    exactly, and the file ends with them."""
    f.seek(end)
    tail = f.read(_ZIP64_END.size + _ZIP64_LOCATOR.size + _END.size + 0xFFFF + 1)
    if tail.startswith(b"PK\x06\x06"):
        zip64 = _ZIP64_END.unpack_from(tail)
        locator = _ZIP64_LOCATOR.unpack_from(tail, _ZIP64_END.size)
        # (signature, its size after the size field, the disks) then (entries here, entries, size, offset)
        expected = (b"PK\x06\x06", _ZIP64_END.size - 12, 0, 0, count, count, end - start, start)
        if zip64[:2] + zip64[4:] != expected or locator != (b"PK\x06\x07", 0, end, 1):
            raise CheckpointError(
                f"load: {where} is damaged: its zip64 end records do not match its directory"
            )
        tail = tail[_ZIP64_END.size + _ZIP64_LOCATOR.size :]
    signature, disk, directory_disk, entries_here, entries, size, offset, comment = _END.unpack_from(tail)
    small = (min(count, 0xFFFF), min(count, 0xFFFF), min(end - start, 0xFFFFFFFF), min(start, 0xFFFFFFFF))
    if (signature, disk, directory_disk) != (b"PK\x05\x06", 0, 0) or (
        entries_here,
        entries,
        size,
        offset,
    ) != small:
        raise CheckpointError(f"load: {where} is damaged: its end record does not match its directory")
    if len(tail) != _END.size + comment:
        raise CheckpointError(f"load: {where} is damaged: it does not end where its zip directory says")
