"""Progress of a long apply: a bar on a terminal, one line per event in CI logs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

Say = Callable[[str], None]
Step = Callable[[int, int], None]


@contextmanager
def apply_progress(stream: TextIO, *, interactive: bool) -> Iterator[tuple[Say, Step]]:
    """(say, on_step): event lines always; on a terminal also a live bar of writes done."""
    if not interactive:

        def say(message: str) -> None:
            print(message, file=stream, flush=True)

        yield say, lambda _done, _total: None
        return
    console = Console(file=stream, highlight=False)
    columns = (
        TextColumn("applying"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("apply", total=None)

        def say_live(message: str) -> None:
            bar.console.print(message, markup=False)

        def step(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield say_live, step
