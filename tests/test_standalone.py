"""The repository stands alone: nothing points outside it, and its docs hold together.

Every tracked file is scanned (this one too: the pattern is assembled from pieces, so it
never spells what it looks for); every relative Markdown link must resolve inside the
repository, anchors included; and the figures docs/capacity-model.md quotes are the code's.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from reconciler.capacity import solve_pd1

REPO_ROOT = Path(__file__).resolve().parents[1]

# Developer notes kept beside the repository, never part of it: no tracked file may point
# at that directory or cite one of those notes.
_OUTSIDE_DIR = "shared"
_OUTSIDE_NOTES = ("API-" + "CONTRACT", "REAL-" + "CXONE", "DOMAIN", "INTERFACE", "STYLE")
OUTSIDE = re.compile(
    r"(?:\.\./|/work/)" + _OUTSIDE_DIR + r"\b"
    r"|" + "|".join(re.escape(n) + (r"\b" if "-" in n else r"\.md\b") for n in _OUTSIDE_NOTES),
    re.IGNORECASE,
)
MARKDOWN_LINK = re.compile(r"(?<!!)\[[^\]\n]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$")


def tracked_files() -> list[Path]:
    """Every file git tracks in this checkout, and new ones not ignored (about to be)."""
    git = shutil.which("git")
    if git is None or not (REPO_ROOT / ".git").exists():
        pytest.skip("not a git checkout: the tracked files are unknown")
    out = subprocess.run(
        [git, "-C", str(REPO_ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout
    return [REPO_ROOT / name for name in out.decode().split("\0") if name]


def outside_references(text: str) -> list[tuple[int, str]]:
    """(line number, line) of every line that points outside the repository."""
    return [
        (number, line.strip())
        for number, line in enumerate(text.splitlines(), start=1)
        if OUTSIDE.search(line)
    ]


def test_no_tracked_file_points_outside_the_repository() -> None:
    files = tracked_files()
    assert len(files) > 100 and Path(__file__).resolve() in files
    found = []
    for path in files:
        if not path.is_file():  # deleted in the work tree, not yet committed
            continue
        text = path.read_bytes().decode("utf-8", errors="ignore")
        found += [
            f"{path.relative_to(REPO_ROOT)}:{n}: {line}" for n, line in outside_references(text)
        ]
    assert found == [], "\n".join(found)


@pytest.mark.parametrize(
    "line",
    # Assembled, so that this file does not contain what it forbids.
    [
        "see ../" + "shared/tools/fresh-ci",
        "as /work/" + "shared/seed says",
        "the rules of DOMAIN" + ".md",
        "the api-" + "contract's §4",
        "(REAL-" + "CXONE.md)",
        "interface" + ".md's shape",
        "house STYLE" + ".md",
    ],
)
def test_the_scan_finds_each_kind_of_outside_reference(line: str) -> None:
    """A check that can fail: each forbidden form is caught, mid-sentence and in any case."""
    assert outside_references(f"first line\n{line}\n") == [(2, line)]


@pytest.mark.parametrize(
    "line", ["docs/dialer-api.md §4", "the shared models", "domain facts", "a STYLE guide"]
)
def test_the_scan_leaves_ordinary_words_alone(line: str) -> None:
    assert outside_references(line) == []


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to '-'."""
    text = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", r"\1", heading).strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors_of(path: Path) -> set[str]:
    """The anchors of every heading in a Markdown file (outside code fences)."""
    anchors: set[str] = set()
    fenced = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and (match := HEADING.match(line)):
            anchors.add(github_anchor(match.group(1)))
    return anchors


def broken_links(path: Path) -> list[str]:
    """Relative links in `path` whose file or anchor does not exist inside the repository."""
    problems = []
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.DOTALL)
    for target in MARKDOWN_LINK.findall(text):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto: ...
            continue
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        if not linked.is_relative_to(REPO_ROOT):
            problems.append(f"{target}: outside the repository")
        elif not linked.exists():
            problems.append(f"{target}: no such file")
        elif anchor and linked.suffix == ".md" and anchor not in anchors_of(linked):
            problems.append(f"{target}: no heading with that anchor")
    return problems


MARKDOWN_FILES = sorted(
    p.relative_to(REPO_ROOT).as_posix()
    for p in [REPO_ROOT / "README.md", *(REPO_ROOT / "docs").glob("*.md")]
)


