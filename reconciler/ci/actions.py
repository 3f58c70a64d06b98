"""Stand-ins for the `uses:` actions the workflows call, and how `run:` steps are launched.

`actions/checkout` and `actions/setup-python` have nothing left to do (each job already runs
in a fresh clone at the commit under test, with the player's Python); `actions/upload-artifact`
zips the files as the real action does (hidden files only when asked) and records the
artifact in the local GitHub, so a later run can download it, as apply.yml's state restore
does. Any other action is refused rather than silently skipped.
"""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reconciler.ci import fake_github
from reconciler.errors import ConfigError

# A step that installs the tool: the player runs the reconciler it is part of instead.
INSTALL_STEP = re.compile(r"^\s*python3?\s+-m\s+pip\s+install\b")
_NO_OP_ACTIONS = ("actions/checkout", "actions/setup-python")
_UPLOAD = "actions/upload-artifact"


@dataclass(frozen=True)
class ActionResult:
    """How an action step ended and what it says in the log."""

    ok: bool
    log: str
    outputs: Mapping[str, str]


@dataclass(frozen=True)
class Upload:
    """Where an uploaded artifact goes: the local GitHub and a readable copy."""

    github_state: Path
    copies: Path
    branch: str
    run_id: int


def action_name(uses: str) -> str:
    """`actions/checkout@<sha>` -> `actions/checkout`."""
    return uses.split("@", 1)[0]


def is_install_step(script: str) -> bool:
    """A `run:` that pip-installs the tool (skipped: the player is the installed tool)."""
    return bool(INSTALL_STEP.match(script)) and len(script.strip().splitlines()) == 1


def _files(root: Path, include_hidden: bool) -> list[tuple[Path, str]]:
    if root.is_file():
        return [(root, root.name)]
    if not root.is_dir():
        return []
    found = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if not path.is_file():
            continue
        # upload-artifact v4+ leaves out hidden files and directories unless told otherwise.
        if not include_hidden and any(part.startswith(".") for part in relative.parts):
            continue
        found.append((path, relative.as_posix()))
    return found


def _zip(files: list[tuple[Path, str]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, name in files:
            archive.write(path, name)
    return buffer.getvalue()


def upload_artifact(inputs: Mapping[str, Any], workspace: Path, upload: Upload) -> ActionResult:
    """actions/upload-artifact: zip `path`, record it under `name`, keep a copy to read."""
    name = str(inputs.get("name") or "artifact")
    paths = [p.strip() for p in str(inputs.get("path") or "").splitlines() if p.strip()]
    if len(paths) != 1 or any(ch in paths[0] for ch in "*?!"):
        raise ConfigError(
            f"upload-artifact {name!r}: the player handles one file or directory path, "
            f"not {inputs.get('path')!r}"
        )
    include_hidden = str(inputs.get("include-hidden-files", "false")).lower() == "true"
    files = _files(workspace / paths[0], include_hidden)
    if not files:
        policy = str(inputs.get("if-no-files-found") or "warn")
        message = f"No files were found with the provided path: {paths[0]}. No artifact uploaded."
        if policy == "error":
            return ActionResult(False, f"Error: {message}\n", {})
        return ActionResult(True, f"Warning: {message}\n" if policy == "warn" else "", {})
    archive = _zip(files)
    state = fake_github.load(upload.github_state)
    artifact_id = fake_github.add_artifact(state, name, archive, upload.branch, upload.run_id)
    fake_github.save(upload.github_state, state)
    copy = upload.copies / name
    shutil.rmtree(copy, ignore_errors=True)
    copy.mkdir(parents=True)
    with zipfile.ZipFile(io.BytesIO(archive)) as unpacked:
        unpacked.extractall(copy)
    log = f"Uploaded artifact {name!r} (id {artifact_id}, {len(files)} file(s))\n"
    return ActionResult(True, log, {"artifact-id": str(artifact_id)})


def run_action(
    uses: str, inputs: Mapping[str, Any], workspace: Path, upload: Upload
) -> ActionResult:
    """Play one `uses:` step."""
    name = action_name(uses)
    if name in _NO_OP_ACTIONS:
        note = "the job already runs in a fresh clone at the commit under test"
        if name == "actions/setup-python":
            note = "the player's own Python interpreter is used"
        return ActionResult(True, f"{name}: {note}\n", {})
    if name == _UPLOAD:
        return upload_artifact(inputs, workspace, upload)
    raise ConfigError(
        f"the player cannot run the action {uses!r}",
        hint="it plays actions/checkout, actions/setup-python, actions/upload-artifact "
        "and `run:` steps",
    )
