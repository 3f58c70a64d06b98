"""A document with errors is still judged on its valid parts, and never on a guess.

The corpus (test_bad_inputs.py) pins exact cases; these tests state the two promises as
properties: a mistake hides nothing that fixing it would not reveal in the same way, and a
mistake never adds an error about anything but itself.
"""

from __future__ import annotations

import copy
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.desired import validate_spec_dir
from reconciler.desired.salvage import UNKNOWN, UnknownValue, known
from reconciler.desired.yaml_reader import discover, read_file

ROOT = Path(__file__).resolve().parents[2]
BAD = Path(__file__).parent / "fixtures" / "bad"

# Directories of plain documents to make mistakes in: valid ones, ones with warnings, and
# ones whose errors come from the rules (which a mistake elsewhere must not change).
SOURCES = [
    ROOT / "specs" / "example",
    *(
        BAD / case
        for case in (
            "warn-pacing",
            "warn-trunk-overlap",
            "warn-ca-weekend",
            "warn-uk-safe-harbour",
            "calling-hours-once",
            "calling-hours-tenant-narrower",
            "us-abandonment-cap",
            "dnc-national",
            "seed-trunk-capacity",
            "tenant-abandonment-cap",
            "verify-interval",
        )
    ),
]

Docs = list[list[dict[str, Any]]]  # the documents of each file, in file order


def _documents(spec_dir: Path) -> Docs:
    files = []
    for spec_file in discover(spec_dir):
        _, documents, problems = read_file(spec_file, 1_048_576)
        assert problems == []
        files.append([d.data for d in documents if d.data is not None])
    return files


def _errors(files: Docs) -> set[tuple[str, str, str]]:
    """(file, code, message) of every error: positions move when a mistake adds a line."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "env"
        root.mkdir()
        for i, docs in enumerate(files):
            text = yaml.safe_dump_all(docs, sort_keys=False)
            (root / f"f{i:02d}.yaml").write_text(text)
        _, diagnostics = validate_spec_dir(root)
        return {
            (Path(d.path).name, d.code, d.message) for d in diagnostics if d.severity == "error"
        }


def _places(value: Any, loc: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], bool]]:
    """(loc, is_mapping) of every value under `value`, but the envelope's apiVersion/kind."""
    out: list[tuple[tuple[Any, ...], bool]] = []
    if isinstance(value, dict):
        if loc:
            out.append((loc, True))
        for key, child in value.items():
            if loc or key not in ("apiVersion", "kind"):
                out += _places(child, (*loc, key))
    elif isinstance(value, list):
        out.append((loc, False))
        for i, child in enumerate(value):
            out += _places(child, (*loc, i))
    else:
        out.append((loc, False))
    return out


def _dotted(loc: tuple[Any, ...]) -> str:
    return "".join(
        f"[{p}]" if isinstance(p, int) else ("." if i else "") + p for i, p in enumerate(loc)
    )


def _at(data: Any, loc: tuple[Any, ...]) -> Any:
    for part in loc:
        data = data[part]
    return data


MISTAKES = ("unknown key", "wrong type")


@settings(max_examples=120, deadline=None, derandomize=True)
@given(st.data())
def test_a_mistake_never_adds_an_error_about_anything_else(data: st.DataObject) -> None:
    source = data.draw(st.sampled_from(SOURCES), label="spec dir")
    files = _documents(source)
    where = [(f, d) for f, docs in enumerate(files) for d in range(len(docs))]
    f, d = data.draw(st.sampled_from(where), label="document")
    loc, is_mapping = data.draw(st.sampled_from(_places(files[f][d])), label="place")
    mistake = data.draw(st.sampled_from(MISTAKES if is_mapping else MISTAKES[1:]))
    changed = copy.deepcopy(files)
    if mistake == "unknown key":
        _at(changed[f][d], loc)["zz_misspelt"] = 1
        about = "zz_misspelt"
    else:
        parent = _at(changed[f][d], loc[:-1])
        parent[loc[-1]] = {"oops": 1} if isinstance(parent[loc[-1]], list) else [1]
        about = f"`{_dotted(loc)}`"
    before, after = _errors(files), _errors(changed)
    invented = {e for e in after - before if about not in e[2]}
    assert invented == set()
    assert any(about in e[2] for e in after - before) or about in str(before)


def test_fixing_the_misspelt_key_only_removes_its_own_error(tmp_path: Path) -> None:
    case = tmp_path / "env"
    shutil.copytree(BAD / "unknown-field-hides-nothing", case)
    with_typo = _codes_at(case)
    campaign = case / "campaign.yaml"
    campaign.write_text(
        campaign.read_text().replace("warm_line_timout_sec", "warm_line_timeout_sec")
    )
    assert _codes_at(case) == [c for c in with_typo if c[2] != "unknown-field"]
    assert len(with_typo) == 6


def _codes_at(spec_dir: Path) -> list[tuple[int, int, str, str]]:
    _, diagnostics = validate_spec_dir(spec_dir)
    return [(d.line, d.col, d.code, d.message) for d in diagnostics if d.severity == "error"]


@pytest.mark.parametrize(
    ("broken", "code"), [("kind: [Tenant", "yaml-syntax"), ("kind: Tenat", "unknown-kind")]
)
def test_a_document_that_cannot_be_read_may_have_been_the_tenant(
    broken: str, code: str, tmp_path: Path
) -> None:
    # Under Canada's rules this campaign breaks one rule, under the US default two: with
    # the Tenant unreadable, the rules that depend on it stay silent instead of guessing US.
    shutil.copytree(BAD / "tenant-error-keeps-jurisdiction", tmp_path / "env")
    tenant = tmp_path / "env" / "tenant.yaml"
    tenant.write_text(tenant.read_text().replace("kind: Tenant", broken))
    assert {c for _, _, c, _ in _codes_at(tmp_path / "env")} == {code}
    tenant.unlink()  # no Tenant at all: the default jurisdiction (US) applies
    assert {c for _, _, c, _ in _codes_at(tmp_path / "env")} == {
        "us-calling-hours",
        "us-abandonment-cap",
    }


@pytest.mark.parametrize(
    "use",
    [
        lambda u: u == 1,
        lambda u: u < 1,
        lambda u: hash(u),
        lambda u: bool(u),
        lambda u: f"{u}",
        lambda u: str(u),
        lambda u: u.start,
        lambda u: u * 2,
        lambda u: 2 * u,
        lambda u: [*u],
        lambda u: "x" in u,
        lambda u: u in ["x"],
        lambda u: min(u, 1),
    ],
)
def test_any_use_of_an_unknown_value_raises(use: Any) -> None:
    with pytest.raises(UnknownValue):
        use(UNKNOWN)
    assert repr(UNKNOWN) == "UNKNOWN"  # debugging output stays readable
    assert copy.deepcopy([UNKNOWN])[0] is not None


def test_known_looks_inside_tuples() -> None:
    assert known(lambda: (1, "a"))
    assert not known(lambda: (1, UNKNOWN))
    assert not known(lambda: UNKNOWN.start)
    assert known(lambda: None)