@pytest.mark.parametrize("name", MARKDOWN_FILES)
def test_relative_links_resolve_inside_the_repository(name: str) -> None:
    assert broken_links(REPO_ROOT / name) == []


def test_the_link_check_can_fail(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(f"{__name__}.REPO_ROOT", tmp_path)
    (tmp_path / "other.md").write_text("# A heading, with `code`\n")
    page = tmp_path / "page.md"
    page.write_text(
        "[ok](other.md#a-heading-with-code) [self](#top) [web](https://example.com)\n"
        "# Top\n[gone](missing.md) [bad anchor](other.md#nope) [out](../elsewhere.md)\n"
    )
    assert broken_links(page) == [
        "missing.md: no such file",
        "other.md#nope: no heading with that anchor",
        "../elsewhere.md: outside the repository",
    ]


def test_the_readme_and_the_docs_link_each_other() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    for doc in ("docs/dialer-api.md", "docs/capacity-model.md", "docs/emulator.md", "docs/ci.md"):
        assert f"]({doc}" in readme, doc
    api = (REPO_ROOT / "docs" / "dialer-api.md").read_text(encoding="utf-8")
    emulator = (REPO_ROOT / "docs" / "emulator.md").read_text(encoding="utf-8")
    assert "](emulator.md" in api and "](dialer-api.md" in emulator


def test_the_api_reference_keeps_the_section_numbers_code_comments_cite() -> None:
    """Comments say "contract §N": every N cited anywhere is a section of dialer-api.md."""
    headings = anchors_of(REPO_ROOT / "docs" / "dialer-api.md")
    sections = {int(a.split("-")[0]) for a in headings if a.split("-")[0].isdigit()}
    assert sections == set(range(1, 11))
    cited: set[int] = set()
    for path in tracked_files():
        if path.suffix in (".py", ".json", ".md") and path.is_file():
            text = path.read_text(encoding="utf-8", errors="ignore")
            for first, last in re.findall(r"[Cc]ontract §(\d+)(?:-§(\d+))?", text):
                cited |= set(range(int(first), int(last or first) + 1))
    assert cited and cited <= sections, sorted(cited - sections)


def documented_pd1_rows() -> list[list[str]]:
    """The rows of the PD-1 table in docs/capacity-model.md: n, c, abandonment, occupancy, dials."""
    text = (REPO_ROOT / "docs" / "capacity-model.md").read_text(encoding="utf-8")
    table = text.split("| agents `n` | ratio `c` |", 1)[1].split("\n\n", 1)[0]
    rows = [line.strip("| ").split(" | ") for line in table.splitlines()[2:]]
    assert len(rows) >= 3
    return rows


@pytest.mark.parametrize("row", documented_pd1_rows(), ids=lambda r: f"n{r[0]}-c{r[1]}")
def test_the_documented_pd1_figures_are_the_exact_solution(row: list[str]) -> None:
    agents, ratio, abandonment, occupancy, dial_rate = row
    exact = solve_pd1(int(agents), float(ratio), 180.0, 20.0, 0.25, 10_000)
    assert f"{exact.abandonment_rate * 100:.3f}%" == abandonment
    assert f"{exact.occupancy:.4f}" == occupancy
    assert f"{exact.dial_rate:.4f}" == dial_rate


def test_the_documented_worked_example_is_the_closed_form() -> None:
    text = (REPO_ROOT / "docs" / "capacity-model.md").read_text(encoding="utf-8")
    exact = solve_pd1(10, 1.0, 180.0, 20.0, 0.25, 10_000)
    assert f"**{exact.occupancy:.6f}**" in text and f"**{exact.dial_rate:.6f}**" in text


def test_fresh_ci_is_an_executable_bash_script() -> None:
    script = REPO_ROOT / "tools" / "fresh-ci"
    assert script.stat().st_mode & 0o111
    bash = shutil.which("bash")
    assert bash is not None
    subprocess.run([bash, "-n", str(script)], check=True, timeout=30)
    usage = subprocess.run([bash, str(script), "--no-such-flag"], capture_output=True, timeout=30)
    assert usage.returncode == 2 and b"unknown argument" in usage.stderr
