"""Decoding answers: what came instead of JSON is described, located, and never echoed unsafely."""

from __future__ import annotations

import httpx
import pytest

from reconciler.dialer_v1 import errors, wire
from reconciler.dialer_v1.answers import Where, clip, decode_object

SETTINGS = "/api/v1/dialer/settings"


def answer(
    body: bytes, content_type: str = "application/json", status: int = 200
) -> httpx.Response:
    return httpx.Response(status, content=body, headers={"content-type": content_type})


def refused(body: bytes, content_type: str = "application/json", path: str = SETTINGS) -> str:
    with pytest.raises(errors.ProtocolError) as caught:
        decode_object(answer(body, content_type), "GET", path)
    error = caught.value
    assert (error.method, error.path, error.status) == ("GET", path, 200)
    assert error.hint
    return error.message


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (
            b"<!DOCTYPE html><html><head><title>Sign in | Portal</title></head><body/></html>",
            "text/html; charset=utf-8",
            "the answer is an HTML page (text/html; charset=utf-8, 79 bytes), not JSON:"
            " 'Sign in | Portal' (GET /api/v1/dialer/settings -> 200)",
        ),
        (
            b"No known way to render data",
            "text/plain",
            "the answer is text (text/plain, 27 bytes), not JSON: 'No known way to render data'"
            " (GET /api/v1/dialer/settings -> 200)",
        ),
        (b"", "", "the answer is empty, not JSON (GET /api/v1/dialer/settings -> 200)"),
        (b"  \n", "application/json", "the answer is empty, not JSON"),
        (
            b'{"name": "Predictive_Outbound_01", "concurrency": {"max_ag',
            "application/json",
            "the answer is JSON cut short (application/json, 58 bytes)",
        ),
        (b'{"name": "X",', "application/json", "the answer is JSON cut short"),
        (b'{"a": 1} trailing', "application/json", "the answer is malformed JSON (at character 9"),
        (b"null", "application/json", "the answer is null, not a JSON object"),
        (b"[]", "application/json", "the answer is a list, not a JSON object"),
        (b'"ok"', "application/json", "the answer is a string, not a JSON object"),
        (b'{"a": "\xc3\x28"}', "application/json", "the answer is not UTF-8 text"),
        (b"[" * 100_000 + b"]" * 100_000, "application/json", "nested too deeply"),
    ],
)
def test_what_came_instead_of_a_json_object_is_described(
    body: bytes, content_type: str, expected: str
) -> None:
    assert expected in refused(body, content_type)


@pytest.mark.parametrize(
    "body",
    [
        b"Invalid bearer token eyJhbGciOi for client ci",
        b"<html><title>session=abc123 expired</title></html>",
        b"secret: hunter2",
    ],
)
def test_text_that_may_carry_a_credential_is_not_echoed(body: bytes) -> None:
    message = refused(body, "text/plain")
    assert message.startswith("the answer is ") and "not JSON (GET" in message
    for word in (b"eyJhbGciOi", b"abc123", b"hunter2"):
        assert word.decode() not in message


def test_nothing_of_the_token_endpoints_answer_is_echoed() -> None:
    message = refused(b"No known way to render data", "text/plain", path="/oauth/token")
    assert "render" not in message
    cut = refused(b'{"access_token": "tok-9f8e7d6c5b4a", "expires_in', path="/oauth/token")
    assert "tok-9f8e7d6c5b4a" not in cut and "cut short" in cut


def test_echoed_text_is_cut_short_and_kept_on_one_line() -> None:
    message = refused(b"Upstream\x1b[31m failure " + b"x" * 500 + b"\nsecond line", "text/plain")
    shown = message.split("not JSON: ")[1].split(" (GET")[0]
    assert len(shown) <= 62 and shown.endswith("…'") and "\x1b" not in shown
    assert "second line" not in message
    assert clip("a\tb\nc") == "a b c"


def campaign(**changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "id": "c-000007",
        "versionTag": "v-1",
        "name": "Collections_East",
        "type": "preview",
        "concurrency": {"max_agents": 1, "max_simultaneous_calls": 1},
        "algorithm": {"type": "preview"},
        "calling_hours": {"start": "09:00", "end": "17:00", "timezone": "UTC"},
        "dnc_lists": ["national"],
    }
    for key, value in changes.items():
        if value is DROP:
            body.pop(key)
        else:
            body[key] = value
    return body


DROP = object()
PAGE = Where("GET", "/api/v1/campaigns", 200, listing="campaigns", page=2).item(3)


