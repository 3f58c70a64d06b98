"""The hash-chained audit log: chain, tamper detection, redaction, actor and commit."""

from __future__ import annotations

import itertools
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from reconciler.errors import StateError
from reconciler.state.atomic import canonical_json
from reconciler.state.audit import (
    GENESIS,
    AuditLog,
    detect_actor,
    detect_git_commit,
    entry_digest,
)

from .conftest import FakeClock


def filled_log(tmp_path: Path, clock: FakeClock, count: int = 4) -> AuditLog:
    log = AuditLog(tmp_path / "audit.jsonl", clock=clock)
    log.append("apply-started", actor="github:ana", plan_digest="sha256:p", git_commit=None)
    for index in range(2, count):
        log.append(
            "write",
            kind="Campaign",
            name=f"C{index}",
            version_tag_before="v1",
            version_tag_after="v2",
            outcome="succeeded",
        )
    log.append("apply-finished", result="applied")
    return log


def lines(log: AuditLog) -> list[bytes]:
    return log.path.read_bytes().splitlines(keepends=True)


def test_chain_links_and_verifies(tmp_path: Path, clock: FakeClock) -> None:
    log = filled_log(tmp_path, clock)
    entries = list(log.entries())
    assert [e["seq"] for e in entries] == [1, 2, 3, 4]
    assert entries[0]["prev"] == GENESIS
    for before, after in itertools.pairwise(entries):
        assert after["prev"] == before["digest"]
    assert all(e["digest"] == entry_digest(e) for e in entries)
    assert entries[0]["timestamp"] == "2026-11-24T05:15:00.000000Z"
    assert entries[1]["event"] == "write" and entries[1]["version_tag_after"] == "v2"
    result = log.verify()
    assert (result.ok, result.entries, result.problem, result.line) == (True, 4, None, None)


def test_empty_log_verifies(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    assert log.verify().ok and log.verify().entries == 0
    assert list(log.entries()) == []


def test_edited_line_is_detected(tmp_path: Path, clock: FakeClock) -> None:
    log = filled_log(tmp_path, clock)
    content = lines(log)
    content[1] = content[1].replace(b'"succeeded"', b'"failed"')
    log.path.write_bytes(b"".join(content))
    result = log.verify()
    assert not result.ok and result.line == 2 and "modified" in (result.problem or "")


def test_edited_line_with_recomputed_digest_breaks_the_next_link(
    tmp_path: Path, clock: FakeClock
) -> None:
    log = filled_log(tmp_path, clock)
    content = lines(log)
    entry: dict[str, Any] = json.loads(content[1])
    entry["outcome"] = "failed"
    entry["digest"] = entry_digest(entry)
    content[1] = canonical_json(entry) + b"\n"
    log.path.write_bytes(b"".join(content))
    result = log.verify()
    assert not result.ok and result.line == 3 and "chain is broken" in (result.problem or "")


def test_deleted_middle_line_is_detected(tmp_path: Path, clock: FakeClock) -> None:
    log = filled_log(tmp_path, clock)
    content = lines(log)
    del content[1]
    log.path.write_bytes(b"".join(content))
    result = log.verify()
    assert not result.ok and result.line == 2 and "expected seq 2" in (result.problem or "")


def test_deleted_last_line_is_detected(tmp_path: Path, clock: FakeClock) -> None:
    log = filled_log(tmp_path, clock)
    log.path.write_bytes(b"".join(lines(log)[:-1]))
    result = log.verify()
    assert not result.ok and "missing" in (result.problem or "") and result.line == 4


def test_reordered_lines_are_detected(tmp_path: Path, clock: FakeClock) -> None:
    log = filled_log(tmp_path, clock)
    content = lines(log)
    content[1], content[2] = content[2], content[1]
    log.path.write_bytes(b"".join(content))
    result = log.verify()
    assert not result.ok and result.line == 2


def test_crash_before_head_update_still_verifies(tmp_path: Path, clock: FakeClock) -> None:
    log = filled_log(tmp_path, clock)
    head = log.head_path.read_bytes()
    log.append("apply-finished", result="applied")
    log.head_path.write_bytes(head)  # the head write never happened
    assert log.verify().ok
    log.append("next", result="x")  # and the log keeps growing
    assert log.verify().ok and log.verify().entries == 6


def test_secrets_are_redacted_at_any_depth(tmp_path: Path, clock: FakeClock) -> None:
    log = AuditLog(tmp_path / "audit.jsonl", clock=clock)
    entry = log.append(
        "write",
        webhook_token="s3cret-token",
        request={"headers": {"Authorization": "Bearer abc"}, "body": [{"clientSecret": "x"}]},
        password="hunter2",
        note="Bearer eyJhbGciOi",
        token_resent=True,
        version_tag_before="v1",
    )
    text = log.path.read_text()
    for secret in ("s3cret-token", "Bearer abc", "hunter2", "eyJhbGciOi", '"x"'):
        assert secret not in text
    assert entry["webhook_token"] == "(redacted)"
    assert entry["request"]["headers"]["Authorization"] == "(redacted)"
    assert entry["request"]["body"][0]["clientSecret"] == "(redacted)"
    assert entry["token_resent"] is True
    assert entry["version_tag_before"] == "v1"
    assert log.verify().ok


def test_reserved_field_names_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="seq"):
        AuditLog(tmp_path / "audit.jsonl").append("x", seq=3)


