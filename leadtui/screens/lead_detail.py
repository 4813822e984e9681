"""One lead, full screen: what narrow terminals show instead of the side-by-side detail."""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.binding import Binding

from leadtui.domain.models import SpeedToLeadState
from leadtui.keys import key_for
from leadtui.screens.lead_actions import LeadScreen
from leadtui.screens.messages import DetailLoaded
from widgets.key_bar import KeyBar
from widgets.lead_detail_view import LeadDetail, LeadDetailView
from widgets.too_small import TooSmall


class LeadDetailScreen(LeadScreen):
    BINDINGS = [
        Binding(
            key_for("detail.back"), "back", "Back", id="detail.back", tooltip="Back to the queue"
        ),
        Binding(
            key_for("detail.next"),
            "next_lead",
            "Next lead",
            id="detail.next",
            tooltip="The next lead in the queue",
        ),
    ]

    def __init__(self, lead_id: int) -> None:
        super().__init__(id="lead-detail-screen")
        self.lead_id = lead_id
        self.detail: LeadDetail | None = None

    def compose(self) -> ComposeResult:
        yield LeadDetailView(id="detail")
        yield TooSmall()
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(LeadDetailView).focus()
        self.reload()

    def current_lead_id(self) -> int | None:
        return self.lead_id

    def lead_in_view(self) -> int | None:
        return self.lead_id

    def current_contact(self) -> tuple[str, str, str]:
        if self.detail is None:
            return (f"lead {self.lead_id}", "", "")
        lead = self.detail.lead
        return (lead.name or lead.email, lead.email, lead.phone)

    def current_timezone(self) -> str:
        return self.detail.lead.timezone if self.detail else ""

    def current_status(self) -> str | None:
        return self.detail.lead.status.value if self.detail else None

    def current_window_deadline(self) -> datetime | None:
        d = self.detail
        if d is None or d.stl.state not in (SpeedToLeadState.PENDING, SpeedToLeadState.AT_RISK):
            return None
        return d.stl.deadline

    def current_channel(self) -> str | None:
        d = self.detail
        if d is None or d.enrolment is None or d.template is None or not d.enrolment.active:
            return None
        steps = d.template.steps
        return steps[d.enrolment.step].channel.value if d.enrolment.step < len(steps) else None

    def reload(self, lead_id: int | None = None) -> None:
        self.load_detail(self.lead_id)

    def advance_from(self, lead_id: int) -> None:
        self.action_next_lead()

    def action_next_lead(self) -> None:
        nxt = self.next_lead_after(self.lead_id)
        if nxt is None or nxt == self.lead_id:
            self.notify("No other lead in the queue.", markup=False)
            return
        self.lead_id, self.detail = nxt, None
        self.reload()

    def on_detail_loaded(self, message: DetailLoaded) -> None:
        if message.lead_id != self.lead_id:
            return  # a load for the lead shown before `n`
        self.detail = message.detail
        self.query_one(LeadDetailView).show(message.detail)
        self.refresh_bindings()

    def action_back(self) -> None:
        # Back on the queue, the cursor is on the lead this page showed last (after `n` or a
        # power hour's move), so the next key acts on the lead the rep was looking at.
        from leadtui.screens.queue_screen import QueueScreen

        for screen in self.app.screen_stack:
            if isinstance(screen, QueueScreen):
                screen.table.move_to(self.lead_id)
        self.app.pop_screen()
