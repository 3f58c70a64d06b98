"""YAML files to plain data that remembers where every key and value came from.

Built on pyyaml's *compose* step (libyaml when available): nodes carry marks, so every
error, including pydantic's and cross-document ones, can point at `path:LINE:COL`.
On top of the safe loader this module:
- resolves scalars with YAML 1.2 core rules: `21:00` stays a string (YAML 1.1 would read
  the sexagesimal integer 1260 while `08:00` stays a string), as do `yes`/`no`/`on`/`off`
  and dates; only `true`/`false`, `null`/`~`, decimal/hex/octal integers and floats are typed;
- refuses duplicate keys (pyyaml silently keeps the last one);
- refuses alias bombs (a budget on expanded nodes), recursive aliases, deep nesting (libyaml's
  composer recurses in C and crashes the interpreter far below any input size limit) and
  files over a size limit;
- reads several documents per file.
"""

from __future__ import annotations

import functools
import importlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.resolver import BaseResolver

from reconciler.desired.diagnostics import Diagnostic, Location

Loc = tuple[str | int, ...]

MAX_NODES_PER_DOCUMENT = 50_000  # far above any real document; stops "billion laughs"
MAX_DEPTH = 64  # real documents are about 5 levels deep
# Nesting needs one of these characters per level, or one more column of indentation
# (at most ~1,450 levels in 1 MiB); below this count libyaml is known safe (it crashes
# only beyond ~10,000 levels), so the slower depth pre-scan is skipped.
_NESTING_CHARS_SAFE = 5_000

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"


# YAML 1.2 core schema: only these plain scalars are typed; everything else is a string
# (no sexagesimals, no yes/no/on/off, no timestamps). Order matters: int before float.
_PLAIN_TYPES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")),
    (_INT, re.compile(r"^(?:[-+]?[0-9]+|0x[0-9a-fA-F]+|0o[0-7]+)$")),
    (
        _FLOAT,
        re.compile(
            r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
            r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
        ),
    ),
    (_NULL, re.compile(r"^(?:~|null|Null|NULL|)$")),
)
_KIND_TAGS = {yaml.ScalarNode: _STR, yaml.SequenceNode: _SEQ, yaml.MappingNode: _MAP}


@functools.lru_cache(maxsize=8192)  # spec files repeat the same plain scalars a lot
def _plain_tag(value: str) -> str:
    for tag, pattern in _PLAIN_TYPES:
        if pattern.match(value):
            return tag
    return _STR


class _CoreResolver(BaseResolver):
    """Resolves tags with the YAML 1.2 core schema; path resolvers are not used."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is yaml.ScalarNode and implicit[0]:
            return _plain_tag(value)
        return _KIND_TAGS[kind]

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        return None

    def ascend_resolver(self) -> None:
        return None


def _libyaml_parser() -> Any:
    try:
        module = importlib.import_module("yaml._yaml")
    except ImportError:  # pragma: no cover - pyyaml built without libyaml
        return None
    return getattr(module, "CParser", None)


_CParser: Any = _libyaml_parser()

if _CParser is not None:

    class _Composer(_CParser, _CoreResolver):  # type: ignore[misc]
        """libyaml parser and composer with the core resolver."""

        def __init__(self, stream: str) -> None:
            _CParser.__init__(self, stream)
            _CoreResolver.__init__(self)

else:  # pragma: no cover - exercised only where pyyaml was built without libyaml

    class _Composer(  # type: ignore[no-redef]
        yaml.reader.Reader,
        yaml.scanner.Scanner,
        yaml.parser.Parser,
        yaml.composer.Composer,
        _CoreResolver,
    ):
        """Pure-Python parser and composer with the core resolver."""

        def __init__(self, stream: str) -> None:
            yaml.reader.Reader.__init__(self, stream)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)
            yaml.composer.Composer.__init__(self)
            _CoreResolver.__init__(self)


@dataclass(frozen=True)
class YamlDocument:
    """One YAML document as plain data, with the position of every key and value."""

    path: str
    index: int  # 0-based position of the document in its file
    data: Any
    start: Location
    keys: dict[Loc, tuple[int, int]] = field(repr=False)
    values: dict[Loc, tuple[int, int]] = field(repr=False)

    def value_at(self, loc: Loc) -> Location:
        """Where the value at `loc` (or its deepest present ancestor) starts."""
        for end in range(len(loc), 0, -1):
            found = self.values.get(loc[:end])
            if found is not None:
                return Location(self.path, *found)
        return self.start

    def key_at(self, loc: Loc) -> Location:
        """Where the key naming `loc` (or its deepest present ancestor) starts."""
        for end in range(len(loc), 0, -1):
            prefix = loc[:end]
            found = self.keys.get(prefix) or self.values.get(prefix)
            if found is not None:
                return Location(self.path, *found)
        return self.start

    def has(self, loc: Loc) -> bool:
        """Whether the document holds a value at exactly `loc`."""
        return loc in self.values


class _Budget:
    def __init__(self, limit: int = 0) -> None:
        self.nodes = 0
        self.limit = limit


def _file_node_limit(text: str) -> int:
    """Nodes a whole file may expand to: real YAML has far fewer nodes than 2 per byte, so
    this stops many small alias bombs in one file (each under the per-document limit)."""
    return MAX_NODES_PER_DOCUMENT + 2 * len(text)


class _Reject(Exception):
    """Internal: stop converting a document and report `diagnostic`."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


