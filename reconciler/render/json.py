"""The plan as JSON (`schemas/plan.schema.json`). A pure function."""

from __future__ import annotations

import json

from reconciler.engine.plan import Plan


def render_plan_json(plan: Plan) -> str:
    """Plan -> stable, indented JSON including its own digest."""
    return json.dumps(plan.to_json(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
