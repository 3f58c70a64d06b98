"""`CxoneAdminClient`: the CXone admin API of one tenant as typed async methods.

Sending, retries, backoff with jitter, deadlines, 429s, write pacing and what is safe to
repeat are dialer-v1's `Requester` (reconciler/dialer_v1/retry.py), given this API's error
dialect (`wire.CxoneDialect`). Here: the token (password grant, re-minted five minutes
before expiry and once on a 401, `auth.py`), discovery of the API host, the base URL
`{api_endpoint}/inContactAPI/services/v{NN}.0`, `Accept: application/json` on every
request, paging, and the look-before-and-after writes of `guarded.py`.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from types import TracebackType
from typing import Any, Literal
from urllib.parse import quote

import httpx

from reconciler.cxone_admin import dnc, wire
from reconciler.cxone_admin.auth import (
    DISCOVERY_PATH,
    TOKEN_PATH,
    AccessKeyCredentials,
    parse_discovery,
    parse_token_answer,
)
from reconciler.cxone_admin.blocks import Block, BlockName, block_digest, block_model
from reconciler.cxone_admin.defaults import DEFAULT_API_VERSION, DEFAULT_ISSUER
from reconciler.cxone_admin.guarded import Look, block_shows, write_checked
from reconciler.cxone_admin.paging import MAX_TOP, skill_pages
from reconciler.cxone_admin.records import (
    VOICE_MEDIA_TYPE,
    ApiVersion,
    BusinessUnit,
    DialerContactsRow,
    DncGroup,
    ScrubbedSkill,
    Skill,
    SkillParameters,
    SkillSummaryRow,
)
from reconciler.dialer_v1 import errors
from reconciler.dialer_v1.auth import TokenGrant, TokenProvider
from reconciler.dialer_v1.retry import (
    Call,
    CallKind,
    ClientEvent,
    ClientStats,
    Counters,
)
from reconciler.dialer_v1.session import ClientOptions, open_session
from reconciler.errors import ConfigError
from reconciler.net import checked_base_url

__all__ = ["DEFAULT_API_VERSION", "MAX_TOP", "CxoneAdminClient"]

RUN_STATE_DEADLINE_SECONDS = 120.0
DEFAULT_OPTIONS = ClientOptions()
ReadVia = Literal["skill", "block"]


def _id(value: int | str) -> str:
    return quote(str(value), safe="")


class CxoneAdminClient:
    """The admin API of one CXone tenant (see the module doc)."""

    def __init__(
        self,
        credentials: AccessKeyCredentials,
        *,
        issuer_url: str = DEFAULT_ISSUER,
        api_url: str | None = None,
        api_version: int = DEFAULT_API_VERSION,
        options: ClientOptions = DEFAULT_OPTIONS,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
        on_event: Callable[[ClientEvent], None] | None = None,
    ) -> None:
        if api_version < 1:
            raise ConfigError(f"API version {api_version} is not a version number")
        self._issuer = checked_base_url(issuer_url)
        self._api_root = checked_base_url(api_url) if api_url is not None else None
        self._version = api_version
        self._credentials = credentials
        self._options = options
        self._clock = clock
        self._sleep = sleep
        self._counters = Counters()
        self._tenant_id: str | None = None
        self._root_lock = asyncio.Lock()
        self._http, self._requester = open_session(
            self._issuer,
            options,
            transport=transport,
            clock=clock,
            sleep=sleep,
            rng=rng,
            counters=self._counters,
            on_event=on_event,
            dialect=wire.CxoneDialect(),
        )
        self._requester.tokens = TokenProvider(
            self._mint_token, clock=clock, safety_margin_seconds=options.token_safety_margin_seconds
        )

    def __repr__(self) -> str:
        return f"CxoneAdminClient(issuer_url={self._issuer!r}, api_version={self._version})"

    @property
    def stats(self) -> ClientStats:
        """Counters so far (requests by method, retries, 429s, polls, token requests)."""
        return self._counters.snapshot()

    async def __aenter__(self) -> CxoneAdminClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    # --- plumbing ----------------------------------------------------------------------------

    async def _mint_token(self) -> TokenGrant:
        call = Call(
            "POST",
            TOKEN_PATH,
            CallKind.TOKEN,
            form=self._credentials.token_form(),
            auth=self._credentials.basic_auth(),
        )
        response = await self._requester.send(call)
        minted = parse_token_answer(wire.decode_object(response, "POST", TOKEN_PATH))
        if minted.tenant_id is not None:
            self._tenant_id = minted.tenant_id
        return minted.grant

    async def api_base(self) -> str:
        """`{api_endpoint}/inContactAPI/services/v{NN}.0`, discovering the host once."""
        async with self._root_lock:
            if self._api_root is None:
                self._api_root = await self._discover()
        return f"{self._api_root}/inContactAPI/services/v{self._version}.0"

    async def _discover(self) -> str:
        assert self._requester.tokens is not None
        await self._requester.tokens.token()  # the token's claims name the tenant
        if self._tenant_id is None:
            raise errors.ProtocolError(
                "the token names no tenantId, so the API host cannot be discovered",
                hint="give the API host explicitly (the Tenant's api_url)",
            )
        call = Call("GET", DISCOVERY_PATH, CallKind.READ, params={"tenantId": self._tenant_id})
        try:
            response = await self._requester.send(call)
        except errors.NotFoundError as exc:
            raise errors.ProtocolError(
                f"discovery does not know the tenant {self._tenant_id!r}",
                path=DISCOVERY_PATH,
                hint="check the issuer URL (each region has its own), or give api_url",
            ) from exc
        return parse_discovery(wire.decode_object(response, "GET", DISCOVERY_PATH))

    async def _send(self, call: Call) -> httpx.Response:
        return await self._requester.send(call)

    async def _url(self, path: str) -> str:
        return await self.api_base() + path

    async def _get(self, path: str, params: Mapping[str, Any] | None = None) -> httpx.Response:
        url = await self._url(path)
        return await self._send(Call("GET", url, CallKind.READ, params=params))

    async def _get_json(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        response = await self._get(path, params)
        return wire.decode(response, "GET", path)

    async def _write(
        self, method: str, path: str, *, body: Any = None, params: Mapping[str, Any] | None = None
    ) -> Call:
        return Call(method, await self._url(path), CallKind.WRITE, json=body, params=params)

    # --- general -----------------------------------------------------------------------------

    async def api_versions(self) -> list[ApiVersion]:
        """GET /apiversion."""
        data = await self._get_json("/apiversion")
        return [
            wire.parse_record(ApiVersion, v, "API version") for v in wire.items(data, "apiInfo")
        ]

    async def business_unit(self) -> BusinessUnit:
        """GET /business-unit: line capacity, predictive dialing, abandon-rate scope, zones."""
        units = wire.items(await self._get_json("/business-unit"), "businessUnits")
        if not units:
            raise errors.ProtocolError("GET /business-unit listed no business unit")
        return wire.parse_record(BusinessUnit, units[0], "business unit")

    # --- skills ------------------------------------------------------------------------------

    async def iter_skills(
        self, *, page_size: int = MAX_TOP, personal_connection_only: bool = True
    ) -> AsyncIterator[Skill]:
        """Every skill (by default only Personal Connection ones), paged with top/skip
        (see `paging.py` for how a listing ends and what a looping server gets)."""

        async def read(query: Mapping[str, Any]) -> Any:
            return await self._get_json("/skills", query)

        async for skill in skill_pages(read, page_size):
            if skill.is_personal_connection or not personal_connection_only:
                yield skill

    async def get_skill(self, skill_id: int) -> Skill:
        """GET /skills/{id} (flat, or wrapped in `{"skills": [...]}`)."""
        data = await self._get_json(f"/skills/{_id(skill_id)}")
        return wire.parse_record(Skill, wire.unwrap_skill(data), "skill")

    async def start_skill(self, skill_id: int, *, deadline_seconds: float | None = None) -> Skill:
        """POST /skills/{id}/start (202), then wait until the skill says it runs."""
        await self._send(await self._write("POST", f"/skills/{_id(skill_id)}/start"))
        return await self._await_run_state(skill_id, True, deadline_seconds)

    async def stop_skill(
        self, skill_id: int, *, force: bool = False, deadline_seconds: float | None = None
    ) -> Skill:
        """POST /skills/{id}/stop (202), then wait until the skill says it stopped."""
        params = {"force": "true"} if force else None
        await self._send(await self._write("POST", f"/skills/{_id(skill_id)}/stop", params=params))
        return await self._await_run_state(skill_id, False, deadline_seconds)

    async def _await_run_state(self, skill_id: int, running: bool, deadline: float | None) -> Skill:
        limit = RUN_STATE_DEADLINE_SECONDS if deadline is None else deadline
        until = self._clock() + limit
        pause = self._options.poll_initial_seconds
        while True:
            skill = await self.get_skill(skill_id)
            self._counters.polls += 1
            if bool(skill.isRunning) == running:
                return skill
            remaining = until - self._clock()
            if remaining <= 0:
                state = "running" if running else "stopped"
                raise errors.OperationTimeoutError(
                    f"skill {skill_id} was still not {state} {limit:.0f} s after the API"
                    " accepted the request",
                    hint="it may still change: read the skill before acting again",
                )
            await self._sleep(min(pause, remaining))
            pause = min(self._options.poll_cap_seconds, pause * 1.5)

    # --- parameter blocks ----------------------------------------------------------------------

    async def all_parameters(self) -> dict[int, SkillParameters]:
        """One GET /skills/parameters: every PC skill's blocks, by skill id."""
        data = await self._get_json("/skills/parameters")
        parsed = [wire.parse_parameters(item) for item in wire.items(data, "skills")]
        return {p.skill_id: p for p in parsed}

    async def skill_parameters(self, skill_id: int) -> SkillParameters:
        """GET /skills/{id}/parameters: one skill's blocks."""
        data = await self._get_json(f"/skills/{_id(skill_id)}/parameters")
        return wire.parse_parameters(wire.unwrap_parameters(data))

    def _block_path(self, skill_id: int, name: BlockName) -> str:
        return f"/skills/{_id(skill_id)}/parameters/{block_model(name).PATH}"

    async def get_block(self, skill_id: int, name: BlockName) -> Block:
        """GET one block (flat)."""
        return wire.parse_block(name, await self._get_json(self._block_path(skill_id, name)))

    async def read_block(self, skill_id: int, name: BlockName, *, via: ReadVia = "skill") -> Block:
        """One block, read as the plan read it: from the skill's aggregated parameters
        (`via="skill"`, the shape `all_parameters` reads) or the single-block GET.

        The two GETs are documented with different shapes; reading the same one the plan
        read keeps a digest comparison free of any difference between them.
        """
        if via == "block":
            return await self.get_block(skill_id, name)
        blocks = (await self.skill_parameters(skill_id)).blocks
        if name not in blocks:
            raise errors.ProtocolError(f"skill {skill_id}'s parameters show no {name}")
        return blocks[name]

    async def put_block(
        self,
        skill_id: int,
        block: Block,
        *,
        expected_digest: str | None = None,
        via: ReadVia = "skill",
    ) -> None:
        """PUT a whole block (`{"<block>": ...}`); in effect at once, even while running.

        After a lost answer the block is re-read (`read_block`): it shows what was sent ->
        done; it still has `expected_digest` -> repeated once; otherwise
        `WriteOutcomeUnknown`.
        """
        path = self._block_path(skill_id, block.BLOCK)
        call = await self._write("PUT", path, body=block.wrapped())

        async def look() -> Look[Block]:
            now = await self.read_block(skill_id, block.BLOCK, via=via)
            if block_shows(block, now):
                return Look("landed", now)
            if expected_digest is not None and block_digest(now) == expected_digest:
                return Look("unchanged")
            return Look("moved")

        await write_checked(self._requester, call, look)

    async def put_block_guarded(
        self, skill_id: int, block: Block, *, expected_digest: str, via: ReadVia = "skill"
    ) -> None:
        """Re-read the block; refuse (`BlockChangedError`) if its digest moved; then put it."""
        current = block_digest(await self.read_block(skill_id, block.BLOCK, via=via))
        if current != expected_digest:
            raise errors.BlockChangedError(
                f"skill {skill_id}'s {block.BLOCK} changed since it was read",
                expected_digest=expected_digest,
                current_digest=current,
                method="PUT",
                path=self._block_path(skill_id, block.BLOCK),
                hint="someone edited the skill: plan again, review, apply",
            )
        await self.put_block(skill_id, block, expected_digest=expected_digest, via=via)

    async def put_write_only(self, skill_id: int, segment: str, body: Mapping[str, Any]) -> None:
        """PUT cadence-settings or list-management (no GET exists: never verified)."""
        if segment not in ("cadence-settings", "list-management"):
            raise ValueError(f"{segment!r} is not a write-only parameter segment")
        call = await self._write("PUT", f"/skills/{_id(skill_id)}/parameters/{segment}", body=body)
        await self._send(call)

    # --- DNC groups ----------------------------------------------------------------------------

    async def list_dnc_groups(self) -> list[DncGroup]:
        """GET /dnc-groups (204 when there are none: an empty list)."""
        response = await self._get("/dnc-groups")
        if response.status_code == 204 or not response.content:
            return []
        data = wire.decode(response, "GET", "/dnc-groups")
        return [wire.parse_record(DncGroup, g, "DNC group") for g in wire.items(data, "dncGroups")]

    async def get_dnc_group(self, group_id: int) -> DncGroup:
        """GET /dnc-groups/{id}."""
        listed = wire.items(await self._get_json(f"/dnc-groups/{_id(group_id)}"), "dncGroups")
        if len(listed) != 1:
            raise errors.ProtocolError(f"expected one DNC group, the answer holds {len(listed)}")
        return wire.parse_record(DncGroup, listed[0], "DNC group")

    async def scrubbed_skills(self, group_id: int) -> list[ScrubbedSkill]:
        """GET /dnc-groups/{id}/scrubbed-skills (204: none)."""
        path = f"/dnc-groups/{_id(group_id)}/scrubbed-skills"
        response = await self._get(path)
        if response.status_code == 204 or not response.content:
            return []
        data = wire.decode(response, "GET", path)
        return [
            wire.parse_record(ScrubbedSkill, s, "scrubbed skill")
            for s in wire.items(data, "scrubbedSkills")
        ]

    async def create_dnc_group(self, name: str, description: str = "") -> DncGroup:
        """POST /dnc-groups; looks before repeating after a lost answer (dnc.py)."""
        fields = {"dncGroupName": name, "dncGroupDescription": description}
        # The 2021 docs take query parameters, newer ones a JSON body: send both, same values.
        call = await self._write("POST", "/dnc-groups", body=fields, params=fields)
        return await dnc.create_group(
            self._requester, call, self.list_dnc_groups, name, description
        )

    async def update_dnc_group(
        self,
        group_id: int,
        *,
        name: str | None = None,
        description: str | None = None,
        is_active: bool | None = None,
        expected: DncGroup | None = None,
    ) -> DncGroup:
        """PUT /dnc-groups/{id} with the fields given; `expected` is the group as last read."""
        sent: dict[str, Any] = {
            key: value
            for key, value in (
                ("dncGroupName", name),
                ("dncGroupDescription", description),
                ("isActive", is_active),
            )
            if value is not None
        }
        if not sent:
            raise ValueError("nothing to update")
        params = {k: str(v).lower() if isinstance(v, bool) else v for k, v in sent.items()}
        call = await self._write("PUT", f"/dnc-groups/{_id(group_id)}", body=sent, params=params)
        return await dnc.update_group(
            self._requester, call, lambda: self.get_dnc_group(group_id), sent, expected
        )

    async def link_scrubbed_skill(self, group_id: int, skill_id: int) -> None:
        """Scrub the skill against the group."""
        await self._link(group_id, skill_id, want=True)

    async def unlink_scrubbed_skill(self, group_id: int, skill_id: int) -> None:
        """Stop scrubbing the skill against the group (already not scrubbed: done)."""
        await self._link(group_id, skill_id, want=False)

    async def _link(self, group_id: int, skill_id: int, *, want: bool) -> None:
        path = f"/dnc-groups/{_id(group_id)}/scrubbed-skills/{_id(skill_id)}"
        call = await self._write("POST" if want else "DELETE", path)

        async def linked() -> bool:
            return any(s.skillId == skill_id for s in await self.scrubbed_skills(group_id))

        await dnc.set_link(self._requester, call, linked, want)

    # --- metrics -------------------------------------------------------------------------------

    async def skill_summary(self, skill_id: int, start: str, end: str) -> list[SkillSummaryRow]:
        """GET /skills/{id}/summary?startDate=&endDate= (ISO 8601, at most 30 days apart)."""
        data = await self._get_json(
            f"/skills/{_id(skill_id)}/summary", {"startDate": start, "endDate": end}
        )
        rows = wire.items(data, "skillSummaries")
        return [wire.parse_record(SkillSummaryRow, r, "skill summary") for r in rows]

    async def dialer_contacts(
        self, start: str, end: str, *, media_type_id: int = VOICE_MEDIA_TYPE
    ) -> list[DialerContactsRow]:
        """GET /wfm-data/skills/dialer-contacts: dials, connects, abandons per interval."""
        params = {"startDate": start, "endDate": end, "mediaTypeId": media_type_id}
        data = await self._get_json("/wfm-data/skills/dialer-contacts", params)
        rows = wire.items(data, "wfM_OB_StatsV9", "dialerContacts")
        return [wire.parse_record(DialerContactsRow, r, "dialer contacts row") for r in rows]
