"""A document with errors, rebuilt from its valid parts, so the rules still judge the rest.

One unknown key must not hide the same document's capacity, abandonment and calling-hours
errors. Terraform keeps evaluating a configuration with errors by giving every invalid
expression an *unknown* value: checks that need it are skipped, the others run. Same here:
every part of a document at or around a validation error becomes `UNKNOWN`, the valid parts
keep their values, and a rule that touches `UNKNOWN` (compares it, formats it, reads an
attribute...) raises `UnknownValue`, which stops that rule there (`judged`).

"Around" an error includes the fields *left out* of a mapping with an error: a default is no
evidence of what the user meant when the mapping also holds a misspelt key (a typo'd
`abandonment_rate_targt: 0.01` must not be judged as the default 0.03). So a rule never
reports a problem the user did not write; it only stays silent until the error is fixed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from typing import Annotated, Any, NoReturn, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from reconciler.desired.diagnostics import Diagnostic
from reconciler.desired.yaml_reader import Loc


class UnknownValue(Exception):
    """A rule used a value that is invalid in the spec or was left out beside an error."""


class _Unknown:
    """The value of an invalid part of a document: any use of it raises `UnknownValue`."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __getattr__(self, name: str) -> NoReturn:
        if name.startswith("__"):  # copy, pickle and friends probe optional hooks
            raise AttributeError(name)
        raise UnknownValue(name)

    def _refuse(self, *args: object) -> NoReturn:
        raise UnknownValue

    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = _refuse
    __hash__ = __bool__ = __len__ = __iter__ = __contains__ = __getitem__ = _refuse
    __str__ = __format__ = __float__ = __int__ = __index__ = __round__ = _refuse
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _refuse
    __truediv__ = __rtruediv__ = __neg__ = __abs__ = _refuse


UNKNOWN: Any = _Unknown()

T = TypeVar("T")

# A model-level check the model itself failed when run on a rebuilt part: (where, message).
Finding = tuple[Loc, str]


def salvage(
    model_cls: type[BaseModel], data: dict[str, Any], problems: Iterable[Loc]
) -> tuple[BaseModel, list[Finding]]:
    """`model_cls` built from `data` with every part at or around a problem `UNKNOWN`.

    Also returns what the model's own cross-field checks say about the rebuilt parts:
    pydantic skips them when a field fails, so these are errors the first pass could not
    report (checks that need an unknown field are skipped, never guessed).
    """
    findings: list[Finding] = []
    model = _rebuild(model_cls, data, (), tuple(_trimmed(p) for p in problems), findings)
    return model, findings


def judged(check: Callable[..., None], *args: Any, sink: list[Diagnostic]) -> None:
    """Run one rule until it touches an unknown value, if it does.

    What it reported before stands: each finding was worded from the values it used, and
    every one of those was known (using an unknown one raises first).
    """
    try:
        check(*args, sink)
    except UnknownValue:
        return  # the rest of the rule needs a value the spec got wrong


def given(value: T) -> T:
    """`value` itself; `UnknownValue` when it is `UNKNOWN` (an isinstance test would just
    say no)."""
    if value is UNKNOWN:
        raise UnknownValue
    return value


def known(read: Callable[..., object], *args: object) -> bool:
    """Whether `read(*args)` gets by without an unknown value, nor returns one (or a tuple
    holding one)."""
    try:
        value = read(*args)
    except UnknownValue:
        return False
    return all(v is not UNKNOWN for v in (value if isinstance(value, tuple) else (value,)))


def _trimmed(loc: Sequence[Any]) -> Loc:
    # pydantic ends a mapping key's error with the marker "[key]": the problem is the key.
    parts = tuple(loc)
    return parts[: parts.index("[key]")] if "[key]" in parts else parts


def _rebuild(
    model_cls: type[BaseModel],
    data: dict[str, Any],
    loc: Loc,
    problems: tuple[Loc, ...],
    findings: list[Finding],
) -> BaseModel:
    values: dict[str, Any] = {}
    for name in model_cls.model_fields:
        here = (*loc, name)
        values[name] = (
            _part(model_cls, name, data[name], here, problems, findings)
            if name in data
            else UNKNOWN  # left out beside an error: see the module's docstring
        )
    model = model_cls.model_construct(_fields_set=set(values), **values)
    if any(v is UNKNOWN for v in values.values()):
        # A check may test `field is None` and conclude without using the field, which
        # UNKNOWN cannot catch ("a preview dialer has no dial_ratio"): run none of them.
        return model
    for decorator in model_cls.__pydantic_decorators__.model_validators.values():
        if decorator.info.mode != "after":
            continue
        try:
            decorator.func(model)
        except UnknownValue:
            continue
        except ValueError as exc:
            findings.append((loc, str(exc)))
            # As in a valid document: a part that fails its own check is in error whole.
            return UNKNOWN if loc else model
    return model


def _part(
    model_cls: type[BaseModel],
    name: str,
    value: Any,
    loc: Loc,
    problems: tuple[Loc, ...],
    findings: list[Finding],
) -> Any:
    if loc in problems:
        return UNKNOWN
    below = tuple(p for p in problems if p[: len(loc)] == loc)
    if not below:
        try:
            return _adapter(model_cls, name).validate_python(value, strict=True)
        except ValidationError:  # valid in the document, so unexpected: still no guess
            return UNKNOWN
    inner = _model_of(model_cls.model_fields[name].annotation)
    if inner is None or not isinstance(value, dict):
        return UNKNOWN  # a list or map with a bad item: the rules read it whole
    return _rebuild(inner, value, loc, below, findings)


@functools.cache
def _adapter(model_cls: type[BaseModel], name: str) -> TypeAdapter[Any]:
    info = model_cls.model_fields[name]
    field_type: Any = Annotated[info.annotation, info]  # the field's type and constraints
    return TypeAdapter(field_type)


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The model a field holds directly (`Model` or `Model | None`), else None."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    members = [a for a in getattr(annotation, "__args__", ()) if a is not type(None)]
    if len(members) == 1 and isinstance(members[0], type) and issubclass(members[0], BaseModel):
        return members[0]
    return None
