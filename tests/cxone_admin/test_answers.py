"""Answers that are not what the API documents, over sockets: a located ProtocolError that
echoes nothing secret, never a traceback."""

from __future__ import annotations

import pytest

from reconciler.dialer_v1 import errors
from tests.cxone_admin.conftest import Served

GROUPS = "/inContactAPI/services/v30.0/dnc-groups"
TOKEN = "eyJhbGciOiJSUzI1NiJ9.SECRETPART"


@pytest.mark.parametrize(
    "body",
    [
        f'{{"access_token": "{TOKEN}"',  # cut short
        f"access_token={TOKEN}&token_type=bearer",  # a form answer
    ],
)
async def test_a_token_answer_that_is_not_json_is_never_echoed(served: Served, body: str) -> None:
    served.emu.faults.replace_body(body, path="/auth/token", content_type="text/plain")
    async with served.client() as client:
        with pytest.raises(errors.ProtocolError) as caught:
            await client.list_dnc_groups()
    assert "SECRETPART" not in str(caught.value) and "access_token" not in str(caught.value)
    assert "/auth/token" in str(caught.value)


async def test_json_nested_too_deeply_is_a_protocol_error(served: Served) -> None:
    served.emu.faults.replace_body("[" * 100_000, method="GET", path=GROUPS)
    async with served.client() as client:
        with pytest.raises(errors.ProtocolError, match="nested too deeply"):
            await client.list_dnc_groups()


async def test_an_error_answer_nested_too_deeply_is_still_an_api_error(served: Served) -> None:
    served.emu.faults.replace_body(
        "[" * 100_000 + "]" * 100_000, status=400, method="GET", path=GROUPS
    )
    async with served.client() as client:
        with pytest.raises(errors.ApiError) as caught:
            await client.list_dnc_groups()
    assert caught.value.status == 400
