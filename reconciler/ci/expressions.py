"""GitHub Actions expressions (`${{ ... }}`): the subset the workflows use, with its semantics.

Literals, context paths (`steps.plan.outputs.exit-code`, `a['b']`), `!`, `==`, `!=`, `<`, `<=`,
`>`, `>=`, `&&`, `||`, parentheses and the functions `fromJSON`, `toJSON`, `contains`,
`startsWith`, `endsWith`, `format`, `join` and the status checks. As on GitHub: `&&` and `||`
return an operand, string comparison ignores case, values of different types are compared
as numbers, and a missing property is null.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reconciler.errors import ConfigError

_TOKEN = re.compile(
    r"\s*(?:"
    r"(?P<number>-?(?:0x[0-9a-fA-F]+|\d+(?:\.\d+)?(?:[eE][-+]?\d+)?))"
    r"|(?P<string>'(?:[^']|'')*')"
    r"|(?P<op>==|!=|<=|>=|&&|\|\||[<>!()\[\].,*])"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_-]*)"
    r")"
)
_TEMPLATE = re.compile(r"\$\{\{((?:(?!\}\}).)*)\}\}", re.DOTALL)
STATUS_FUNCTIONS = ("success", "failure", "always", "cancelled")


@dataclass(frozen=True)
class Status:
    """What the status-check functions answer for the step or job being decided."""

    failed: bool = False
    cancelled: bool = False


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise ConfigError(f"cannot read the expression {text!r} at {text[pos:]!r}")
        kind = match.lastgroup or ""
        out.append((kind, match.group(kind)))
        pos = match.end()
    return out


def truthy(value: Any) -> bool:
    """GitHub's truthiness: false, 0, '', null and NaN are false."""
    if isinstance(value, float) and math.isnan(value):
        return False
    return value not in (False, 0, "", None)


def _number(value: Any) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        if text == "":
            return 0.0
        try:
            return float(int(text, 16)) if text.lower().startswith("0x") else float(text)
        except ValueError:
            return math.nan
    return math.nan


def _compare(op: str, left: Any, right: Any) -> bool:
    if isinstance(left, str) and isinstance(right, str):
        a: Any = left.casefold()
        b: Any = right.casefold()
    elif type(left) is type(right) and isinstance(left, (dict, list)):
        # Objects and arrays are equal only when they are the same instance.
        return (left is right) == (op == "==") if op in ("==", "!=") else False
    else:
        a, b = _number(left), _number(right)
        if math.isnan(a) or math.isnan(b):
            return op == "!="
    result: bool = {
        "==": a == b,
        "!=": a != b,
        "<": a < b,
        "<=": a <= b,
        ">": a > b,
        ">=": a >= b,
    }[op]
    return result


