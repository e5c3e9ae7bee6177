"""Writing and reading index files safely: checksummed arrays, atomic replacement, clear disk errors.

Readers copy what they load into memory and check it against the size and
CRC-32 recorded when it was written, so a file truncated or overwritten
later (a restore with `cp -r`, `truncate`) can neither crash a serving
process (no memory maps, no SIGBUS) nor be half-read without notice.
Lean snapshots (store.py, when Qdrant searches) check each file the same way
when they open it, then read rows from the file on demand (`FileArray`):
still no memory map, so a file truncated later gives a CorruptFileError, not SIGBUS.
"""

from __future__ import annotations

import errno
import os
import secrets
import sqlite3
import weakref
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import StorybotError

READ_BLOCK = 1 << 24  # bytes checksummed at a time when streaming a file


class CorruptFileError(ValueError):
    """A file does not match what was recorded when it was written."""


class DiskFullError(StorybotError):
    """The disk (or quota) holding the index is full."""


@dataclass(frozen=True)
class FileInfo:
    """Size and CRC-32 of a written file, as recorded in its segment's metadata."""

    size: int
    crc: int


def disk_error(err: OSError | sqlite3.Error, path: Path) -> StorybotError:
    """The user-facing error for a failed write of `path` (OSError, or SQLite's own "disk is full")."""
    if not isinstance(err, OSError):
        err = OSError(errno.ENOSPC if "full" in str(err).lower() else errno.EIO, str(err))
    if err.errno in (errno.ENOSPC, errno.EDQUOT):
        return DiskFullError(
            f"the disk holding {path.parent} is full ({err.strerror}); the index was left as it was and is "
            "still used. Free some space and run storybot index again"
        )
    if err.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return StorybotError(f"cannot write the index directory {path.parent}: {err.strerror}")
    return StorybotError(f"cannot write {path}: {err.strerror or err}")


def write_bytes(path: Path, data: bytes | memoryview) -> FileInfo:
    """Write `data` to a new file and flush it to disk; its size and checksum."""
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    return FileInfo(len(data), zlib.crc32(data))


def write_array(path: Path, array: np.ndarray) -> FileInfo:
    """Write an array's raw bytes (C order); dtype and shape are the caller's to record."""
    return write_bytes(path, memoryview(np.ascontiguousarray(array)).cast("B"))


def read_array(path: Path, dtype: str, shape: tuple[int, ...], info: FileInfo) -> np.ndarray:
    """Read an array written by `write_array` into memory, checking size and checksum."""
    out = np.empty(shape, dtype=dtype)
    if out.nbytes != info.size:
        raise CorruptFileError(f"{path.name}: metadata gives {info.size} bytes for shape {shape}")
    view = memoryview(out).cast("B")
    with open(path, "rb") as fh:
        got = fh.readinto(view)
        extra = fh.read(1)
    if got != info.size or extra:
        raise CorruptFileError(
            f"{path.name} has {got if not extra else 'more than ' + str(got)} bytes, expected {info.size}"
        )
    if zlib.crc32(view) != info.crc:
        raise CorruptFileError(f"{path.name} does not match its checksum")
    return out


def read_checked(path: Path, info: FileInfo) -> bytes:
    """A whole small file, checked against its recorded size and checksum."""
    data = path.read_bytes()
    if len(data) != info.size or zlib.crc32(data) != info.crc:
        raise CorruptFileError(
            f"{path.name} has changed since it was written ({len(data)} bytes, expected {info.size})"
        )
    return data


def file_info(path: Path) -> FileInfo:
    """Size and checksum of a file, read in blocks."""
    crc, size = 0, 0
    with open(path, "rb") as fh:
        while block := fh.read(READ_BLOCK):
            crc = zlib.crc32(block, crc)
            size += len(block)
    return FileInfo(size, crc)


def check_file(path: Path, info: FileInfo, each_block: Callable[[bytes], None] | None = None) -> None:
    """Stream a file and compare it with its recorded size and checksum, keeping none of it.

    `each_block`: called with every block read (a whole number of 8-byte items but the last), e.g. to
    take a maximum or a sum of an array file in the same pass.
    """
    crc, size = 0, 0
    with open(path, "rb") as fh:
        if os.fstat(fh.fileno()).st_size == info.size:  # else not worth reading: the size says it all
            while block := fh.read(READ_BLOCK):
                crc = zlib.crc32(block, crc)
                size += len(block)
                if each_block is not None and size <= info.size:
                    each_block(block)
        else:
            size = os.fstat(fh.fileno()).st_size
    if size != info.size or crc != info.crc:
        raise CorruptFileError(f"{path.name} has changed since it was written ({size} bytes, expected {info.size})")


