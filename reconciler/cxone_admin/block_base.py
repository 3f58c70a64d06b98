"""How a parameter block is read, checked and written: the base of every block model.

A PC dialer campaign is an outbound skill whose settings live in blocks of the CXone admin
API (`/skills/{id}/parameters/...`), each written whole by a synchronous PUT with no
versionTag. Field names are the API's own (camelCase) and every field is optional: a spec
manages only the fields it writes (`model_fields_set`), and a server answer keeps whatever
it sent.

Two ways in, one way out:
- `Block.from_spec(data)`: strict, for spec files. Exact field names (or a documented
  second spelling), strict types, every documented range; all problems are raised at once
  as one pydantic `ValidationError` with the standard error types (`extra_forbidden`,
  `less_than_equal`...), so the spec layer can locate each and suggest a spelling.
- `Block.from_server(data)`: lenient, for what a server answers. Keys in any letter case
  and in either shape (aggregated GET, single-block GET, PUT: see `shapes.py`); types
  coerced only where no meaning changes ("5" -> 5, 5.0 -> 5, "true" -> True, never a
  boolean into a number); ranges not enforced (a tenant may hold values the 2021 docs did
  not allow); unknown fields kept verbatim, so a whole-block PUT built from
  a read never drops a field a newer API version added.
- `block.to_put_json()` / `block.wrapped()`: the PUT form (`{"generalSettings": {...}}`),
  and `block_digest(block)`: sha256 of the canonical form, the tag a plan records, since the
  API has none.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo
from pydantic import ValidationError as PydanticValidationError
from pydantic.functional_validators import AfterValidator
from pydantic_core import InitErrorDetails

from reconciler.cxone_admin import shapes

BlockName = Literal[
    "generalSettings",
    "cpaSettings",
    "retrySettings",
    "scheduleSettings",
    "timeZoneSettings",
    "deliveryPreferences",
    "xsSettings",
]


_STRICT = {"strict": True}
_LENIENT = {"strict": False}
_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_CLOCK_SECONDS = re.compile(r"^(([01]\d|2[0-3]):[0-5]\d):00$")

B = TypeVar("B", bound="Block")


def _no_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("expected a number, got a boolean")
    return value


def _clock_time(value: str, info: ValidationInfo) -> str:
    strict = bool((info.context or {}).get("strict"))
    if not strict:
        # "08:00:00" is "08:00"; any other text is kept as the server wrote it.
        match = _CLOCK_SECONDS.match(value)
        return match.group(1) if match else value
    if not _CLOCK.match(value):
        raise ValueError('expected a time of day "HH:MM" (00:00-23:59)')
    return value


Int = Annotated[int, BeforeValidator(_no_bool)]
Num = Annotated[float, BeforeValidator(_no_bool)]
ClockTime = Annotated[str, AfterValidator(_clock_time)]


def bounded(low: float, high: float, doc: str = "") -> Any:
    """An optional field with the documented range (checked by `from_spec`, not on reads)."""
    return Field(
        default=None,
        description=doc or None,
        json_schema_extra={"minimum": low, "maximum": high},
    )


class Part(BaseModel):
    """Base of every block and block item: unknown keys kept (see `from_spec` for refusal)."""

    model_config = ConfigDict(extra="allow", frozen=True, allow_inf_nan=False)
    ALIASES: ClassVar[Mapping[str, str]] = {}  # other documented spellings -> field name


def _range_errors(model: type[BaseModel], values: Any, loc: tuple[str | int, ...]) -> list[Any]:
    """`less_than_equal`/`greater_than_equal` errors for numbers outside documented ranges."""
    if not isinstance(values, Mapping):
        return []
    found: list[Any] = []
    for name, info in model.model_fields.items():
        value = values.get(name)
        inner = shapes.nested_model(info.annotation)
        if inner is not None and isinstance(value, list):
            for index, item in enumerate(value):
                found += _range_errors(inner, item, (*loc, name, index))
            continue
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        low, high = extra.get("minimum"), extra.get("maximum")
        if low is None or not isinstance(value, (int, float)) or isinstance(value, bool):
            continue
        assert isinstance(low, (int, float)) and isinstance(high, (int, float))
        if value < low:
            found.append(error_detail("greater_than_equal", (*loc, name), value, {"ge": low}))
        elif value > high:
            found.append(error_detail("less_than_equal", (*loc, name), value, {"le": high}))
    return found


def _extra_errors(model: type[BaseModel], values: Any, loc: tuple[str | int, ...]) -> list[Any]:
    """`extra_forbidden` for every key the model does not define, recursively."""
    if not isinstance(values, Mapping):
        return []
    found: list[Any] = []
    for key, value in values.items():
        info = model.model_fields.get(key)
        if info is None:
            found.append(error_detail("extra_forbidden", (*loc, key), value))
            continue
        inner = shapes.nested_model(info.annotation)
        if inner is not None and isinstance(value, list):
            for index, item in enumerate(value):
                found += _extra_errors(inner, item, (*loc, key, index))
    return found


def error_detail(
    kind: str, loc: tuple[str | int, ...], value: Any, ctx: dict[str, Any] | None = None
) -> InitErrorDetails:
    detail: InitErrorDetails = {"type": kind, "loc": loc, "input": value}
    if ctx is not None:
        detail["ctx"] = ctx
    return detail


def as_init(error: Any) -> InitErrorDetails:
    detail: InitErrorDetails = {"type": error["type"], "loc": error["loc"], "input": error["input"]}
    if "ctx" in error:
        detail["ctx"] = error["ctx"]
    return detail


def value_error(loc: tuple[str | int, ...], value: Any, message: str) -> InitErrorDetails:
    return error_detail("value_error", loc, value, {"error": ValueError(message)})


class Block(Part):
    """One parameter block; subclasses name it (`BLOCK`) and its URL segment (`PATH`)."""

    BLOCK: ClassVar[BlockName]
    PATH: ClassVar[str]

    # --- in ------------------------------------------------------------------------------

    @classmethod
    def _spec_input(cls, data: Any) -> Mapping[str, Any]:
        if not isinstance(data, Mapping):
            raise cls._invalid([error_detail("dict_type", (), data)])
        return data

    @classmethod
    def _server_input(cls, data: Any) -> Mapping[str, Any]:
        if not isinstance(data, Mapping):
            raise cls._invalid([error_detail("dict_type", (), data)])
        return data

    @classmethod
    def _invalid(cls, errors: list[InitErrorDetails]) -> PydanticValidationError:
        return PydanticValidationError.from_exception_data(cls.__name__, errors)

    @classmethod
    def from_spec(cls: type[B], data: Any) -> B:
        """Strict: a spec's block (PUT form), every problem raised at once."""
        bound = shapes.bind_keys(cls, cls._spec_input(data), fold=False)
        problems = [value_error((key,), None, "given twice") for key in bound.duplicates]
        problems += _extra_errors(cls, bound.values, ())
        problems += _range_errors(cls, bound.values, ())
        known = {k: v for k, v in bound.values.items() if k in cls.model_fields}
        try:
            block = cls.model_validate(known, strict=True, context=_STRICT)
        except PydanticValidationError as exc:
            problems += [as_init(e) for e in exc.errors()]
        if problems:
            raise cls._invalid(problems)
        return block

    @classmethod
    def from_server(cls: type[B], data: Any) -> B:
        """Lenient: a server's block in any documented shape; unknown fields kept."""
        try:
            shaped = cls._server_input(data)
        except ValueError as exc:
            if isinstance(exc, PydanticValidationError):
                raise
            raise cls._invalid([value_error((), data, str(exc))]) from exc
        values = shapes.bind_keys(cls, shaped, fold=True).values
        return cls.model_validate(values, context=_LENIENT)

    # --- out -----------------------------------------------------------------------------

    def to_put_json(self) -> Any:
        """The block as a PUT sends it (only the fields set; integral numbers as ints)."""
        return shapes.integral_numbers(self.model_dump(mode="json", exclude_unset=True))

    def wrapped(self) -> dict[str, Any]:
        """The PUT body: `{"<block>": <block>}`."""
        return {self.BLOCK: self.to_put_json()}

    def canonical(self) -> Any:
        """The form digests are computed over (set-like lists sorted)."""
        return self.to_put_json()

    def range_errors(self) -> list[InitErrorDetails]:
        """Values outside the documented ranges (what the server refuses with a 400)."""
        return _range_errors(type(self), self.to_put_json(), ())

    def overlay(self: B, desired: B) -> B:
        """This (live) block with `desired`'s fields written over it: a whole-block PUT."""
        merged = {**self.to_put_json(), **desired.to_put_json()}
        return type(self).from_server(merged)


def canonical_bytes(value: Any) -> bytes:
    """Sorted keys, compact, UTF-8, integral floats as ints: equal values, equal bytes."""
    text = json.dumps(
        shapes.integral_numbers(value),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )
    return text.encode("utf-8")


def block_digest(block: Block) -> str:
    """'sha256:<hex>' of the block's canonical form: its tag, as the API keeps none."""
    return "sha256:" + hashlib.sha256(canonical_bytes(block.canonical())).hexdigest()