def to_string(value: Any) -> str:
    """How a value is written into a string: null is empty, booleans are lower case."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dict, list)):
        return json.dumps(value, indent=2)
    return str(value)


def _property(value: Any, name: Any) -> Any:
    if isinstance(value, Mapping):
        if name in value:
            return value[name]
        # Context properties are case-insensitive.
        wanted = str(name).casefold()
        for key, item in value.items():
            if str(key).casefold() == wanted:
                return item
        return None
    if isinstance(value, list) and isinstance(name, (int, float)) and 0 <= int(name) < len(value):
        return value[int(name)]
    return None


class _Parser:
    def __init__(
        self, text: str, contexts: Mapping[str, Any], status: Status, functions: Mapping[str, Any]
    ) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.pos = 0
        self.contexts = contexts
        self.status = status
        self.functions = functions

    def peek(self) -> str | None:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else None

    def take(self, expected: str | None = None) -> tuple[str, str]:
        if self.pos >= len(self.tokens):
            raise ConfigError(f"the expression {self.text!r} ends too early")
        token = self.tokens[self.pos]
        if expected is not None and token[1] != expected:
            raise ConfigError(f"expected {expected!r} in {self.text!r}, found {token[1]!r}")
        self.pos += 1
        return token

    def parse(self) -> Any:
        value = self.or_()
        if self.pos != len(self.tokens):
            raise ConfigError(f"unexpected {self.peek()!r} in the expression {self.text!r}")
        return value

    def or_(self) -> Any:
        value = self.and_()
        while self.peek() == "||":
            self.take()
            right = self.and_()
            value = value if truthy(value) else right
        return value

    def and_(self) -> Any:
        value = self.comparison()
        while self.peek() == "&&":
            self.take()
            right = self.comparison()
            value = right if truthy(value) else value
        return value

    def comparison(self) -> Any:
        value = self.unary()
        while self.peek() in ("==", "!=", "<", "<=", ">", ">="):
            op = self.take()[1]
            value = _compare(op, value, self.unary())
        return value

    def unary(self) -> Any:
        if self.peek() == "!":
            self.take()
            return not truthy(self.unary())
        return self.postfix(self.primary())

    def postfix(self, value: Any) -> Any:
        while self.peek() in (".", "["):
            if self.take()[1] == ".":
                kind, name = self.take()
                if kind != "name" and name != "*":
                    raise ConfigError(f"expected a property name in {self.text!r}")
                value = _property(value, name)
            else:
                key = self.or_()
                self.take("]")
                value = _property(value, key)
        return value

    def primary(self) -> Any:
        kind, text = self.take()
        if kind == "number":
            return _number(text)
        if kind == "string":
            return text[1:-1].replace("''", "'")
        if text == "(":
            value = self.or_()
            self.take(")")
            return value
        if kind != "name":
            raise ConfigError(f"unexpected {text!r} in the expression {self.text!r}")
        if text in ("true", "false"):
            return text == "true"
        if text == "null":
            return None
        if self.peek() == "(":
            return self.call(text)
        return _property(self.contexts, text)

    def call(self, name: str) -> Any:
        self.take("(")
        args: list[Any] = []
        while self.peek() != ")":
            args.append(self.or_())
            if self.peek() == ",":
                self.take()
        self.take(")")
        lowered = name.lower()
        if lowered in STATUS_FUNCTIONS:
            return {
                "success": not self.status.failed and not self.status.cancelled,
                "failure": self.status.failed,
                "always": True,
                "cancelled": self.status.cancelled,
            }[lowered]
        function = next((f for n, f in self.functions.items() if n.lower() == lowered), None)
        if function is None:
            raise ConfigError(f"the player does not know the function {name}()")
        return function(*args)


def _format(template: str, *args: Any) -> str:
    return re.sub(r"\{(\d+)\}", lambda m: to_string(args[int(m.group(1))]), template)


def _join(items: Any, sep: str = ",") -> str:
    return sep.join(to_string(i) for i in items) if isinstance(items, list) else to_string(items)


def _contains(haystack: Any, needle: Any) -> bool:
    if isinstance(haystack, list):
        return any(_compare("==", item, needle) for item in haystack)
    return to_string(needle).casefold() in to_string(haystack).casefold()


FUNCTIONS: Mapping[str, Callable[..., Any]] = {
    "fromJSON": lambda text: json.loads(to_string(text)),
    "toJSON": lambda value: json.dumps(value, indent=2),
    "contains": _contains,
    "startsWith": lambda s, p: to_string(s).casefold().startswith(to_string(p).casefold()),
    "endsWith": lambda s, p: to_string(s).casefold().endswith(to_string(p).casefold()),
    "format": _format,
    "join": _join,
}


def evaluate(text: str, contexts: Mapping[str, Any], status: Status = Status()) -> Any:
    """The value of one expression (the text between `${{` and `}}`)."""
    return _Parser(text, contexts, status, FUNCTIONS).parse()


def interpolate(value: Any, contexts: Mapping[str, Any], status: Status = Status()) -> Any:
    """A workflow value with its `${{ }}` evaluated; a lone expression keeps its type."""
    if isinstance(value, str):
        whole = _TEMPLATE.fullmatch(value.strip())
        if whole is not None:
            return evaluate(whole.group(1), contexts, status)
        return _TEMPLATE.sub(lambda m: to_string(evaluate(m.group(1), contexts, status)), value)
    if isinstance(value, Mapping):
        return {k: interpolate(v, contexts, status) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        return [interpolate(v, contexts, status) for v in value]
    return value


def condition(text: Any, contexts: Mapping[str, Any], status: Status) -> bool:
    """An `if:`; without a status function it means `success() && (...)`, as on GitHub."""
    if text is None or text == "":
        return not status.failed and not status.cancelled
    if isinstance(text, bool):
        return text and not status.failed and not status.cancelled
    source = str(text).strip()
    whole = _TEMPLATE.fullmatch(source)
    if whole is not None:
        source = whole.group(1)
    if not any(re.search(rf"\b{f}\s*\(", source, re.IGNORECASE) for f in STATUS_FUNCTIONS):
        source = f"success() && ({source})"
    return truthy(evaluate(source, contexts, status))