# Paths and positions repeat across files of the same shape (10,000 campaign files share a
# few hundred); sharing one tuple per value keeps the position maps small (bench_plan.py).
_SHARED: dict[tuple[Any, ...], tuple[Any, ...]] = {}


def _shared(value: tuple[Any, ...]) -> tuple[Any, ...]:
    return _SHARED.setdefault(value, value)


@dataclass
class _Converter:
    path: str
    keys: dict[Loc, tuple[int, int]]
    values: dict[Loc, tuple[int, int]]
    problems: list[Diagnostic]
    budget: _Budget
    stack: set[int]
    root: yaml.Node | None = None
    file_budget: _Budget = field(default_factory=lambda: _Budget(MAX_NODES_PER_DOCUMENT))

    def where(self, node: yaml.Node) -> Location:
        mark = node.start_mark
        return Location(self.path, mark.line + 1, mark.column + 1)

    def reject(self, node: yaml.Node, code: str, message: str, hint: str | None = None) -> None:
        raise _Reject(Diagnostic.at(self.where(node), "error", code, message, hint))

    def convert(self, node: yaml.Node, loc: Loc) -> Any:
        self.budget.nodes += 1
        self.file_budget.nodes += 1
        if self.file_budget.nodes > self.file_budget.limit:
            self.reject(
                self.root or node,
                "too-many-nodes",
                f"the file expands to more than {self.file_budget.limit} nodes (alias bombs?)",
                "write the values out instead of repeating anchors and aliases",
            )
        if self.budget.nodes > MAX_NODES_PER_DOCUMENT:
            self.reject(
                self.root or node,  # the whole document is at fault, not the last node
                "too-many-nodes",
                f"document expands to more than {MAX_NODES_PER_DOCUMENT} nodes (an alias bomb?)",
                "write the values out instead of repeating anchors and aliases",
            )
        if len(loc) > MAX_DEPTH:
            self.reject(node, "too-deep", f"nesting deeper than {MAX_DEPTH} levels")
        mark = node.start_mark
        self.values[_shared(loc)] = _shared((mark.line + 1, mark.column + 1))
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node)
        if id(node) in self.stack:
            self.reject(node, "recursive-alias", "an alias refers to a node that contains it")
        self.stack.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                self.check_tag(node, _SEQ)
                return [self.convert(item, (*loc, i)) for i, item in enumerate(node.value)]
            assert isinstance(node, yaml.MappingNode)
            self.check_tag(node, _MAP)
            return self.mapping(node, loc)
        finally:
            self.stack.discard(id(node))

    def check_tag(self, node: yaml.Node, expected: str) -> None:
        if node.tag != expected:
            self.reject(node, "unsupported-tag", f"unsupported YAML tag {node.tag}")

    def mapping(self, node: yaml.MappingNode, loc: Loc) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.reject(key_node, "bad-key", "a mapping key must be a plain scalar")
            key = str(key_node.value)
            if key == "<<" and not key_node.style:  # plain `<<` is YAML 1.1's merge key
                self.reject(
                    key_node,
                    "merge-key",
                    "merge keys (<<) are not supported",
                    "write the fields out in each document",
                )
            child = (*loc, key)
            if key in result:
                first = self.keys[child]
                self.problems.append(
                    Diagnostic.at(
                        self.where(key_node),
                        "error",
                        "duplicate-key",
                        f"duplicate key `{key}` (first at line {first[0]})",
                        "remove one of them: YAML keeps only the last, silently",
                    )
                )
                continue
            self.keys[_shared(child)] = _shared(
                (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            )
            result[key] = self.convert(value_node, child)
        return result

    def scalar(self, node: yaml.ScalarNode) -> Any:
        tag, text = node.tag, node.value
        try:
            if tag == _STR:
                return text
            if tag == _NULL:
                return None
            if tag == _BOOL:
                return text.lower() == "true"
            if tag == _INT:
                return _to_int(text)
            if tag == _FLOAT:
                return _to_float(text)
        except ValueError:
            self.reject(node, "bad-scalar", f"{text!r} is not a valid {tag.rsplit(':', 1)[-1]}")
        self.reject(node, "unsupported-tag", f"unsupported YAML tag {tag}")
        return None  # unreachable: reject raises


def _to_int(text: str) -> int:
    if text.startswith(("0x", "0o")):
        return int(text, 0)
    return int(text, 10)


def _to_float(text: str) -> float:
    lowered = text.lower()
    if lowered.endswith(".inf"):
        return float("-inf") if lowered.startswith("-") else float("inf")
    if lowered == ".nan":
        return float("nan")
    return float(text)


def _first_too_deep(text: str) -> tuple[int, int] | None:
    """Line and column of the first collection nested deeper than MAX_DEPTH, if any.

    libyaml's event parser is not recursive, and the scan stops at the first collection
    over the limit, so it never meets the nesting limit some libyaml builds impose.
    """
    depth = 0
    for event in yaml.parse(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                mark = event.start_mark
                return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return None


def _too_deep(path: str, line: int, col: int) -> Diagnostic:
    message = f"nesting deeper than {MAX_DEPTH} levels"
    hint = "flatten the document: real specs are about 5 levels deep"
    return Diagnostic(path, line, col, "error", message, hint, "too-deep")


def _syntax_error(path: str, exc: yaml.YAMLError, text: str = "") -> Diagnostic:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    position = getattr(exc, "position", None)  # a ReaderError (e.g. a NUL byte) has no mark
    if mark is None and isinstance(position, int) and text:
        before = text[:position]
        line, col = before.count("\n") + 1, position - (before.rfind("\n") + 1) + 1
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    context_mark = getattr(exc, "context_mark", None)
    if context and context_mark is not None and context_mark.line + 1 != line:
        context += f" started at line {context_mark.line + 1}"
    message = f"YAML syntax error: {problem}" + (f" ({context})" if context else "")
    return Diagnostic(path, line, col, "error", message, None, "yaml-syntax")


def parse_yaml(text: str, path: str) -> tuple[list[YamlDocument], list[Diagnostic]]:
    """Every document of a file's text, and the problems found reading them."""
    problems: list[Diagnostic] = []
    documents: list[YamlDocument] = []
    try:
        if sum(text.count(c) for c in "[{-?") >= _NESTING_CHARS_SAFE:
            too_deep = _first_too_deep(text)
            if too_deep is not None:
                return [], [_too_deep(path, *too_deep)]
        composer = _Composer(text)
        file_budget = _Budget(_file_node_limit(text))
        try:
            for node in _nodes(composer):
                document = _document(node, path, len(documents), problems, file_budget)
                if document is not None:
                    documents.append(document)
                if file_budget.nodes > file_budget.limit:
                    break  # reported once; the rest of the file is not worth expanding
        finally:
            composer.dispose()
    except yaml.YAMLError as exc:
        problem = str(getattr(exc, "problem", "") or "")
        mark = getattr(exc, "problem_mark", None)
        if "nesting depth" in problem and mark is not None:  # a libyaml build's own limit
            problems.append(_too_deep(path, mark.line + 1, mark.column + 1))
        else:
            problems.append(_syntax_error(path, exc, text))
    except RecursionError:  # the pure-Python composer on deep input
        problems.append(_too_deep(path, 1, 1))
    return documents, problems


def _nodes(composer: Any) -> Iterator[yaml.Node]:
    while composer.check_node():
        yield composer.get_node()


def _document(
    node: yaml.Node, path: str, index: int, problems: list[Diagnostic], file_budget: _Budget
) -> YamlDocument | None:
    keys: dict[Loc, tuple[int, int]] = {}
    values: dict[Loc, tuple[int, int]] = {}
    converter = _Converter(path, keys, values, problems, _Budget(), set(), node, file_budget)
    start = converter.where(node)
    try:
        data = converter.convert(node, ())
    except _Reject as rejected:
        problems.append(rejected.diagnostic)
        return None
    return YamlDocument(path, index, data, start, keys, values)


@dataclass(frozen=True)
class SpecFile:
    """A spec file found under the spec directory."""

    relative: str  # posix path relative to the spec directory (sort key and digest input)
    display: str  # the path as shown in diagnostics
    path: Path


def discover(spec_dir: Path) -> list[SpecFile]:
    """Every `*.yaml`/`*.yml` file below `spec_dir`, in a stable (sorted) order.

    Hidden files and directories (a leading dot) are skipped, as git metadata and editor
    swap files live there.
    """
    found: list[SpecFile] = []
    display_root = _display_root(spec_dir)
    for candidate in spec_dir.rglob("*"):
        relative = candidate.relative_to(spec_dir)
        if any(part.startswith(".") for part in relative.parts):
            continue
        if candidate.suffix not in (".yaml", ".yml") or not candidate.is_file():
            continue
        rel = relative.as_posix()
        display = f"{display_root}/{rel}" if display_root not in ("", ".") else rel
        found.append(SpecFile(rel, display, candidate))
    found.sort(key=lambda f: f.relative)
    return found


def _display_root(spec_dir: Path) -> str:
    """The spec directory as given, relative to the working directory when inside it."""
    if spec_dir.is_absolute():
        try:
            return spec_dir.relative_to(Path.cwd()).as_posix()
        except ValueError:
            return spec_dir.as_posix()
    return spec_dir.as_posix()


def _too_large(where: Location, size: int | None, max_file_bytes: int) -> Diagnostic:
    """`size` is None when the file grew past the limit between stat and read."""
    bytes_ = "" if size is None else f" {size} bytes,"
    return Diagnostic.at(
        where,
        "error",
        "file-too-large",
        f"file is{bytes_} over the limit of {max_file_bytes} bytes",
        "split it into several files",
    )


def read_file(
    spec_file: SpecFile, max_file_bytes: int
) -> tuple[bytes | None, list[YamlDocument], list[Diagnostic]]:
    """A spec file's bytes and documents; bytes is None when the file could not be read."""
    where = Location(spec_file.display, 1, 1)
    try:
        size = spec_file.path.stat().st_size
        if size > max_file_bytes:
            return None, [], [_too_large(where, size, max_file_bytes)]
        raw = spec_file.path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return (
            None,
            [],
            [Diagnostic.at(where, "error", "unreadable-file", f"cannot read file: {reason}")],
        )
    if len(raw) > max_file_bytes:  # grew between stat and read
        return None, [], [_too_large(where, None, max_file_bytes)]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return (
            raw,
            [],
            [
                Diagnostic(
                    spec_file.display,
                    line,
                    col,
                    "error",
                    "file is not valid UTF-8",
                    "save it as UTF-8",
                    "not-utf8",
                )
            ],
        )
    documents, problems = parse_yaml(text, spec_file.display)
    return raw, documents, problems
