"""Where each file of one environment lives inside the state directory."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from reconciler.errors import StateError

DIR_MODE = 0o700

# The environment name becomes a directory name: refuse anything that could escape root.
_ENVIRONMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


@dataclass(frozen=True)
class StateDir:
    """The state directory of one environment: `root/<environment>/...`."""

    root: Path
    environment: str

    def __post_init__(self) -> None:
        if not _ENVIRONMENT.match(self.environment) or ".." in self.environment:
            raise StateError(
                f"environment name {self.environment!r} cannot be used as a directory name",
                hint="use letters, digits, '.', '_' and '-'",
            )

    @property
    def env_dir(self) -> Path:
        """root/<environment>."""
        return self.root / self.environment

    @property
    def snapshots_dir(self) -> Path:
        """One canonical JSON file per snapshot."""
        return self.env_dir / "snapshots"

    @property
    def journal_dir(self) -> Path:
        """Journals of running (or interrupted) runs; finished ones move to `done/`."""
        return self.env_dir / "journal"

    @property
    def journal_done_dir(self) -> Path:
        """Journals of finished runs."""
        return self.journal_dir / "done"

    @property
    def audit_path(self) -> Path:
        """The hash-chained local audit log."""
        return self.env_dir / "audit.jsonl"

    @property
    def lock_path(self) -> Path:
        """The file `StateLock` flocks."""
        return self.env_dir / "lock"

    @property
    def last_known_good_path(self) -> Path:
        """Pointer to the snapshot of the last verified apply."""
        return self.env_dir / "last-known-good.json"

    @property
    def protected_path(self) -> Path:
        """What the last successful apply remembered as protected (`protect: true`)."""
        return self.env_dir / "protected.json"

    def ensure(self) -> None:
        """Create every directory (mode 0o700) if missing."""
        for directory in (
            self.root,
            self.env_dir,
            self.snapshots_dir,
            self.journal_dir,
            self.journal_done_dir,
        ):
            try:
                if not directory.is_dir():
                    directory.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
                    # mkdir's mode is filtered by the umask; make sure of 0o700.
                    os.chmod(directory, DIR_MODE)
            except OSError as exc:
                raise StateError(
                    f"cannot create state directory {directory}: {exc.strerror or exc}",
                    hint="set RECONCILER_STATE_DIR to a writable directory",
                ) from exc
