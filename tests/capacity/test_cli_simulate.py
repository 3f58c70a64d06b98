"""`reconciler simulate`: text and JSON, reproducible, offline by default, --remote beside."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reconciler.cli.main import main
from reconciler.dialer_v1.emulator import Emulator, EmulatorConfig, serve_in_thread

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = str(ROOT / "specs" / "example")
SEED = ROOT / "reconciler" / "demo" / "live-tenant.yaml"
QUICK = ["--duration-minutes", "10", "--replications", "3"]
LOCAL_KEYS = {
    "abandonment_rate",
    "abandonment_rate_ci95",
    "agent_utilization",
    "average_wait_sec",
    "peak_concurrent_calls",
    "calls_blocked_by_carrier",
    "calls_placed",
    "calls_answered",
    "calls_abandoned",
    "method",
    "note",
}


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """No base URL and no credentials: any attempt to build a client would fail."""
    for var in ("CXONE_BASE_URL", "CXONE_CLIENT_ID", "CXONE_CLIENT_SECRET"):
        monkeypatch.delenv(var, raising=False)


def simulate_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    assert main(["simulate", EXAMPLE, "--format", "json", *QUICK, *argv]) == 0
    data: dict[str, Any] = json.loads(capsys.readouterr().out)
    return data


def test_json_has_the_documented_shape(offline: None, capsys: pytest.CaptureFixture[str]) -> None:
    data = simulate_json(capsys, "--seed", "7")
    assert (data["format_version"], data["environment"], data["seed"]) == (1, "example", 7)
    assert data["duration_minutes"] == 10
    names = [c["name"] for c in data["campaigns"]]
    assert names == ["Collections_East", "Renewals_Central", "VIP_Callbacks_West"]
    east = data["campaigns"][0]
    assert east["type"] == "predictive"
    assert east["assumptions"] == {
        "answer_rate": 0.3,
        "talk_time_sec": 180.0,
        "wrap_time_sec": 0.0,
        "ring_time_sec": 20.0,
        "talk_time_distribution": "exponential",
    }
    assert east["assumption_sources"]["answer_rate"] == "campaign simulation block"
    assert east["assumption_sources"]["talk_time_sec"] == "Tenant simulation block"
    assert set(east["local"]) >= LOCAL_KEYS
    assert east["local"]["method"] == "simulation" and east["local"]["replications"] == 3
    assert east["pacing"]["free_trunks"] == 82  # 150 trunks, 45% busy
    assert east["remote"] is None and east["comparison"] is None
    assert data["plan_uses"] == "local"
    assert set(data["models"]["local"]) == {"label", "method", "inputs"}
    assert data["models"]["remote"] is None  # no API simulator was asked
    low, high = east["local"]["abandonment_rate_ci95"]
    assert low <= east["local"]["abandonment_rate"] <= high


def test_same_seed_same_figures_other_seed_other_figures(
    offline: None, capsys: pytest.CaptureFixture[str]
) -> None:
    first = simulate_json(capsys, "--seed", "3", "--campaign", "Collections_East")
    again = simulate_json(capsys, "--seed", "3", "--campaign", "Collections_East")
    other = simulate_json(capsys, "--seed", "4", "--campaign", "Collections_East")
    assert first == again
    assert first["campaigns"][0]["local"] != other["campaigns"][0]["local"]


def test_text_table_offline(offline: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", EXAMPLE, *QUICK, "--campaign", "Renewals_Central"]) == 0
    out = capsys.readouterr().out
    assert "local model only; no request was made" in out
    assert "Renewals_Central (progressive, 20 agents, ratio 1, 20 lines" in out
    assert "talk_time_sec   240      from campaign simulation block" in out
    for label in ("abandonment rate", "agent utilisation", "peak concurrent calls"):
        assert label in out
    assert "Collections_East" not in out


def test_unknown_campaign_is_an_error(offline: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", EXAMPLE, "--campaign", "Nope"]) == 1
    err = capsys.readouterr().err
    assert "no campaign named Nope" in err and "Collections_East" in err


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Emulator]:
    emu = Emulator.from_seed_file(SEED, EmulatorConfig())
    with serve_in_thread(emu) as url:
        monkeypatch.setenv("CXONE_BASE_URL", url)
        monkeypatch.setenv("CXONE_CLIENT_ID", "t")
        monkeypatch.setenv("CXONE_CLIENT_SECRET", "s")
        monkeypatch.setenv("RECONCILER_STATE_DIR", str(tmp_path / "state"))
        yield emu


def test_remote_figures_sit_beside_the_local_ones_never_mixed(
    served: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    local = simulate_json(capsys, "--campaign", "Collections_East")
    both = simulate_json(capsys, "--campaign", "Collections_East", "--remote")
    east = both["campaigns"][0]
    assert east["local"] == local["campaigns"][0]["local"]  # untouched by --remote
    remote = east["remote"]
    assert remote["source"].startswith("API simulator")
    assert remote["calls_placed"] == east["local"]["calls_placed"]  # the same offered volume
    assert {"abandonment_rate", "agent_utilization", "calls_connected"} <= set(remote)
    sims = [r for r in served.requests if r.path.startswith("/api/v1/dialer/simulator")]
    assert len(sims) == 1
    assert main(["simulate", EXAMPLE, *QUICK, "--remote", "--campaign", "Collections_East"]) == 0
    out = capsys.readouterr().out
    assert "local model" in out and "API simulator" in out
    assert "calls connected           -" in out


def test_remote_says_why_the_two_models_differ_and_which_one_the_plan_uses(
    served: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    data = simulate_json(capsys, "--campaign", "Collections_East", "--remote")
    east = data["campaigns"][0]
    local, remote = east["local"], east["remote"]
    # The example's predictive campaign: the local model finds (almost) no abandonment
    # where the API's own model, with its own traffic assumptions, finds several percent.
    gap = remote["abandonment_rate"] - local["abandonment_rate"]
    assert east["comparison"]["abandonment_rate_gap"] == pytest.approx(gap, abs=1e-6)
    low, high = local["abandonment_rate_ci95"]
    assert east["comparison"]["remote_inside_local_ci95"] is (
        low <= remote["abandonment_rate"] <= high
    )
    assert east["comparison"]["remote_inside_local_ci95"] is False
    assert data["plan_uses"] == "local"
    models = data["models"]
    assert "vendor's own capacity model" in models["remote"]["method"]
    assert "not sent the answer rate" in models["remote"]["inputs"]
    assert "traffic assumptions listed per campaign" in models["local"]["inputs"]

    assert main(["simulate", EXAMPLE, *QUICK, "--remote", "--campaign", "Collections_East"]) == 0
    out = capsys.readouterr().out
    ours, theirs = f"{low * 100:.2f}%-{high * 100:.2f}%", f"{remote['abandonment_rate'] * 100:.2f}%"
    assert (
        f"abandonment: the API simulator's {theirs} is OUTSIDE the local model's 95% interval "
        f"{ours}"
    ) in out
    why = out[out.index("Why the two columns differ:") :]
    assert "\n  local model    reconciler's own seeded discrete-event simulation" in why
    assert "\n  API simulator  the vendor's own capacity model" in why
    words = " ".join(why.split())
    assert "predictions and its predicted-abandonment warnings use the local model" in words
    assert "nothing in plan or apply uses the API simulator's figures" in words


def test_without_remote_the_text_does_not_explain_a_comparison_it_did_not_make(
    offline: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["simulate", EXAMPLE, *QUICK, "--campaign", "Collections_East"]) == 0
    out = capsys.readouterr().out
    assert "Why the two columns differ" not in out and "API simulator" not in out


def test_from_history_names_where_the_answer_rate_came_from(
    served: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    data = simulate_json(capsys, "--from-history")
    east, renewals = data["campaigns"][0], data["campaigns"][1]
    assert east["assumption_sources"]["answer_rate"].startswith("history: mean answerRate")
    assert 0.15 <= east["assumptions"]["answer_rate"] <= 0.45  # the emulator's range
    assert east["assumption_sources"]["talk_time_sec"] == "Tenant simulation block"
    # Renewals_Central is not live on this tenant: the specs' value, and it says why.
    assert "not live yet" in renewals["assumption_sources"]["answer_rate"]
    assert renewals["assumptions"]["answer_rate"] == 0.25
