"""A query the API refused (400), explained in the words of the command line.

`audit` and `metrics` hand their options to the API as query parameters. When the server
refuses one, a bare "the request is invalid" leaves the user guessing; this names the
option, the value given and what the server said about it.
"""

from __future__ import annotations

from collections.abc import Mapping

from reconciler.dialer_v1.errors import ValidationError

# API parameter -> (command-line option, the value given or None when not given)
QueryOptions = Mapping[str, tuple[str, object]]

TIME_HINT = (
    "check --from and --to: ISO 8601 times such as 2026-11-24T00:00:00Z, --from before --to, "
    "in a range the API accepts"
)
_TIME_PARAMETERS = ("from", "to")


def _given(options: QueryOptions, parameter: str) -> str:
    option, value = options.get(parameter, ("", None))
    return f" ({option} {value!r})" if option and value is not None else ""


def explain_refusal(exc: ValidationError, options: QueryOptions) -> ValidationError:
    """The same refusal, saying which option and value the server objected to."""
    named = [p for p in exc.details if p.field]
    if named:
        message = "the API refused the query: " + "; ".join(
            f"`{p.field}`{_given(options, p.field)}: {p.message or 'refused'}" for p in named
        )
        fields = {p.field for p in named}
    else:
        sent = ", ".join(f"{o} {v!r}" for o, v in options.values() if v is not None)
        message = "the API refused the query without naming a parameter; it was sent " + (
            sent or "no options"
        )
        fields = set(_TIME_PARAMETERS)
    wrong_time = bool(fields & set(_TIME_PARAMETERS)) and any(
        options.get(p, ("", None))[1] is not None for p in _TIME_PARAMETERS
    )
    return ValidationError(
        message,
        details=exc.details,
        method=exc.method,
        path=exc.path,
        status=exc.status,
        hint=TIME_HINT if wrong_time else "correct the option and run the command again",
    )