@pytest.mark.parametrize("cut", [1, 10])
def test_torn_last_line_refuses_to_append(tmp_path: Path, clock: FakeClock, cut: int) -> None:
    log = filled_log(tmp_path, clock)
    data = log.path.read_bytes()
    log.path.write_bytes(data[:-cut])
    with pytest.raises(StateError, match="cannot be extended"):
        log.append("more")
    assert log.path.read_bytes() == data[:-cut]
    assert not log.verify().ok


def test_tampered_last_line_refuses_to_append(tmp_path: Path, clock: FakeClock) -> None:
    log = filled_log(tmp_path, clock)
    log.path.write_bytes(log.path.read_bytes().replace(b'"applied"', b'"failed"'))
    with pytest.raises(StateError, match="does not match its digest"):
        log.append("more")


def test_append_finds_the_tail_of_a_long_log(tmp_path: Path, clock: FakeClock) -> None:
    log = AuditLog(tmp_path / "audit.jsonl", clock=clock)
    log.append("big", payload="x" * 100_000)  # one line longer than the tail chunk
    log.append("big", payload="y" * 150_000)
    entry = log.append("small")
    assert entry["seq"] == 3
    assert log.verify().ok


def test_detect_actor() -> None:
    assert detect_actor({"GITHUB_ACTOR": "ana", "USER": "root"}) == "github:ana"
    assert detect_actor({"GITLAB_USER_LOGIN": "bo", "USER": "root"}) == "bo"
    assert detect_actor({"BUILD_REQUESTEDFOR": "Cy D", "USER": "root"}) == "Cy D"
    assert detect_actor({"GITHUB_ACTOR": " ", "USER": "root"}) == "root"
    assert detect_actor({"USERNAME": "win"}) == "win"
    assert detect_actor({}) == "unknown"


def test_detect_git_commit(tmp_path: Path) -> None:
    assert detect_git_commit(tmp_path) is None  # not a repository
    assert detect_git_commit(tmp_path / "missing") is None
    env = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
    }
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True, env=env, timeout=30)
    assert detect_git_commit(repo) is None  # no commit yet
    subprocess.run(
        ["git", "-C", str(repo), "commit", "-q", "--allow-empty", "-m", "x"],
        check=True,
        env=env,
        timeout=30,
    )
    head = (
        subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "HEAD"],
            check=True,
            env=env,
            capture_output=True,
            timeout=30,
        )
        .stdout.decode()
        .strip()
    )
    assert detect_git_commit(repo) == head


def test_detect_git_commit_without_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert detect_git_commit(tmp_path) is None
