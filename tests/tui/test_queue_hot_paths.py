"""The queue's hot paths (filtering as the rep types, paging) give what the plain way gives."""

from __future__ import annotations

from datetime import datetime

import pytest
from textual.widgets import Input

from leadtui.app import LeadTuiApp
from leadtui.screens import loaders, queue_screen
from leadtui.screens.queue_screen import QueueScreen
from leadtui.workspace import Workspace
from tests.conftest import NOW
from tests.tui.conftest import as_read, loaded, settle
from widgets.queue_row import QueueRow
from widgets.queue_table import QueueTable


def test_filtered_order_is_the_order_with_only_those_leads(workspace: Workspace) -> None:
    snapshot = loaders.load_queue(workspace, NOW, first_page=0)
    order = snapshot.order
    assert len(order) > 16
    for keep in (set(order[::9]), set(order[1::2]), {order[-1], order[0], -5}, set()):
        # A few leads are sorted by place, many scanned: both read as the plain filter.
        assert snapshot.filtered(keep) == [i for i in order if i in keep]


def test_matching_by_the_rarest_character_finds_what_a_scan_finds(workspace: Workspace) -> None:
    snapshot = loaders.load_queue(workspace, NOW, first_page=0)
    texts = snapshot.queued_texts
    assert texts and [i for i, _ in texts] == [i for i in snapshot.order if i in dict(texts)]
    for needle in ("e", "ex", "exa", "a.c", "@", "qzx", " ", "\n", "example.com", ".*", "("):
        found = loaders.match_queued(snapshot, needle)
        assert found == loaders.narrow_text(texts, needle)
        assert loaders.search_queued(snapshot, needle) == found  # in the texts joined
    assert loaders.match_queued(snapshot, "e")  # not vacuous


def test_searching_the_joined_texts_counts_each_lead_once_whatever_they_hold() -> None:
    texts = [(1, "ab\0ab"), (2, "b"), (3, "xab\nab"), (4, ""), (5, "a"), (6, "b\0")]
    snapshot = loaders.QueueSnapshot({}, [6, 5, 4, 3, 2, 1], NOW, None, texts=texts)
    snapshot.queued()
    for needle in ("ab", "a", "b", "\0", "b\0", "ba", "\n"):
        wanted = loaders.narrow_text(snapshot.queued_texts, needle)
        assert loaders.search_queued(snapshot, needle) == wanted
    assert [i for i, _ in loaders.search_queued(snapshot, "ab")] == [3, 1]


async def test_typing_narrows_to_what_a_fresh_search_finds(
    app: LeadTuiApp, workspace: Workspace
) -> None:
    async with app.run_test(size=(120, 35)) as pilot:
        await loaded(pilot)
        screen = app.screen
        assert isinstance(screen, QueueScreen) and screen.snapshot is not None
        table = screen.query_one(QueueTable)
        everyone = list(table.order)
        await pilot.press("slash")
        for typed in ("e", "ex", "exa"):
            await pilot.press(typed[-1])
            await settle(pilot)
            fresh = loaders.matching_text(workspace, typed)  # in the database, no snapshot
            assert list(table.order) == [i for i in everyone if i in fresh]
        await pilot.press("backspace", "backspace", "backspace")
        await settle(pilot)
        assert list(table.order) == everyone


