"""One YAML document to one validated document model, every problem located."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from reconciler.desired.catalog import (
    BODY_MODELS,
    DOCUMENT_MODELS,
    DOCUMENT_TYPES,
    NAMED_BODY_KINDS,
    DocumentModel,
)
from reconciler.desired.diagnostics import Diagnostic, Location, did_you_mean
from reconciler.desired.models import (
    API_VERSION,
    ENV_NAME_PATTERN,
    HHMM_PATTERN,
    TenantDocument,
    field_paths,
    model_in,
)
from reconciler.desired.salvage import judged, salvage
from reconciler.desired.yaml_reader import Loc, YamlDocument


@dataclass(frozen=True)
class ParsedDocument:
    """A document's model and the YAML it came from (for locating later problems).

    When the document has errors, its invalid parts are `salvage.UNKNOWN` in the model.
    """

    kind: str
    model: DocumentModel
    yaml: YamlDocument

    @property
    def name(self) -> str:
        """`metadata.name`."""
        return self.model.metadata.name

    def at(self, loc: Loc) -> Location:
        """Where the value at `loc` starts (or its nearest present ancestor)."""
        return self.yaml.value_at(loc)

    def key(self, loc: Loc) -> Location:
        """Where the key naming `loc` starts (or its nearest present ancestor)."""
        return self.yaml.key_at(loc)


def parse_document(doc: YamlDocument, sink: list[Diagnostic]) -> ParsedDocument | None:
    """Validate one document; problems go to `sink`.

    None when the document is not a mapping of a known kind and apiVersion; otherwise the
    model, with its invalid parts `UNKNOWN` when it has errors (see `salvage`), so the
    rules still judge the rest of it.
    """
    data = doc.data
    if data is None:
        return None  # an empty document (e.g. after a trailing `---`), as kubectl skips it
    if not isinstance(data, dict):
        sink.append(
            Diagnostic.at(
                doc.start,
                "error",
                "not-a-mapping",
                "a document must be a mapping with apiVersion, kind, metadata and spec",
            )
        )
        return None
    kind = _check_envelope(doc, data, sink)
    if kind is None:
        return None
    prepared = _prepare(doc, kind, data, sink)
    model_cls = DOCUMENT_MODELS[kind]
    try:
        model: BaseModel = model_cls.model_validate(prepared)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        model, hidden = salvage(model_cls, prepared, [e["loc"] for e in errors])
        errors += [_model_check_error(loc, message) for loc, message in hidden]
        for error in errors:
            diagnostic = _from_pydantic(doc, model_cls, error)
            if diagnostic is not None:
                sink.append(diagnostic)
    assert isinstance(model, DOCUMENT_TYPES)
    if isinstance(model, TenantDocument):
        judged(_check_ignore_paths, doc, model, sink=sink)
    return ParsedDocument(kind, model, doc)


def _model_check_error(loc: Loc, message: str) -> ErrorDetails:
    """A model's cross-field check that failed on a salvaged part, as pydantic reports one."""
    return {"type": "value_error", "loc": loc, "msg": message, "input": None}


def _check_envelope(doc: YamlDocument, data: dict[str, Any], sink: list[Diagnostic]) -> str | None:
    """The document's kind when apiVersion and kind are right; else report and None."""
    version = data.get("apiVersion")
    if version is None:
        sink.append(
            Diagnostic.at(
                doc.start,
                "error",
                "missing-field",
                "missing required field `apiVersion`",
                f"add `apiVersion: {API_VERSION}`",
            )
        )
    elif version != API_VERSION:
        sink.append(
            Diagnostic.at(
                doc.value_at(("apiVersion",)),
                "error",
                "api-version",
                f"unsupported apiVersion {version!r}: use `{API_VERSION}`",
            )
        )
    kind = data.get("kind")
    if kind is None:
        sink.append(
            Diagnostic.at(
                doc.start,
                "error",
                "missing-field",
                "missing required field `kind`",
                "one of " + ", ".join(DOCUMENT_MODELS),
            )
        )
        return None
    if not isinstance(kind, str) or kind not in DOCUMENT_MODELS:
        guess = did_you_mean(str(kind), DOCUMENT_MODELS)
        message = f"unknown kind {kind!r}" + (f": did you mean `{guess}`?" if guess else "")
        sink.append(
            Diagnostic.at(
                doc.value_at(("kind",)),
                "error",
                "unknown-kind",
                message,
                "one of " + ", ".join(DOCUMENT_MODELS),
            )
        )
        return None
    return kind if version == API_VERSION else None


