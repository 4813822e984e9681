"""Click to call and write (OSC 8 links), and the prospect's clock beside the lead."""

from __future__ import annotations

from dataclasses import replace

from rich.style import Style

from leadtui import views
from leadtui.app import LeadTuiApp
from leadtui.screens import loaders
from leadtui.workspace import Workspace
from widgets.lead_detail_view import contact_text, link_target
from widgets.queue_row import QueueRow


def _links(text) -> list[str]:  # type: ignore[no-untyped-def]
    return [
        span.style.link for span in text.spans if isinstance(span.style, Style) and span.style.link
    ]


def _detail(ws: Workspace, app: LeadTuiApp):  # type: ignore[no-untyped-def]
    with ws.session() as session:
        top = views.queue(ws, session, app.clock(), ws.me)[0].lead.id
    detail = loaders.load_detail(ws, top, app.clock())
    assert detail is not None
    return detail


def test_email_and_phone_are_terminal_links_with_encoded_targets(
    app: LeadTuiApp, workspace: Workspace
) -> None:
    detail = _detail(workspace, app)
    hostile = detail.lead._replace(
        email="ann+x@acme.example?cc=evil@x.example", phone="+49 30 1234-567"
    )
    text = contact_text(replace(detail, lead=hostile))
    links = _links(text)
    assert "mailto:ann%2Bx@acme.example%3Fcc%3Devil@x.example" in links
    assert "tel:+49301234567" in links
    assert "ann+x@acme.example?cc=evil@x.example" in text.plain  # shown as it is, never markup


def test_link_targets() -> None:
    assert link_target("email", "[b]a@b.example[/b]") == "mailto:%5Bb%5Da@b.example%5B/b%5D"
    assert link_target("phone", "(555) 010-9999 ext. 7") == "tel:5550109999,7"
    assert link_target("phone", "") is None


def test_the_prospects_local_time_shows_with_a_warning_outside_their_hours(
    app: LeadTuiApp, workspace: Workspace
) -> None:
    detail = _detail(workspace, app)  # NOW: Wednesday 15:00 UTC = 00:00 Thursday in Tokyo
    tokyo = replace(detail, lead=detail.lead._replace(timezone="Asia/Tokyo"))
    shown = contact_text(tokyo).plain
    assert "00:00 Thu there" in shown and "outside their working hours" in shown
    berlin = replace(detail, lead=detail.lead._replace(timezone="Europe/Berlin"))
    shown = contact_text(berlin).plain
    assert "16:00 Wed there" in shown and "outside" not in shown


def test_queue_rows_carry_links_when_wide() -> None:
    from datetime import UTC, datetime

    from widgets.contact_links import link_style

    row = QueueRow.make(
        lead_id=1, name="A", company="", email="a@b.example", phone="+1 555 0100", band="hot",
        score=80, source="web", created_at=datetime(2026, 1, 1, tzinfo=UTC), stl_deadline=None,
        first_touch_at=None, next_channel=None, next_due=None, paused=False, touches=0,
        steps_done=0, steps_total=None,
    )  # fmt: skip
    assert link_style("email", row.email).link == "mailto:a@b.example"
    assert link_style("phone", row.phone).link == "tel:+15550100"
    from widgets.queue_table import layout

    assert [key for _t, key, _w in layout(170)][-2:] == ["phone", "email"]
    assert [key for _t, key, _w in layout(140)][-1] == "phone"
    assert "phone" not in [key for _t, key, _w in layout(120)]
    assert "phone" not in [key for _t, key, _w in layout(80)]


async def test_a_call_outside_the_prospects_hours_is_warned_before(
    app: LeadTuiApp, workspace: Workspace
) -> None:
    from leadtui.screens.log_touch import LogTouchModal
    from tests.tui.conftest import loaded, top_lead_without_a_step

    # 00:00 Thursday in Tokyo; no next step, so a call is what the dialog offers.
    top_lead_without_a_step(workspace, app.clock(), timezone="Asia/Tokyo", phone="+81 3 1234 5678")
    async with app.run_test(size=(120, 35)) as pilot:
        await loaded(pilot)
        await pilot.press("l")
        assert isinstance(app.screen, LogTouchModal)
        said = [n.message for n in app._notifications]
        assert any("00:00 Thu" in m and "outside their working hours" in m for m in said), said