class FileArray:
    """A read-only array kept in its file and read on demand (`os.pread`), for lean snapshots.

    Indexing it (an int, a slice, or an array of indexes) returns an in-memory copy of those items only.
    Not a memory map: a file truncated under a running process gives a CorruptFileError, never SIGBUS.
    The file stays open while the array lives, so a segment deleted by a later build is still readable
    by the snapshots that use it.
    """

    def __init__(self, path: Path, dtype: str, shape: tuple[int, ...]) -> None:
        self.path = path
        self.dtype = np.dtype(dtype)
        self.shape = shape
        self._row_bytes = int(np.prod(shape[1:], dtype=np.int64)) * self.dtype.itemsize
        self._fd = os.open(path, os.O_RDONLY)
        weakref.finalize(self, os.close, self._fd)

    def __len__(self) -> int:
        return self.shape[0]

    @property
    def nbytes(self) -> int:
        """Bytes this array holds in memory: none (`file_bytes` are on disk)."""
        return 0

    @property
    def file_bytes(self) -> int:
        """The array's size in its file."""
        return self.shape[0] * self._row_bytes

    def _read(self, start: int, count: int) -> np.ndarray:
        """Rows start .. start + count - 1, read from the file."""
        want = count * self._row_bytes
        data = os.pread(self._fd, want, start * self._row_bytes) if want else b""
        if len(data) != want:
            raise CorruptFileError(
                f"{self.path.name} in {self.path.parent} is shorter than when it was loaded: it was truncated "
                "or overwritten while in use"
            )
        return np.frombuffer(data, dtype=self.dtype).reshape((count, *self.shape[1:]))

    def __getitem__(self, key: object) -> np.ndarray:
        n = self.shape[0]
        if isinstance(key, int | np.integer):
            row = int(key) + n if key < 0 else int(key)
            if not 0 <= row < n:
                raise IndexError(key)
            return self._read(row, 1)[0]
        if isinstance(key, slice):
            start, stop, step = key.indices(n)
            if step == 1:
                return self._read(start, max(stop - start, 0))
            key = np.arange(start, stop, step)
        ids = np.asarray(key)
        if ids.dtype == bool:
            ids = np.flatnonzero(ids)
        ids = ids.astype(np.int64, copy=False).reshape(-1)
        ids = np.where(ids < 0, ids + n, ids)
        if len(ids) and (ids.min() < 0 or ids.max() >= n):
            raise IndexError("index out of range")
        if len(ids) and int(ids[-1]) - int(ids[0]) == len(ids) - 1 and (len(ids) == 1 or (np.diff(ids) == 1).all()):
            return self._read(int(ids[0]), len(ids))  # one run, in order: an article's chunks
        out = np.empty((len(ids), *self.shape[1:]), dtype=self.dtype)
        if not len(ids):
            return out
        # One read per run of consecutive rows (an article's chunks are one run).
        order = np.argsort(ids, kind="stable")
        sorted_ids = ids[order]
        breaks = np.flatnonzero(np.diff(sorted_ids) != 1) + 1
        for run in np.split(np.arange(len(ids)), breaks):
            out[order[run]] = self._read(int(sorted_ids[run[0]]), len(run))
        return out

    def blocks(self, rows: int = READ_BLOCK // 8) -> Iterator[tuple[int, np.ndarray]]:
        """(first row, rows) of the whole array, `rows` at a time."""
        for start in range(0, self.shape[0], rows):
            yield start, self._read(start, min(rows, self.shape[0] - start))


def replace_file(path: Path, content: str) -> None:
    """Replace `path` with `content` atomically (temporary file, fsync, rename)."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        write_bytes(tmp, content.encode("utf-8"))
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries (a rename into it) to disk."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_new_file(folder: Path, name: str, data: bytes, *, replace: bool) -> bool:
    """Write `data` to `folder/name` atomically (temporary file, fsync, link or rename); OSError on failure.

    False, with nothing written, when the name exists and not `replace`: an article
    file is never clobbered by a second writer. The hidden temporary file is removed
    whatever happens.
    """
    target = folder / name
    tmp = folder / f".{name}.new-{secrets.token_hex(4)}"
    try:
        with open(tmp, "xb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if replace:
            os.replace(tmp, target)
        else:
            try:
                os.link(tmp, target)  # fails if the name was taken meanwhile: never clobbers
            except FileExistsError:
                return False
            except OSError as err:  # a filesystem without hard links
                if err.errno in (errno.ENOSPC, errno.EDQUOT):
                    raise
                if target.exists():
                    return False
                os.replace(tmp, target)
        fsync_dir(folder)
    finally:
        tmp.unlink(missing_ok=True)
    return True