async def test_the_pages_around_the_screen_are_fetched_before_they_are_shown(
    app: LeadTuiApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No rows read with the order beyond the screen's: this small queue would all be.
    monkeypatch.setattr(queue_screen, "QUEUED_ROWS", False)
    async with app.run_test(size=(120, 16)) as pilot:
        await loaded(pilot)
        await settle(pilot)
        table = app.screen.query_one(QueueTable)
        shown = table.size.height - 1
        assert len(table.order) > shown + 3
        below = table.order[shown : 2 * shown]  # the page a page-down shows
        assert all(table.row(i) is not None for i in below)


async def test_erasing_widens_to_what_a_fresh_search_finds_and_keeps_the_cursor_lead(
    app: LeadTuiApp, workspace: Workspace
) -> None:
    async with app.run_test(size=(120, 35)) as pilot:
        await loaded(pilot)
        table = app.screen.query_one(QueueTable)
        everyone = list(table.order)
        await pilot.press("slash", "e", "x", "a", "enter")  # enter: back to the table
        await settle(pilot)
        assert len(table.order) > 3
        await pilot.press("down", "down", "down")
        chosen = table.cursor_lead_id
        assert chosen == table.order[3]
        await pilot.press("slash", "end")  # focusing selects the text: to its end instead
        for typed in ("ex", "e", ""):
            await pilot.press("backspace")
            await settle(pilot)
            fresh = loaders.matching_text(workspace, typed) if typed else set(everyone)
            assert list(table.order) == [i for i in everyone if i in fresh]
            assert table.cursor_lead_id == chosen  # it matches a shorter needle too


async def test_the_scrollbar_and_the_scroll_range_follow_the_filtered_rows(
    app: LeadTuiApp,
) -> None:
    async with app.run_test(size=(120, 20)) as pilot:
        await loaded(pilot)
        table = app.screen.query_one(QueueTable)
        everyone = list(table.order)
        assert len(everyone) > table.size.height and table.show_vertical_scrollbar
        one = table.row(everyone[0])
        assert one is not None
        await pilot.press("slash", *one.email)
        await settle(pilot)
        assert list(table.order) == [everyone[0]]
        assert not table.show_vertical_scrollbar and table.max_scroll_y == 0
        await pilot.press("escape", "end")  # the whole queue again, to its last lead
        await settle(pilot)
        assert table.show_vertical_scrollbar
        last = table.row(everyone[-1])
        assert last is not None and table.cursor_lead_id == everyone[-1]
        bottom = table.render_line(table.size.height - 1).text
        assert (last.name or last.email)[:10] in bottom
        # A new order with no keystroke behind it (a reload, a band filter): the same.
        table.set_order(everyone[:2])
        await pilot.pause()
        assert not table.show_vertical_scrollbar and table.max_scroll_y == 0
        table.set_order(everyone)
        await pilot.pause()
        assert table.show_vertical_scrollbar and table.max_scroll_y > 0


async def test_a_reload_keeps_the_text_filter_and_typing_goes_on_from_it(
    app: LeadTuiApp, workspace: Workspace
) -> None:
    async with app.run_test(size=(120, 35)) as pilot:
        await loaded(pilot)
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        table = screen.query_one(QueueTable)
        await pilot.press("slash", "e")
        await settle(pilot)
        before = screen.snapshot
        screen.reload()
        await settle(pilot)
        assert screen.snapshot is not before and screen.snapshot is not None
        order = screen.snapshot.order
        for typed in ("e", "ex"):
            if typed == "ex":
                await pilot.press("x")
                await settle(pilot)
            fresh = loaders.matching_text(workspace, typed)  # in the database
            assert list(table.order) == [i for i in order if i in fresh]


def test_the_queues_rows_read_at_once_read_as_the_rows_read_one_by_one(
    workspace: Workspace,
) -> None:
    order = loaders.load_queue(workspace, NOW, first_page=0).order
    at_once = loaders.queued_rows(workspace, NOW)
    assert sorted(at_once) == sorted(order)
    one_by_one = loaders.load_rows(workspace, order, NOW)
    assert [as_read(at_once[i]) for i in order] == [as_read(one_by_one[i]) for i in order]
    # Not vacuous: touched and untouched leads, steps to come, leads back from nurture.
    rows = list(at_once.values())
    assert any(r.first_touch_at for r in rows) and any(not r.first_touch_at for r in rows)
    assert any(r.next_channel for r in rows) and any(r.steps_total for r in rows)
    # Seen before some of the first touches were made, as `--now` in the past shows them.
    touched = {r.lead_id: r.first_touch_at for r in rows if r.first_touch_at is not None}
    earlier = sorted(touched.values())[len(touched) // 2]
    at_once = loaders.queued_rows(workspace, earlier)
    one_by_one = loaders.load_rows(workspace, order, earlier)
    assert [as_read(at_once[i]) for i in order] == [as_read(one_by_one[i]) for i in order]
    assert any(at_once[i].first_touch_at is None for i in touched)  # not touched yet by then


@pytest.mark.parametrize("queued_rows", [True, False])
async def test_every_queued_leads_row_is_read_with_the_order(
    app: LeadTuiApp, monkeypatch: pytest.MonkeyPatch, queued_rows: bool
) -> None:
    """A filter's page or a page far down paints from memory, with no read of its own."""
    monkeypatch.setattr(queue_screen, "QUEUED_ROWS", queued_rows)
    async with app.run_test(size=(120, 16)) as pilot:
        await loaded(pilot)
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        await pilot.press("slash")  # the filter box has the keys: no neighbours are read
        await settle(pilot)
        table = screen.query_one(QueueTable)
        table.forget(table.order)
        screen.reload()
        await settle(pilot)
        shown = table.visible_lead_ids()
        far = [i for i in table.order if i not in shown]
        assert far and all(table.row(i) is not None for i in shown)
        assert all((table.row(i) is not None) is queued_rows for i in far)
        if queued_rows:
            table.forget(far[-1:])  # an action changed it: read again, not painted as it was
            assert table.row(far[-1]) is None


async def test_a_filter_keystroke_reads_nothing_once_the_queue_is_loaded(
    app: LeadTuiApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with app.run_test(size=(120, 16)) as pilot:
        await loaded(pilot)
        await settle(pilot)
        table = app.screen.query_one(QueueTable)
        await pilot.press("end", "slash")  # the cursor far down; then the filter box has
        await settle(pilot)  # the keys: no neighbours are read from here on
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        table.forget(table.order)  # only what a load reads, as after a reload
        screen.reload()
        await settle(pilot)
        reads: list[list[int]] = []
        real = loaders.load_rows

        def counted(ws: Workspace, lead_ids: list[int], now: datetime) -> dict[int, QueueRow]:
            reads.append(lead_ids)
            return real(ws, lead_ids, now)

        assert screen.snapshot is not None
        texts = [text for _, text in screen.snapshot.queued_texts]
        # Two letters that narrow the queue step by step (some leads match, not all).
        one = next(c for c in "kvwjxyzqbgpf" if 2 < sum(c in t for t in texts) < len(texts))
        two = next(
            one + c
            for c in "aeiourlnst"
            if 0 < sum(one + c in t for t in texts) < sum(one in t for t in texts)
        )
        monkeypatch.setattr(loaders, "load_rows", counted)
        await pilot.press(one)
        await settle(pilot)
        await pilot.press(two[-1])
        await settle(pilot)
        narrowed = list(table.order)
        await pilot.press("backspace", "backspace")
        await settle(pilot)
        assert reads == []
        assert narrowed and len(table.order) > len(narrowed)  # both ways, not vacuous
        assert all(table.row(i) is not None for i in table.visible_lead_ids())


async def test_the_queue_follows_the_filter_box_at_once(
    app: LeadTuiApp, workspace: Workspace
) -> None:
    """No message in between: the box and the queue it filters repaint in the same frame."""
    async with app.run_test(size=(120, 35)) as pilot:
        await loaded(pilot)
        table = app.screen.query_one(QueueTable)
        everyone = list(table.order)
        await pilot.press("slash")
        box = app.screen.query_one("#filter", Input)
        box.value = "ex"  # what a keystroke does, with nothing awaited after it
        fresh = loaders.matching_text(workspace, "ex")  # in the database
        assert fresh and list(table.order) == [i for i in everyone if i in fresh]
        box.value = ""
        assert list(table.order) == everyone


async def test_the_filter_box_scrolls_to_follow_a_long_text(app: LeadTuiApp) -> None:
    async with app.run_test(size=(60, 20)) as pilot:
        await loaded(pilot)
        await pilot.press("slash", *"nobody-has-this-name-", *"0123456789" * 4, "x", "y", "z")
        await settle(pilot)
        box = app.screen.query_one("#filter")
        shown = "".join(box.render_line(y).text for y in range(box.size.height))
        assert "89xyz" in shown and "nobody" not in shown  # the end, where the cursor is
        await pilot.press("home")
        await pilot.pause()
        shown = "".join(box.render_line(y).text for y in range(box.size.height))
        assert "nobody" in shown and "xyz" not in shown
        assert not app.screen.query_one(QueueTable).order  # and nobody matches it


async def test_an_edit_inside_the_needle_finds_what_a_fresh_search_finds(
    app: LeadTuiApp, workspace: Workspace
) -> None:
    async with app.run_test(size=(120, 35)) as pilot:
        await loaded(pilot)
        table = app.screen.query_one(QueueTable)
        everyone = list(table.order)
        await pilot.press("slash", "n")
        await settle(pilot)
        await pilot.press("home", "a")  # "an": no needle typed before is its prefix
        await settle(pilot)
        assert app.screen.query_one("#filter", Input).value == "an"
        fresh = loaders.matching_text(workspace, "an")  # in the database
        assert fresh and list(table.order) == [i for i in everyone if i in fresh]


async def test_neighbours_are_read_once_the_queue_has_the_keys_again(
    app: LeadTuiApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While a filter is typed each key brings other rows: reading their neighbours is wasted."""
    monkeypatch.setattr(queue_screen, "QUEUED_ROWS", False)
    async with app.run_test(size=(120, 16)) as pilot:
        await loaded(pilot)
        table = app.screen.query_one(QueueTable)
        await pilot.press("slash")  # the filter box has the keys
        await settle(pilot)
        shown = table.size.height - 1  # with the box above the queue
        assert len(table.order) > 2 * shown
        below = table.order[shown : 2 * shown]  # the page a page-down shows
        table.forget(table.order)  # every row read again, as after a reload
        await settle(pilot)
        assert all(table.row(i) is not None for i in table.visible_lead_ids())
        assert all(table.row(i) is None for i in below)
        await pilot.press("enter")  # back to the queue
        await settle(pilot)
        assert all(table.row(i) is not None for i in below)
