"""write_atomic, append_durable, canonical_json and sha256_digest."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest

from reconciler.errors import StateError
from reconciler.state.atomic import append_durable, canonical_json, sha256_digest, write_atomic


def test_write_atomic_replaces_and_leaves_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "file.json"
    write_atomic(target, b"old")
    write_atomic(target, b"new")
    assert target.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file.json"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_failure_midway_keeps_old_file_and_removes_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    target = tmp_path / "file.json"
    write_atomic(target, b"old content")

    def boom(*args: object) -> None:
        raise OSError(5, "simulated I/O error")

    monkeypatch.setattr(os, failing, boom)
    with pytest.raises(StateError, match=r"cannot write .*file\.json: simulated I/O error"):
        write_atomic(target, b"new content")
    monkeypatch.undo()
    assert target.read_bytes() == b"old content"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file.json"]


def test_write_atomic_into_missing_directory_is_a_state_error(tmp_path: Path) -> None:
    with pytest.raises(StateError, match="cannot write"):
        write_atomic(tmp_path / "missing" / "file", b"x")


def test_append_durable_appends_whole_lines(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    append_durable(log, b'{"a":1}')
    append_durable(log, b'{"b":2}\n')
    assert log.read_bytes() == b'{"a":1}\n{"b":2}\n'
    assert stat.S_IMODE(log.stat().st_mode) == 0o600


def test_append_durable_refuses_more_than_one_line(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="exactly one line"):
        append_durable(tmp_path / "log", b"one\ntwo\n")
    assert not (tmp_path / "log").exists()


def test_append_durable_is_durable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[int] = []
    real_fsync = os.fsync

    def spy(fd: int) -> None:
        synced.append(fd)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", spy)
    append_durable(tmp_path / "log", b"line")
    # The file, then its directory (it was new).
    assert len(synced) == 2
    append_durable(tmp_path / "log", b"line")
    assert len(synced) == 3


def test_canonical_json_is_sorted_compact_utf8() -> None:
    data = canonical_json({"b": [1, 2], "a": {"z": "é", "y": None}})
    assert data == '{"a":{"y":null,"z":"é"},"b":[1,2]}'.encode()
    assert canonical_json({"a": 1, "b": 2}) == canonical_json({"b": 2, "a": 1})


def test_canonical_json_refuses_nan() -> None:
    with pytest.raises(ValueError):
        canonical_json({"x": float("nan")})


def test_sha256_digest_format() -> None:
    assert sha256_digest(b"abc") == "sha256:" + hashlib.sha256(b"abc").hexdigest()
