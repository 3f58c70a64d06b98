"""Read the live tenant: one observation of every resource of the API's kinds.

How a tenant is read with the fewest requests is the API's own business (each API
package's `observe`, e.g. dialer-v1 lists every kind concurrently at its largest page size
and never GETs one resource at a time). Read-only by construction.
"""

from __future__ import annotations

from typing import Any

from reconciler.kinds import Backend, LiveState

__all__ = ["LiveState", "observe"]


async def observe(backend: Backend[Any]) -> LiveState:
    """Every resource of every kind of the backend's API."""
    return await backend.observe()
