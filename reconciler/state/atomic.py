"""Crash-safe file primitives: atomic replace, durable append, canonical JSON and digests.

Every file the tool keeps in the state directory goes through `write_atomic` (a crash
leaves the old file or the new one, never half of one) or `append_durable` (a line is on
disk before the caller acts on it).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from reconciler.errors import StateError

# Files in the state directory describe a production tenant; only the owner reads them.
FILE_MODE = 0o600


def canonical_json(obj: Any) -> bytes:
    """The one byte encoding digests are computed over: sorted keys, compact, UTF-8."""
    text = json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return text.encode("utf-8")


def sha256_digest(data: bytes) -> str:
    """'sha256:<hex>' of `data`."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


def fsync_dir(directory: Path) -> None:
    """Make a rename or a new entry in `directory` durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes) -> None:
    """Replace `path` with `data` so that a crash leaves either the old or the new content."""
    directory = path.parent
    tmp_name: str | None = None
    try:
        # The temporary file must be in the same directory: os.replace is only atomic
        # within one file system.
        fd, tmp_name = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, FILE_MODE)
        os.replace(tmp_name, path)
        tmp_name = None
        fsync_dir(directory)
    except OSError as exc:
        raise StateError(f"cannot write {path}: {exc.strerror or exc}") from exc
    finally:
        if tmp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)


def append_durable(path: Path, line: bytes) -> None:
    """Append one whole line to `path` and fsync it before returning."""
    if not line.endswith(b"\n"):
        line += b"\n"
    if b"\n" in line[:-1]:
        raise ValueError("append_durable writes exactly one line; the data contains a newline")
    created = not path.exists()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
        try:
            view = memoryview(line)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        if created:
            # A new file's directory entry is not durable until the directory is synced.
            fsync_dir(path.parent)
    except OSError as exc:
        raise StateError(f"cannot append to {path}: {exc.strerror or exc}") from exc