@pytest.mark.parametrize(
    ("changes", "resource", "field", "problem"),
    [
        (
            {"versionTag": DROP},
            "campaign 'Collections_East' (id 'c-000007')",
            "versionTag",
            "versionTag is missing",
        ),
        (
            {"versionTag": 42},
            "campaign 'Collections_East' (id 'c-000007')",
            "versionTag",
            "versionTag is a number, not a string",
        ),
        ({"versionTag": ""}, "campaign 'Collections_East'", "versionTag", "is an empty string"),
        ({"id": DROP}, "campaign 'Collections_East'", "id", "id is missing"),
        ({"id": None}, "campaign 'Collections_East'", "id", "id is null, not a string"),
        ({"name": DROP}, "campaign id 'c-000007'", "name", "name is missing"),
        ({"name": ["x"]}, "campaign id 'c-000007'", "name", "name is a list, not a string"),
        (
            {"name": DROP, "id": DROP},
            "campaigns[3] on page 2",
            "name",
            "name is missing",
        ),
        (
            {"concurrency": {"max_agents": "50", "max_simultaneous_calls": 1}},
            "campaign 'Collections_East'",
            "concurrency.max_agents",
            "the body does not follow the contract: concurrency.max_agents",
        ),
    ],
)
def test_a_listed_campaign_that_breaks_the_contract_is_named(
    changes: dict[str, object], resource: str, field: str, problem: str
) -> None:
    with pytest.raises(errors.ProtocolError) as caught:
        wire.parse_campaign(campaign(**changes), PAGE)
    error = caught.value
    assert error.resource.startswith(resource), error.resource
    assert error.field == field
    assert problem in error.message
    assert error.message.endswith("(GET /api/v1/campaigns -> 200)")
    assert error.hint


def test_a_campaigns_page_whose_items_are_not_objects_names_the_position() -> None:
    where = Where("GET", "/api/v1/campaigns", 200, kind="campaign", listing="campaigns", page=1)
    with pytest.raises(errors.ProtocolError) as caught:
        wire.page_items({"campaigns": [campaign(), "c-000008"], "nextPageToken": None}, where)
    assert caught.value.message.startswith("campaigns[1] on page 1 is a string, not an object")
    with pytest.raises(errors.ProtocolError, match="page 1 of the campaigns list: campaigns is"):
        wire.page_items({"campaigns": None}, where)
    with pytest.raises(errors.ProtocolError, match="campaigns is missing, not a list"):
        wire.page_items({"items": []}, where)
    with pytest.raises(errors.ProtocolError, match="nextPageToken is a number"):
        wire.page_items({"campaigns": [], "nextPageToken": 2}, where)


def test_a_long_or_odd_name_is_cut_short_in_the_message() -> None:
    odd = "Evil\nName\x07" + "n" * 200
    with pytest.raises(errors.ProtocolError) as caught:
        wire.parse_campaign(campaign(name=odd, versionTag=DROP), PAGE)
    assert "\n" not in caught.value.resource and "\x07" not in caught.value.resource
    assert len(caught.value.resource) < 100


def test_a_webhook_token_in_a_broken_answer_never_reaches_the_message() -> None:
    hook = {
        "id": "w-1",
        "name": "WFM",
        "url": "https://wfm.example.com/x",
        "events": ["dialer.campaign.activated"],
        "auth": {"type": "bearer", "token": "leaked-token-31337"},
        "versionTag": 7,
    }
    with pytest.raises(errors.ProtocolError) as caught:
        wire.parse_webhook(hook, Where("GET", "/api/v1/integrations/webhooks/w-1", 200))
    assert "versionTag is a number" in str(caught.value)
    assert "leaked-token-31337" not in str(caught.value) + repr(caught.value.args)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"operationId": "op-1", "status": "DONE"}, "operation operationId 'op-1': status 'DONE'"),
        ({"status": "COMPLETED"}, "the operation: operationId is missing"),
        (
            {"operationId": "op-1", "status": "COMPLETED", "resourceType": 3},
            "resourceType a number is unknown",
        ),
    ],
)
def test_operation_answers_are_located(data: dict[str, object], expected: str) -> None:
    where = Where("GET", "/api/v1/dialer/operations/op-1", 200)
    with pytest.raises(errors.ProtocolError) as caught:
        wire.parse_operation(data, where)
    assert expected in caught.value.message


@pytest.mark.parametrize(
    "body",
    [b"<html><title>Not Found</title></html>", b"[" * 100_000, b"\xc3\x28", b"null", b""],
)
def test_an_error_answer_that_is_not_a_json_object_still_gives_its_typed_error(
    body: bytes,
) -> None:
    error = wire.error_from_response(answer(body, status=404), "GET", SETTINGS, command="plan")
    assert isinstance(error, errors.NotFoundError)
    assert str(error) == "not found (GET /api/v1/dialer/settings -> 404)"
    assert wire.error_code(answer(body, status=401)) == ""
