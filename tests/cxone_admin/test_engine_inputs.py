"""Bad input for a CXone tenant gets a located error and changes nothing, end to end.

Offline mistakes (tests/desired/test_bad_inputs.py has the whole corpus, with exact places)
stop `plan` and `apply` before any request, even the token request. Mistakes only the
tenant can reveal (a DNC group it does not have, a business unit that forbids what the spec
asks, a skill it does not have) stop after the reads, before any write, located at the
document that asked.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from reconciler.cxone_admin.emulator import default_seed
from tests.cxone_admin.conftest import AdminCliFactory
from tests.cxone_admin.harness import EAST, AdminCli

BAD = Path(__file__).resolve().parents[1] / "desired" / "fixtures" / "bad"


@pytest.mark.parametrize(
    ("case", "where", "said"),
    [
        ("cxone-unknown-block-field", "skill.yaml:7:5", "did you mean `maximumRatio`?"),
        ("cxone-wrong-type", "skill.yaml:7:19", "must be an integer, got the string '2'"),
        ("cxone-range", "skill.yaml:7:19", "less than or equal to 3 (got 4)"),
        ("cxone-required-group", "skill.yaml:7:14", "not scrubbed by National_DNC"),
        ("cxone-kind-of-dialer-v1", "skill.yaml:2:7", "kind Campaign belongs to `api: dialer-v1`"),
        ("cxone-skill-twice", "east.yaml:4:3", "duplicate OutboundSkill name"),
    ],
)
@pytest.mark.parametrize("command", ["plan", "apply"])
def test_an_offline_mistake_is_located_and_nothing_is_sent(
    admin_cli_factory: AdminCliFactory, case: str, where: str, said: str, command: str
) -> None:
    cli = admin_cli_factory()
    shutil.rmtree(cli.spec)
    shutil.copytree(BAD / case, cli.spec)

    run = cli.run(command, str(cli.spec), "--auto-approve") if command == "apply" else cli.plan()

    assert run.code == 1, run.text
    assert f"{cli.spec.name}/{where}: " in run.err and said in run.err
    assert "nothing was sent to the API" in run.err
    assert "Traceback" not in run.text
    assert cli.emu.requests == []


def test_a_dnc_group_the_tenant_does_not_have_is_located_before_any_write(
    admin_cli: AdminCli,
) -> None:
    cli = admin_cli
    cli.edit_spec(EAST, {"spec": {"dncGroups": ["National_DNC", "Internal_DNC", "State_DNC"]}})

    for run in (cli.plan(), cli.apply("--no-verify")):
        assert run.code == 1, run.text
        assert "skills/collections-east.yaml:" in run.err
        assert "no DNC group named State_DNC in the tenant or the specs" in run.err
    assert cli.writes_since() == []


def test_a_dnc_group_declared_in_the_specs_is_created_then_linked(admin_cli: AdminCli) -> None:
    cli = admin_cli
    cli.edit_spec(EAST, {"spec": {"dncGroups": ["National_DNC", "Internal_DNC", "State_DNC"]}})
    cli.write_spec(
        "dnc-groups/state-dnc.yaml",
        {
            "apiVersion": "dialer.cxone/v1",
            "kind": "DncGroup",
            "metadata": {"name": "State_DNC"},
            "spec": {"dncGroupDescription": "State registry", "isActive": True},
        },
    )

    run = cli.apply("--no-verify")

    assert run.code == 0, run.text
    assert cli.view().links["Collections_East"] == ["Internal_DNC", "National_DNC", "State_DNC"]
    assert cli.drift().code == 0


def test_what_the_business_unit_forbids_is_located_before_any_write(
    admin_cli_factory: AdminCliFactory,
) -> None:
    seed = default_seed()
    seed["businessUnit"] |= {"allowPredictiveDialing": False, "enableSkillAbandonRate": False}
    cli = admin_cli_factory(seed)

    run = cli.apply("--no-verify")

    assert run.code == 1, run.text
    assert "does not allow predictive dialing" in run.err
    assert "skill abandon rate is off" in run.err
    assert "skills/collections-east.yaml:" in run.err
    assert cli.writes_since() == []


def test_staffing_above_the_port_limit_is_located_before_any_write(
    admin_cli_factory: AdminCliFactory,
) -> None:
    seed = default_seed()
    seed["businessUnit"]["outboundPortLimit"] = 100  # 40 x 2 + 25 x 2 = 130 lines needed
    cli = admin_cli_factory(seed)

    run = cli.apply("--no-verify")

    assert run.code == 1, run.text
    assert "need 130 lines together" in run.err and "outboundPortLimit of 100" in run.err
    assert cli.writes_since() == []


def test_a_skill_the_tenant_does_not_have_is_reported_and_nothing_is_written(
    admin_cli: AdminCli,
) -> None:
    cli = admin_cli
    cli.write_spec(
        "skills/new-skill.yaml",
        {
            "apiVersion": "dialer.cxone/v1",
            "kind": "OutboundSkill",
            "metadata": {"name": "Brand_New"},
            "spec": {"generalSettings": {"maximumRatio": 1}, "dncGroups": ["National_DNC"]},
        },
    )

    run = cli.apply("--no-verify")

    assert run.code == 1, run.text
    assert "Brand_New" in run.err
    assert cli.writes_since() == []
