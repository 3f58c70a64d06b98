"""The end-to-end harness of tests/engine (emulator on a socket, CLI in-process), shared."""

from __future__ import annotations

from tests.engine.conftest import cli, cli_factory

__all__ = ["cli", "cli_factory"]
