"""An in-memory CXone dialer tenant that follows the API contract, with fault injection.

Runs in-process (`emu.transport()` for httpx) or over a loopback socket
(`serve_in_thread`, or `reconciler emulator`). See docs/emulator.md.
"""

from reconciler.dialer_v1.emulator.clock import EmulatorClock, ManualClock, SystemClock
from reconciler.dialer_v1.emulator.config import ALL_SCOPES, EmulatorConfig
from reconciler.dialer_v1.emulator.core import Emulator
from reconciler.dialer_v1.emulator.faults import Faults
from reconciler.dialer_v1.emulator.records import Delivery, RequestRecord
from reconciler.dialer_v1.emulator.seed import load_seed_file, make_tenant
from reconciler.dialer_v1.emulator.server import EmulatorTransport, serve_in_thread

__all__ = [
    "ALL_SCOPES",
    "Delivery",
    "Emulator",
    "EmulatorClock",
    "EmulatorConfig",
    "EmulatorTransport",
    "Faults",
    "ManualClock",
    "RequestRecord",
    "SystemClock",
    "load_seed_file",
    "make_tenant",
    "serve_in_thread",
]
