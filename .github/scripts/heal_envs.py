"""Which environments heal their drift: those whose Tenant sets `self_heal: true`.

    heal_envs.py --specs specs --envs '["prod", "staging"]' --github-output "$GITHUB_OUTPUT"

Asks the tool itself (`reconciler validate specs/<env> --format json`, offline), so the
Tenant is read by the same loader as every other command, wherever its document lives.
Prints two JSON lists, and with `--github-output` appends `drift-envs`, `drift-count`,
`heal-envs` and `heal-count`: `drift.yml` checks the first read-only and heals the second
with the apply environment's write credentials. An environment whose specs are invalid is
checked read-only, where its job fails with the validation errors; it is never healed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path


def opts_in(specs_root: Path, env: str, reconciler: str) -> bool:
    """Whether `env`'s specs are valid and its Tenant sets `self_heal: true`."""
    done = subprocess.run(
        [reconciler, "validate", str(specs_root / env), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        print(f"::warning::{env}: could not read `reconciler validate`: {done.stderr.strip()}")
        return False
    return bool(report.get("valid")) and report.get("self_heal") is True


def split(specs_root: Path, envs: Sequence[str], reconciler: str) -> tuple[list[str], list[str]]:
    """(check read-only, heal), each sorted."""
    heal = sorted(env for env in envs if opts_in(specs_root, env, reconciler))
    return sorted(set(envs) - set(heal)), heal


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--specs", required=True, type=Path, help="the specs root")
    parser.add_argument("--envs", required=True, help="the environments, a JSON list")
    parser.add_argument("--reconciler", default="reconciler", help="the tool's executable")
    parser.add_argument("--github-output", type=Path, help="append the outputs to this file")
    args = parser.parse_args(argv)
    envs = json.loads(args.envs)
    if not isinstance(envs, list) or not all(isinstance(e, str) for e in envs):
        parser.error("--envs must be a JSON list of environment names")
    drift, heal = split(args.specs, envs, args.reconciler)
    print(json.dumps({"drift": drift, "heal": heal}))
    if args.github_output:
        with args.github_output.open("a", encoding="utf-8") as out:
            out.write(f"drift-envs={json.dumps(drift)}\ndrift-count={len(drift)}\n")
            out.write(f"heal-envs={json.dumps(heal)}\nheal-count={len(heal)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
