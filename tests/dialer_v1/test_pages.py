"""`PageWalk`: every way a listing could never end is stopped, naming the list and the token."""

from __future__ import annotations

import pytest

from reconciler.dialer_v1 import errors
from reconciler.dialer_v1.answers import Where
from reconciler.dialer_v1.pages import Page, PageLimits, PageWalk

LISTING = Where("GET", "/api/v1/campaigns", kind="campaign", listing="campaigns")


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def items(*ids: str) -> list[dict[str, str]]:
    return [{"id": i, "name": f"name-{i}"} for i in ids]


def walk(limits: PageLimits | None = None, clock: FakeClock | None = None) -> PageWalk:
    return PageWalk(LISTING, limits=limits or PageLimits(), clock=clock or FakeClock())


def refusal(walker: PageWalk, pages: list[tuple[Page, str | None]]) -> errors.ProtocolError:
    with pytest.raises(errors.ProtocolError) as caught:
        for page, token in pages:
            walker.before_fetch(token)
            walker.accept(page, token)
    error = caught.value
    assert (error.method, error.path, error.field) == ("GET", "/api/v1/campaigns", "nextPageToken")
    assert error.resource == "the campaigns list" and error.hint
    return error


def test_a_finite_listing_is_walked_to_its_end() -> None:
    walker = walk()
    assert walker.accept(Page(items("a", "b"), "t1"), None) == list(enumerate(items("a", "b")))
    assert walker.accept(Page(items("c"), None, total=3), "t1") == [(0, items("c")[0])]
    assert (walker.pages, walker.served) == (2, 3)


def test_a_token_that_repeats_forever_stops_at_the_second_page() -> None:
    error = refusal(walk(), [(Page(items("a"), "T"), None), (Page(items("b"), "T"), "T")])
    assert "page 2 answers the nextPageToken 'T' again, which already led to page 2" in str(error)


def test_a_cycle_of_pages_stops_when_it_comes_round() -> None:
    pages = [
        (Page(items("a"), "A"), None),
        (Page(items("b"), "B"), "A"),
        (Page(items("c"), "A"), "B"),  # back to the second page
    ]
    error = refusal(walk(), pages)
    assert "page 3 answers the nextPageToken 'A' again, which already led to page 2" in str(error)


def test_fresh_tokens_over_the_same_items_are_a_cycle_too() -> None:
    pages = [
        (Page(items("a", "b"), "n1"), None),
        (Page(items("c"), "n2"), "n1"),
        (Page(items("a", "b"), "n3"), "n2"),
    ]
    error = refusal(walk(), pages)
    assert "page 3 holds only items already served (nextPageToken 'n2'): the pages cycle" in str(
        error
    )


def test_an_item_listed_again_is_served_once() -> None:
    walker = walk()
    walker.accept(Page(items("a", "b"), "t1"), None)
    assert walker.accept(Page(items("b", "c"), None), "t1") == [(1, items("c")[0])]


def test_more_items_than_the_servers_own_total_stop_the_listing() -> None:
    error = refusal(
        walk(),
        [
            (Page(items("a", "b"), "t1", total=3), None),
            (Page(items("c", "d"), "t2", total=3), "t1"),
        ],
    )
    assert "brings it to 4 items, more than the 3 the server gives as its total" in str(error)


def test_a_further_page_after_the_whole_total_is_refused() -> None:
    error = refusal(walk(), [(Page(items("a", "b"), "t1", total=2), None)])
    assert "announces a further page (nextPageToken 't1') although all 2 items" in str(error)


def test_an_absurd_page_count_is_stopped_at_the_cap() -> None:
    pages = [(Page(items(str(n)), f"t{n + 1}"), f"t{n}" if n else None) for n in range(10)]
    error = refusal(walk(PageLimits(max_pages=5)), pages)
    assert "it has more than 5 pages (the next token 't5' was not followed)" in str(error)


def test_a_listing_past_its_deadline_stops_before_the_next_fetch() -> None:
    clock = FakeClock()
    walker = walk(PageLimits(deadline_seconds=60), clock)
    walker.before_fetch(None)
    walker.accept(Page(items("a"), "t1"), None)
    clock.now = 61
    with pytest.raises(errors.DeadlineExceeded) as caught:
        walker.before_fetch("t1")
    assert "the campaigns list was still not complete after 60 s (pages read: 1, items: 1)" in str(
        caught.value
    )


def test_a_long_token_is_cut_short_in_the_message() -> None:
    token = "x" * 5000
    error = refusal(walk(), [(Page(items("a"), token), None), (Page(items("b"), token), token)])
    assert len(str(error)) < 600