def _prepare(
    doc: YamlDocument, kind: str, data: dict[str, Any], sink: list[Diagnostic]
) -> dict[str, Any]:
    """Inject `metadata.name` into an API body and pull out what YAML must not carry."""
    spec = data.get("spec")
    if kind not in NAMED_BODY_KINDS or not isinstance(spec, dict):
        return data
    spec = dict(spec)
    metadata = data.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    # README, The spec format: a DialerSettings spec is the settings body, which holds `name`;
    # accepted when it repeats metadata.name. Campaign and Webhook specs exclude it.
    settings_name_agrees = kind == "DialerSettings" and spec.get("name") == name
    if "name" in spec and not settings_name_agrees:
        message = (
            f"`spec.name` {spec.get('name')!r} differs from `metadata.name` {name!r}"
            if kind == "DialerSettings"
            else "`spec.name` is not allowed: the name comes from `metadata.name`"
        )
        sink.append(
            Diagnostic.at(
                doc.key_at(("spec", "name")),
                "error",
                "name-in-spec",
                message,
                "remove `spec.name` and set `metadata.name`",
            )
        )
    # Errors on the injected name are reported once, at metadata.name.
    spec["name"] = name if isinstance(name, str) and name else "-"
    if kind == "Webhook":
        auth = spec.get("auth")
        if isinstance(auth, dict) and "token" in auth:
            sink.append(
                Diagnostic.at(
                    doc.key_at(("spec", "auth", "token")),
                    "error",
                    "literal-secret",
                    "a literal webhook token is refused: secrets never live in the repo",
                    "use `token_from: {env: NAME}` and set NAME in the environment of apply",
                )
            )
            spec["auth"] = {k: v for k, v in auth.items() if k != "token"}
            # The literal-secret error already says to add token_from: no second error.
            spec["auth"].setdefault("token_from", {"env": "WEBHOOK_TOKEN"})
    return {**data, "spec": spec}


_TYPE_WORDS = {
    "int_type": "an integer",
    "float_type": "a number",
    "string_type": "a string",
    "bool_type": "true or false",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "list_type": "a list",
    "int_from_float": "an integer",
    "literal_error": None,
}
_RANGE_TYPES = {
    "greater_than",
    "greater_than_equal",
    "less_than",
    "less_than_equal",
    "too_short",
    "too_long",
    "string_too_short",
    "string_too_long",
}


# Patterns a person should not have to read: what they mean instead.
_PATTERN_WORDS = {
    HHMM_PATTERN: 'a time of day "HH:MM", 00:00 to 23:59 or 24:00, e.g. "08:00"',
    ENV_NAME_PATTERN: "an environment variable name: letters, digits and _, not first a digit",
}


def _dotted(loc: Loc) -> str:
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        else:
            parts.append(("." if parts else "") + part)
    return "".join(parts)


def _describe(value: Any) -> str:
    if isinstance(value, _Hidden):
        return repr(value)
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "null"
    return f"{type(value).__name__} {value!r}"


class _Hidden:
    """Stands in for a value that may be a secret (anything under a webhook's `auth`)."""

    def __repr__(self) -> str:
        return "(value not shown: it may be a secret)"


def _from_pydantic(
    doc: YamlDocument, model_cls: type[BaseModel], error: ErrorDetails
) -> Diagnostic | None:
    loc: Loc = tuple(error["loc"])
    if loc[:2] == ("spec", "auth"):
        # A token pasted where the variable's name belongs must not reach CI logs.
        error = {**error, "input": _Hidden()}
    kind = error["type"]
    if loc[:2] == ("spec", "name"):
        return None  # the injected name: already reported at metadata.name
    msg = error["msg"].removeprefix("Value error, ").replace("Input should be", "should be")
    field_name = _dotted(loc)
    if kind == "extra_forbidden":
        key = str(loc[-1])
        candidates = _fields_of(model_cls, loc[:-1])
        guess = did_you_mean(key, candidates)
        inside = f" in `{_dotted(loc[:-1])}`" if len(loc) > 1 else ""
        message = f"unknown field `{key}`{inside}" + (f": did you mean `{guess}`?" if guess else "")
        hint = "allowed: " + ", ".join(sorted(candidates)) if candidates else None
        return Diagnostic.at(doc.key_at(loc), "error", "unknown-field", message, hint)
    if kind == "missing":
        parent = loc[:-1]
        inside = f" in `{_dotted(parent)}`" if parent else ""
        return Diagnostic.at(
            doc.key_at(parent) if parent else doc.start,
            "error",
            "missing-field",
            f"missing required field `{loc[-1]}`{inside}",
        )
    if loc and loc[-1] == "[key]":
        key_loc = loc[:-1]
        bad_key = str(key_loc[-1])
        guess = _literal_guess(bad_key, error)
        message = f"`{_dotted(key_loc[:-1])}` has an unknown key `{bad_key}`: {msg}" + (
            f"; did you mean `{guess}`?" if guess else ""
        )
        return Diagnostic.at(doc.key_at(key_loc), "error", "invalid-value", message)
    value = error.get("input")
    if kind in _TYPE_WORDS:
        return _type_error(doc, loc, kind, msg, value, error)
    if kind in _RANGE_TYPES:
        message = f"`{field_name}` {msg} (got {value!r})"
        return Diagnostic.at(doc.value_at(loc), "error", "out-of-range", message)
    if kind == "string_pattern_mismatch":
        pattern = str((error.get("ctx") or {}).get("pattern", ""))
        expected = _PATTERN_WORDS.get(pattern, msg)
        message = f"`{field_name}` {value!r} does not match the expected format ({expected})"
        return Diagnostic.at(doc.value_at(loc), "error", "invalid-value", message)
    prefix = f"`{field_name}`: " if loc else ""
    located = _mentioned_child(doc, loc, msg) or doc.value_at(loc)
    return Diagnostic.at(located, "error", "invalid-value", prefix + msg)


