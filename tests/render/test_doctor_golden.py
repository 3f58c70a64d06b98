"""Golden files of doctor's report (`pytest --update-goldens`): a healthy tenant and one
that cannot be managed, each read over a socket from the emulator at a fixed time."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import pytest

from reconciler.cxone_admin.client import CxoneAdminClient
from reconciler.cxone_admin.doctor import DoctorInput, diagnose
from reconciler.cxone_admin.emulator import AdminEmulator, ManualClock, serve_in_thread
from reconciler.cxone_admin.tap import Tap
from reconciler.render.doctor import render_doctor_json, render_doctor_text
from tests.cxone_admin.conftest import START, config, credentials

GOLDEN = Path(__file__).parent / "golden" / "doctor"
NOW = datetime(2026, 9, 21, 14, 13, 20, tzinfo=timezone.utc)
WANTED = DoctorInput(
    environment="prod",
    api_version=30,
    metrics_source="dialer-contacts",
    skills={"Collections_East": ("generalSettings", "timeZoneSettings")},
    groups_declared=frozenset({"Internal_DNC"}),
    groups_referenced=frozenset({"National_DNC", "Internal_DNC"}),
    guarded=("Collections_East",),
)


def healthy(emu: AdminEmulator) -> DoctorInput:
    return WANTED


def failing(emu: AdminEmulator) -> DoctorInput:
    emu.edit_block("Winback_West", "cpaSettings", {"abandonTimeout": "soon"})
    emu.faults.http_error(403, count=10, path="/inContactAPI/services/v30.0/wfm-data")
    return DoctorInput(**{**WANTED.__dict__, "skills": {**WANTED.skills, "Collections_West": ()}})


CASES: dict[str, Callable[[AdminEmulator], DoctorInput]] = {"healthy": healthy, "failing": failing}


def report_texts(case: str) -> dict[str, str]:
    emu = AdminEmulator(config(), ManualClock(START))
    wanted = CASES[case](emu)
    with serve_in_thread(emu) as url:

        async def go() -> tuple[str, str]:
            tap = Tap()
            client = CxoneAdminClient(credentials(), issuer_url=url, transport=tap)
            async with client:
                report = await diagnose(client, tap, wanted, now=NOW)
            return render_doctor_text(report), render_doctor_json(report)

        text, data = asyncio.run(go())
    return {
        ext: out.replace(url, "http://127.0.0.1:PORT")
        for ext, out in (("txt", text), ("json", data))
    }


@pytest.mark.parametrize("case", sorted(CASES))
def test_doctor_golden(case: str, update_goldens: bool) -> None:
    for ext, out in report_texts(case).items():
        path = GOLDEN / f"{case}.{ext}"
        if update_goldens:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(out, encoding="utf-8")
        assert path.exists(), f"missing golden {path}: run pytest --update-goldens"
        assert out == path.read_text(encoding="utf-8")
