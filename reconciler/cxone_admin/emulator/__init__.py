"""An in-memory NICE CXone tenant speaking the admin API as the public record describes it,
with a switch for every behaviour the record leaves open. Runs in-process
(`emu.transport()`) or over a loopback socket (`serve_in_thread`, or
`reconciler emulator --api cxone-admin`). See docs/cxone-admin-emulator.md.
"""

from reconciler.cxone_admin.emulator.config import AdminEmulatorConfig
from reconciler.cxone_admin.emulator.core import AdminEmulator
from reconciler.cxone_admin.emulator.seed import default_seed, load_seed_file
from reconciler.dialer_v1.emulator.clock import ManualClock, SystemClock
from reconciler.dialer_v1.emulator.server import serve_in_thread

__all__ = [
    "AdminEmulator",
    "AdminEmulatorConfig",
    "ManualClock",
    "SystemClock",
    "default_seed",
    "load_seed_file",
    "serve_in_thread",
]
