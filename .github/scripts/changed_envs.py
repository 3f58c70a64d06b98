"""Which environments (`specs/<env>/` directories holding a `tenant.yaml`) a change touches.

Prints the list as JSON, the form a workflow matrix takes, and with `--github-output FILE`
also appends `envs=<json>` and `count=<n>` to that file (the step's `$GITHUB_OUTPUT`).

    changed_envs.py --specs specs --base SHA --head SHA   # environments a commit range touches
    changed_envs.py --specs specs --paths-from FILE       # ... a list of paths touches
    changed_envs.py --specs specs --all                   # every environment
    changed_envs.py --specs specs --only prod             # one, checked to exist
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath

TENANT_FILE = "tenant.yaml"
# `github.event.before` on the first push of a branch.
NULL_SHA = "0" * 40


def environments(specs_root: Path) -> list[str]:
    """Every environment under `specs_root`, sorted."""
    if not specs_root.is_dir():
        return []
    return sorted(d.name for d in specs_root.iterdir() if (d / TENANT_FILE).is_file())


def changed_environments(
    paths: Iterable[str], specs_root: str, existing: Iterable[str]
) -> list[str]:
    """The existing environments that any of `paths` (repo-relative, `/`-separated) lies in."""
    root = PurePosixPath(specs_root).parts
    known = set(existing)
    touched: set[str] = set()
    for path in paths:
        parts = PurePosixPath(path.strip()).parts
        # A file directly under specs/ (a README) belongs to no environment.
        if len(parts) > len(root) + 1 and parts[: len(root)] == root:
            env = parts[len(root)]
            # A deleted environment has nothing left to plan: its tenant is left as it is.
            if env in known:
                touched.add(env)
    return sorted(touched)


def diff_paths(base: str, head: str) -> list[str] | None:
    """Paths changed between `base` and `head` (three-dot), or None if `base` is unknown."""
    if base == NULL_SHA or not base:
        return None
    known = subprocess.run(
        ["git", "cat-file", "-e", f"{base}^{{commit}}"], capture_output=True, check=False
    )
    if known.returncode != 0:
        return None
    # --no-renames: a file moved between environments counts for both of them.
    out = subprocess.run(
        ["git", "diff", "--name-only", "--no-renames", f"{base}...{head}"],
        capture_output=True,
        text=True,
        check=True,
    )
    return [line for line in out.stdout.splitlines() if line]


def select(args: argparse.Namespace) -> list[str]:
    """The environments the arguments ask for."""
    specs_root = Path(args.specs)
    existing = environments(specs_root)
    if args.all:
        return existing
    if args.only is not None:
        if args.only not in existing:
            raise SystemExit(f"error: no environment {args.only!r} under {args.specs}/")
        return [args.only]
    if args.paths_from is not None:
        paths = Path(args.paths_from).read_text().splitlines()
    else:
        found = diff_paths(args.base, args.head)
        if found is None:
            # Without the previous commit (new branch, history rewritten) every environment
            # may have changed; reconciling them all is the safe side.
            print(f"note: base {args.base!r} unknown; selecting every environment", file=sys.stderr)
            return existing
        paths = found
    return changed_environments(paths, args.specs, existing)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--specs", default="specs", help="the specs root (default: specs)")
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--all", action="store_true", help="every environment")
    mode.add_argument("--only", metavar="ENV", help="one environment, checked to exist")
    mode.add_argument("--paths-from", metavar="FILE", help="changed paths, one per line")
    mode.add_argument("--base", metavar="SHA", help="diff from this commit (with --head)")
    parser.add_argument("--head", default="HEAD", metavar="SHA", help="diff to this commit")
    parser.add_argument("--github-output", metavar="FILE", help="append envs= and count= here")
    args = parser.parse_args(argv)
    envs = select(args)
    encoded = json.dumps(envs)
    print(encoded)
    if args.github_output:
        with open(args.github_output, "a", encoding="utf-8") as out:
            out.write(f"envs={encoded}\ncount={len(envs)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
