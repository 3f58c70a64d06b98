"""`Tenant.spec.rate_limits`: declared limits start the client; the API's announced one wins."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import yaml

from reconciler.cli.context import load_context
from reconciler.desired import validate_spec_dir
from tests.engine.conftest import (
    READ_LIKE_POSTS,
    CliFactory,
    assert_tenant_equals,
    desired_seed,
    extra_campaign,
    merge,
)

TENANT = """\
apiVersion: dialer.cxone/v1
kind: Tenant
metadata: {{name: prod}}
spec:
{rate_limits}
"""
CAMPAIGNS = 20


def spec_dir(root: Path, rate_limits: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "tenant.yaml").write_text(TENANT.format(rate_limits=rate_limits), encoding="utf-8")
    return root


def test_declared_limits_pace_the_start_of_a_run(tmp_path: Path) -> None:
    spec = spec_dir(
        tmp_path / "prod", "  rate_limits: {writes_per_minute: 30, reads_per_minute: 5000}"
    )
    options = load_context(str(spec), "apply", env={}).client_options
    assert (options.write_limit_per_minute, options.read_limit_per_minute) == (30, 5000)
    assert options.command == "reconciler apply"


@pytest.mark.parametrize(
    "rate_limits", ["  prune: false", "  rate_limits: {}", "  rate_limits: {reads_per_minute: 900}"]
)
def test_without_a_declared_figure_the_contracts_limits_apply(
    tmp_path: Path, rate_limits: str
) -> None:
    options = load_context(str(spec_dir(tmp_path / "prod", rate_limits)), "plan", env={})
    assert options.client_options.write_limit_per_minute == 100
    assert options.client_options.read_limit_per_minute in (1000, 900)


@pytest.mark.parametrize(
    ("rate_limits", "col", "message"),
    [
        ("{writes_per_minute: 0}", 36, "should be greater than or equal to 1 (got 0)"),
        ("{writes_per_minute: 60000}", 36, "should be less than or equal to 10000 (got 60000)"),
        ("{reads_per_minute: 1000001}", 35, "should be less than or equal to 100000"),
        ('{writes_per_minute: "600"}', 36, "must be an integer, got the string '600'"),
        ("{writes_per_minute: 1.5}", 36, "must be an integer, got float 1.5"),
        ("{writes_per_minit: 600}", 17, "did you mean `writes_per_minute`?"),
        ("600", 16, "`spec.rate_limits` must be a mapping"),
    ],
)
def test_bad_limits_are_reported_where_they_are(
    tmp_path: Path, rate_limits: str, col: int, message: str
) -> None:
    spec = spec_dir(tmp_path / "prod", f"  rate_limits: {rate_limits}")
    state, diagnostics = validate_spec_dir(spec)
    assert state is None
    (d,) = [d for d in diagnostics if d.severity == "error"]
    assert (Path(d.path).name, d.line, d.col) == ("tenant.yaml", 5, col)
    assert "rate_limits" in d.message and message in d.message


# ---- end to end: the CLI against an emulator announcing 600 writes a minute ---------------


def test_apply_adopts_the_announced_write_limit_over_the_declared_one(
    cli_factory: CliFactory, caplog: pytest.LogCaptureFixture
) -> None:
    seed = desired_seed()
    extra = [extra_campaign(f"Paced_{i:02d}", seed["campaigns"][0]) for i in range(CAMPAIGNS)]
    cli = cli_factory({**seed, "campaigns": seed["campaigns"] + extra}, write_limit_per_minute=600)
    for body in extra:  # the specs manage them too, each with one agent more
        spec = merge(body, {"concurrency": {"max_agents": body["concurrency"]["max_agents"] + 1}})
        document = {
            "apiVersion": "dialer.cxone/v1",
            "kind": "Campaign",
            "metadata": {"name": spec.pop("name")},
            "spec": spec,
        }
        path = cli.spec / "campaigns" / f"{document['metadata']['name']}.yaml"
        path.write_text(yaml.safe_dump(document), encoding="utf-8")
    cli.edit_spec("tenant.yaml", {"spec": {"rate_limits": {"writes_per_minute": 60}}})
    mark = len(cli.emu.requests)
    caplog.set_level(logging.INFO, logger="reconciler.dialer_v1")

    # At the declared 60 a minute the 40 writes (20 policy checks, 20 updates) would take
    # half a minute after a burst of 6; at the announced 600 they fit the first burst.
    run = cli.apply("--no-predict")

    assert run.code == 0, run.text
    adopted = [r.getMessage() for r in caplog.records if "rate limit" in r.getMessage()]
    assert adopted == ["rate limit of writes: 600 a minute, announced by the API (was 60)"]
    answered = cli.emu.requests[mark:]
    policy = [r for r in answered if r.path.startswith(READ_LIKE_POSTS[1])]
    assert len(cli.writes_since(mark)) == len(policy) == CAMPAIGNS
    assert not [r for r in answered if r.status == 429]
    assert_tenant_equals(cli.view(), cli.desired(), tokens=False)  # the webhook is unchanged
