"""sticky_comment.py against a fake GitHub: one comment per environment, edited in place."""

from __future__ import annotations

from pathlib import Path

import pytest
import sticky_comment
from github_api import GitHub

from tests.workflows.conftest import FakeGitHub

MARK = "<!-- reconciler:plan:prod -->"


def api(fake: FakeGitHub) -> GitHub:
    return GitHub("acme/dialers", str(fake.executable))


def thread(fake: FakeGitHub, pr: int = 7) -> list[dict[str, object]]:
    return list(fake.state()["comments"][str(pr)])


def test_created_once_then_updated_in_place(fake_gh: FakeGitHub) -> None:
    gh = api(fake_gh)
    action, first = sticky_comment.upsert_comment(gh, 7, MARK, f"{MARK}\nv1\n")
    assert action == "created"
    action, second = sticky_comment.upsert_comment(gh, 7, MARK, f"{MARK}\nv2\n")
    assert (action, second) == ("updated", first)
    assert [(c["id"], c["body"]) for c in thread(fake_gh)] == [(first, f"{MARK}\nv2\n")]
    assert sticky_comment.upsert_comment(gh, 7, MARK, f"{MARK}\nv2\n") == ("unchanged", first)


def test_each_environment_keeps_its_own_comment(fake_gh: FakeGitHub) -> None:
    gh = api(fake_gh)
    dev = "<!-- reconciler:plan:dev -->"
    sticky_comment.upsert_comment(gh, 7, MARK, f"{MARK}\nprod\n")
    sticky_comment.upsert_comment(gh, 7, dev, f"{dev}\ndev\n")
    sticky_comment.upsert_comment(gh, 7, dev, f"{dev}\ndev again\n")
    assert [c["body"] for c in thread(fake_gh)] == [f"{MARK}\nprod\n", f"{dev}\ndev again\n"]


def test_found_past_the_first_page_and_never_a_quote(fake_gh: FakeGitHub) -> None:
    others = [{"id": i, "body": f"comment {i}"} for i in range(1, 151)]
    quote = {"id": 151, "body": f"> {MARK}\n> quoted by a reviewer"}
    ours = {"id": 152, "body": f"{MARK}\nold"}
    fake_gh.seed(comments={"7": [*others, quote, ours]})
    assert sticky_comment.upsert_comment(api(fake_gh), 7, MARK, f"{MARK}\nnew") == ("updated", 152)
    bodies = {c["id"]: c["body"] for c in thread(fake_gh)}
    assert bodies[151] == quote["body"] and bodies[152] == f"{MARK}\nnew"
    pages = [p for m, p in fake_gh.calls() if m == "GET"]
    assert pages == [
        "repos/acme/dialers/issues/7/comments?per_page=100&page=1",
        "repos/acme/dialers/issues/7/comments?per_page=100&page=2",
    ]


def test_a_body_without_its_marker_is_refused(fake_gh: FakeGitHub) -> None:
    with pytest.raises(ValueError, match="must start with the marker"):
        sticky_comment.upsert_comment(api(fake_gh), 7, MARK, "no marker")
    assert fake_gh.calls() == []


def test_cli(fake_gh: FakeGitHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    body = tmp_path / "comment.md"
    body.write_text(f"{MARK}\nplan\n")
    argv = ["--repo", "acme/dialers", "--pr", "9", "--marker", MARK]
    argv += ["--body-file", str(body), "--gh", str(fake_gh.executable)]
    assert sticky_comment.main(argv) == 0
    assert sticky_comment.main(argv) == 0
    assert len(thread(fake_gh, 9)) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("created comment") and out[1].startswith("unchanged comment")
