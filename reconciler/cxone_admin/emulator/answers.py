"""How the emulated API answers: error bodies (in either dialect), JSON, 204, and the text
a request without `Accept: application/json` gets."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from reconciler.cxone_admin.emulator.config import ErrorBody
from reconciler.cxone_admin.wire import NOT_RENDERABLE

# The short code of each status, as the bare dialect answers it.
CODES = {
    400: "InvalidParameter",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "InvalidState",
    429: "TooManyRequests",
    500: "InternalServerError",
    502: "BadGateway",
    503: "ServiceUnavailable",
    504: "GatewayTimeout",
}


class AdminProblem(Exception):
    """An error answer: status and description (the code follows from the status)."""

    def __init__(self, status: int, description: str, code: str | None = None) -> None:
        super().__init__(f"{status}: {description}")
        self.status = status
        self.description = description
        self.code = code or CODES.get(status, "Error")


def problem_body(
    status: int, description: str, dialect: ErrorBody, code: str | None = None
) -> tuple[bytes, str]:
    """The body and content type of an error answer in `dialect`."""
    code = code or CODES.get(status, "Error")
    if dialect == "bare":
        return code.encode(), "text/plain; charset=utf-8"
    raw = json.dumps({"error": code, "errorDescription": description}).encode()
    return raw, "application/json"


def problem_response(
    problem: AdminProblem, dialect: ErrorBody, headers: dict[str, str] | None = None
) -> Response:
    """An AdminProblem as an answer."""
    raw, content_type = problem_body(problem.status, problem.description, dialect, problem.code)
    return Response(raw, status_code=problem.status, media_type=content_type, headers=headers)


def ok(data: Any, status: int = 200) -> Response:
    """A JSON answer."""
    return JSONResponse(data, status_code=status)


def no_content() -> Response:
    """204, no body (an empty list of DNC groups or scrubbed skills)."""
    return Response(status_code=204)


def accepts_json(request: Request) -> bool:
    """Whether the request asked for JSON (without it the API cannot render its answer)."""
    accept = request.headers.get("accept", "")
    return any(
        part.split(";")[0].strip().lower() == "application/json" for part in accept.split(",")
    )


def not_renderable() -> Response:
    """What the API answers a request without `Accept: application/json`."""
    return PlainTextResponse(NOT_RENDERABLE, status_code=200)
