"""The end-to-end harnesses (emulators on sockets, CLI in-process), shared."""

from __future__ import annotations

from tests.cli.cxone import cxone, cxone_factory
from tests.engine.conftest import cli, cli_factory

__all__ = ["cli", "cli_factory", "cxone", "cxone_factory"]