def _type_error(
    doc: YamlDocument, loc: Loc, kind: str, msg: str, value: Any, error: ErrorDetails
) -> Diagnostic:
    field_name = _dotted(loc)
    where = doc.value_at(loc)
    if kind == "literal_error":
        guess = _literal_guess(str(value), error)
        message = f"`{field_name}` {msg}, got {_describe(value)}" + (
            f": did you mean {guess!r}?" if guess else ""
        )
        return Diagnostic.at(where, "error", "invalid-value", message)
    expected = _TYPE_WORDS[kind]
    hint = None
    typed_kinds = ("int_type", "float_type", "bool_type")
    if isinstance(value, str) and kind in typed_kinds and _looks_typed(value):
        hint = f'remove the quotes: write {value}, not "{value}"'
    message = f"`{field_name}` must be {expected}, got {_describe(value)}"
    return Diagnostic.at(where, "error", "wrong-type", message, hint)


def _looks_typed(text: str) -> bool:
    """Whether a string would be a number or boolean without its quotes."""
    if text in ("true", "false"):
        return True
    try:
        float(text)
    except ValueError:
        return False
    return True


def _literal_guess(word: str, error: ErrorDetails) -> str | None:
    expected = str((error.get("ctx") or {}).get("expected", ""))
    return did_you_mean(word, re.findall(r"'([^']*)'", expected))


def _mentioned_child(doc: YamlDocument, loc: Loc, message: str) -> Location | None:
    """For a model-level error, the first child field the message names, if present."""
    best: tuple[int, Loc] | None = None
    for candidate in doc.keys:
        if len(candidate) == len(loc) + 1 and candidate[: len(loc)] == loc:
            found = re.search(rf"(?<![\w.]){re.escape(str(candidate[-1]))}\b", message)
            if found and (best is None or found.start() < best[0]):
                best = (found.start(), candidate)
    return doc.key_at(best[1]) if best else None


def model_at(model_cls: type[BaseModel], loc: Loc) -> type[BaseModel] | None:
    """The model that validates the mapping at `loc` below `model_cls`."""
    current: type[BaseModel] | None = model_cls
    for part in loc:
        if current is None:
            return None
        if isinstance(part, int):
            continue
        info = current.model_fields.get(str(part))
        if info is None:
            return None
        current = model_in(info.annotation)
    return current


def _fields_of(model_cls: type[BaseModel], loc: Loc) -> list[str]:
    found = model_at(model_cls, loc)
    if found is None:
        return []
    names = list(found.model_fields)
    if loc == ("spec",) and "name" in names and model_cls is not TenantDocument:
        names.remove("name")  # comes from metadata.name (kinds whose body has a name)
    return names


def _check_ignore_paths(doc: YamlDocument, model: TenantDocument, sink: list[Diagnostic]) -> None:
    """Each ignore_differences path must name a field of the kind's API body."""
    for i, rule in enumerate(model.spec.ignore_differences):
        body = BODY_MODELS[rule.kind]
        for j, path in enumerate(rule.paths):
            problem = _path_problem(body, path)
            if problem is not None:
                where = doc.value_at(("spec", "ignore_differences", i, "paths", j))
                sink.append(
                    Diagnostic.at(where, "error", "ignore-path-unknown", f"{rule.kind}: {problem}")
                )


def _path_problem(body: type[BaseModel], path: str) -> str | None:
    if path in field_paths(body):
        return None
    current: type[BaseModel] | None = body
    walked: list[str] = []
    for part in path.split("."):
        if current is None:
            return f"`{'.'.join(walked)}` has no fields, so `{path}` does not exist"
        if part not in current.model_fields or (part == "name" and not walked):
            candidates = [f for f in current.model_fields if walked or f != "name"]
            guess = did_you_mean(part, candidates)
            inside = f" in `{'.'.join(walked)}`" if walked else ""
            return f"unknown field `{part}`{inside} (path `{path}`)" + (
                f": did you mean `{'.'.join([*walked, guess])}`?" if guess else ""
            )
        walked.append(part)
        current = model_in(current.model_fields[part].annotation)
    return None
