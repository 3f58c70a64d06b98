"""The dialer API: the typed client (`CxoneClient`) and, in `emulator/`, a local stand-in."""

from reconciler.cxone.client import (
    ClientEvent,
    ClientOptions,
    ClientStats,
    CxoneClient,
    WriteOutcomeUnknown,
)

__all__ = ["ClientEvent", "ClientOptions", "ClientStats", "CxoneClient", "WriteOutcomeUnknown"]
