"""An API answer other than success, raised inside the emulator and rendered once."""

from __future__ import annotations

from typing import Any


class ApiProblem(Exception):
    """An error answer: HTTP status, the contract's error code, a message, extra fields."""

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra

    def body(self) -> dict[str, Any]:
        """The JSON body of the answer."""
        return {"error": self.code, "message": self.message, **self.extra}


def not_found(what: str) -> ApiProblem:
    """404 for an unknown resource or operation."""
    return ApiProblem(404, "not_found", f"{what} does not exist")


def invalid(details: list[dict[str, str]]) -> ApiProblem:
    """400 invalid_request with field details."""
    return ApiProblem(400, "invalid_request", "the request is invalid", details=details)
