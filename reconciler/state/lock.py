"""One run at a time per environment: an flock on the state directory's lock file.

The OS releases an flock when its holder dies, so a crashed run never blocks the next
one. The holder also writes who it is into the file and empties it on a clean exit: a
lock that is free but not empty was left by a run that died, and the next run says so.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import socket
from dataclasses import dataclass
from types import TracebackType

from reconciler.errors import StateError
from reconciler.state.atomic import FILE_MODE, canonical_json
from reconciler.state.clock import WallClock, format_timestamp, utc_now
from reconciler.state.layout import StateDir


@dataclass(frozen=True)
class LockHolder:
    """Who holds (or held) the lock, as written in the lock file."""

    pid: int | None
    host: str | None
    command: str | None
    started_at: str | None
    alive: bool | None = None  # None: unknown (another host, or no pid)

    def describe(self) -> str:
        """'pid 4242 (apply on host-a, since 2026-...)'."""
        details = [part for part in (self.command, self.host and f"on {self.host}") if part]
        since = f", since {self.started_at}" if self.started_at else ""
        inner = " ".join(details) + since
        who = f"pid {self.pid}" if self.pid is not None else "an unknown process"
        return f"{who} ({inner.lstrip(', ')})" if inner else who


def pid_alive(pid: int) -> bool:
    """True if a process with this pid exists on this host."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True


def _parse_holder(data: bytes) -> LockHolder | None:
    if not data.strip():
        return None
    try:
        raw = json.loads(data.decode("utf-8"))
        if not isinstance(raw, dict):
            raise ValueError("not an object")
    except ValueError:
        return LockHolder(pid=None, host=None, command=None, started_at=None)
    pid = raw.get("pid")
    host = raw.get("host")
    pid = pid if isinstance(pid, int) else None
    host = host if isinstance(host, str) else None
    alive = pid_alive(pid) if pid is not None and host == socket.gethostname() else None
    command, started_at = raw.get("command"), raw.get("started_at")
    return LockHolder(
        pid=pid,
        host=host,
        command=command if isinstance(command, str) else None,
        started_at=started_at if isinstance(started_at, str) else None,
        alive=alive,
    )


def _read_all(fd: int) -> bytes:
    os.lseek(fd, 0, os.SEEK_SET)
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    return b"".join(chunks)


class StateLock:
    """Context manager holding the exclusive lock of one environment's state directory."""

    def __init__(self, state: StateDir, *, command: str, clock: WallClock = utc_now) -> None:
        self._state = state
        self._command = command
        self._clock = clock
        self._fd: int | None = None
        self.stale_holder: LockHolder | None = None

    def __enter__(self) -> StateLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()

    def acquire(self) -> None:
        """Take the lock or raise StateError naming the holder."""
        if self._fd is not None:
            raise StateError(f"the lock on {self._state.lock_path} is already held by this run")
        self._state.ensure()
        path = self._state.lock_path
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
        except OSError as exc:
            raise StateError(f"cannot open lock file {path}: {exc.strerror}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = _parse_holder(_read_all(fd))
            os.close(fd)
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise StateError(f"cannot lock {path}: {exc.strerror}") from exc
            raise self._held_error(holder) from exc
        try:
            # The lock is ours; anything left in the file is from a run that did not
            # release it cleanly (it died), so keep it for the caller to report.
            self.stale_holder = _parse_holder(_read_all(fd))
            info = {
                "pid": os.getpid(),
                "host": socket.gethostname(),
                "command": self._command,
                "started_at": format_timestamp(self._clock()),
            }
            os.ftruncate(fd, 0)
            os.pwrite(fd, canonical_json(info) + b"\n", 0)
            os.fsync(fd)
        except OSError as exc:
            os.close(fd)
            raise StateError(f"cannot write lock file {path}: {exc.strerror}") from exc
        self._fd = fd

    def _held_error(self, holder: LockHolder | None) -> StateError:
        who = holder.describe() if holder else "another process"
        return StateError(
            f"the state directory {self._state.env_dir} is locked by {who}",
            hint="another reconciler run is working on this environment; wait for it to "
            "finish. The lock frees itself when that process exits.",
        )

    def release(self) -> None:
        """Empty the lock file (a clean exit) and release the lock."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
                os.fsync(fd)
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
