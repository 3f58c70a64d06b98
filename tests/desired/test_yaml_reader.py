"""The YAML loader: core-schema scalars, positions, documents, discovery."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.desired.yaml_reader import discover, parse_yaml


def _data(text: str) -> object:
    documents, problems = parse_yaml(text, "f.yaml")
    assert problems == []
    return [d.data for d in documents]


def test_times_stay_strings_not_sexagesimal_integers() -> None:
    # YAML 1.1 (pyyaml's default) reads 21:00 as 1260 but 08:00 as "08:00".
    assert _data("start: 08:00\nend: 21:00\n") == [{"start": "08:00", "end": "21:00"}]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("yes", "yes"),
        ("on", "on"),
        ("2024-01-01", "2024-01-01"),
        ("true", True),
        ("False", False),
        ("~", None),
        ("", None),
        ("010", 10),
        ("0x1F", 31),
        ("-3", -3),
        ("1.5", 1.5),
        ("1e3", 1000.0),
        ("'50'", "50"),
        ("!!str 50", "50"),
    ],
)
def test_scalar_resolution(text: str, value: object) -> None:
    assert _data(f"v: {text}\n") == [{"v": value}]


def test_positions_of_keys_and_values() -> None:
    documents, _ = parse_yaml("a:\n  b: [1, {c: 2}]\n", "f.yaml")
    doc = documents[0]
    assert doc.key_at(("a", "b")).render() == "f.yaml:2:3"
    assert doc.value_at(("a", "b")).render() == "f.yaml:2:6"
    assert doc.value_at(("a", "b", 1, "c")).render() == "f.yaml:2:14"
    # An absent path falls back to its deepest present ancestor.
    assert doc.value_at(("a", "b", 1, "zzz")).render() == "f.yaml:2:10"


def test_several_documents_and_their_starts() -> None:
    documents, problems = parse_yaml("a: 1\n---\nb: 2\n---\n", "f.yaml")
    assert problems == []
    assert [(d.index, d.data, d.start.line) for d in documents] == [
        (0, {"a": 1}, 1),
        (1, {"b": 2}, 3),
        (2, None, 5),
    ]


def test_aliases_within_budget_are_expanded() -> None:
    assert _data("base: &b [national]\nlists: *b\n") == [
        {"base": ["national"], "lists": ["national"]}
    ]


def test_recursive_alias_is_refused() -> None:
    _, problems = parse_yaml("a: &x [*x]\n", "f.yaml")
    assert [(p.line, p.col, p.code) for p in problems] == [(1, 4, "recursive-alias")]


def test_duplicate_keys_all_reported() -> None:
    _, problems = parse_yaml("a: 1\nb: 2\na: 3\nb: 4\n", "f.yaml")
    assert [(p.line, p.message) for p in problems] == [
        (3, "duplicate key `a` (first at line 1)"),
        (4, "duplicate key `b` (first at line 2)"),
    ]


def test_quoted_merge_key_is_an_ordinary_key() -> None:
    assert _data('"<<": 1\n') == [{"<<": 1}]


def test_discovery_is_sorted_recursive_and_skips_hidden(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for rel in ("b.yaml", "a/z.yml", "a/b.yaml", ".git/x.yaml", "a/.swap.yaml", "notes.txt"):
        path = tmp_path / "env" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}\n")
    monkeypatch.chdir(tmp_path)
    found = discover(Path("env"))
    assert [f.relative for f in found] == ["a/b.yaml", "a/z.yml", "b.yaml"]
    assert [f.display for f in found] == ["env/a/b.yaml", "env/a/z.yml", "env/b.yaml"]
    # An absolute directory below the working directory is shown relative to it.
    assert discover(tmp_path / "env")[0].display == "env/a/b.yaml"
