"""The rep's actions on one lead, shared by the queue and the lead detail screens.

Each action asks what it needs in a dialog, then runs the workspace method in a thread worker;
the worker posts `ActionDone` back and the app reloads whatever shows that lead.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from leadtui.domain.models import OPEN_STATUSES
from leadtui.domain.reasons import OTHER
from leadtui.domain.when import describe_when, parse_when, when_check, when_preview
from leadtui.keys import key_for
from leadtui.screens.log_touch import LogTouchModal, TouchInput
from leadtui.screens.messages import ActionDone
from leadtui.screens.modals import ChoiceModal, PromptModal
from leadtui.screens.undo_trail import UndoKind, UndoStep, take_back
from widgets.too_small import MIN_HEIGHT, MIN_WIDTH

if TYPE_CHECKING:
    from leadtui.app import LeadTuiApp
    from leadtui.workspace import Workspace

Action = Callable[["Workspace", datetime], int]


AT_A_TIME = "at a time… (Tue 15:00, in 2h, tomorrow 9)"


def snooze_presets(now: datetime, zone: tzinfo) -> list[tuple[str, datetime | None]]:
    """Label and wake time of each snooze choice, computed in the rep's zone."""
    local = now.astimezone(zone)
    nine = time(9, 0)
    tomorrow = datetime.combine(local.date() + timedelta(days=1), nine, tzinfo=zone)
    monday = local.date() + timedelta(days=7 - local.weekday())
    return [
        ("1 hour", now + timedelta(hours=1)),
        ("4 hours", now + timedelta(hours=4)),
        (f"tomorrow 9:00 ({tomorrow:%a %d %b})", tomorrow),
        (
            f"next week, Monday 9:00 ({monday:%d %b})",
            datetime.combine(monday, nine, tzinfo=zone),
        ),
        ("wake it now", None),
    ]


def check_amount(text: str) -> str | None:
    if not text.strip():
        return None
    try:
        value = float(text.replace(",", "").strip())
    except ValueError:
        return "Type a number such as 12000, or leave it blank."
    return "A deal value cannot be negative." if value < 0 else None


LEAD_ACTIONS = frozenset(
    {
        "log_touch",
        "add_note",
        "snooze",
        "enrol",
        "pause",
        "resume",
        "convert",
        "disqualify",
        "undo",
        "copy_email",
        "copy_phone",
    }
)


class LeadScreen(Screen[None]):
    """A screen that shows one current lead and offers the actions on it."""

    BINDINGS = [
        Binding(
            key_for("log_touch"),
            "log_touch",
            "Log touch",
            id="log_touch",
            tooltip="Record a call, email...",
        ),
        Binding(
            key_for("add_note"), "add_note", "Note", id="add_note", tooltip="Add a note to the lead"
        ),
        Binding(
            key_for("snooze"), "snooze", "Snooze", id="snooze", tooltip="Hide the lead until a time"
        ),
        Binding(
            key_for("enrol"), "enrol", "Cadence", id="enrol", tooltip="Enrol in or switch cadence"
        ),
        Binding(
            key_for("pause"), "pause", "Pause", id="pause", show=False, tooltip="Pause the cadence"
        ),
        Binding(
            key_for("resume"),
            "resume",
            "Resume",
            id="resume",
            show=False,
            tooltip="Resume the cadence",
        ),
        Binding(
            key_for("convert"),
            "convert",
            "Convert",
            id="convert",
            tooltip="Convert to an opportunity",
        ),
        Binding(
            key_for("disqualify"),
            "disqualify",
            "Disqualify",
            id="disqualify",
            tooltip="Disqualify, say why",
        ),
        Binding(
            key_for("undo"),
            "undo",
            "Undo",
            id="undo",
            show=False,
            tooltip="Take back your last change of this session, on any lead",
        ),
        Binding(
            key_for("copy_email"),
            "copy_email",
            "Copy email",
            id="copy_email",
            show=False,
            tooltip="Copy the email address to the clipboard",
        ),
        Binding(
            key_for("copy_phone"),
            "copy_phone",
            "Copy phone",
            id="copy_phone",
            show=False,
            tooltip="Copy the phone number to the clipboard",
        ),
    ]

    @property
    def tui(self) -> LeadTuiApp:
        return self.app  # type: ignore[return-value]

    # Subclasses say which lead is current and what it is called.
    def current_lead_id(self) -> int | None:
        raise NotImplementedError

    def current_contact(self) -> tuple[str, str, str]:
        """(name, email, phone) of the current lead, as far as known."""
        raise NotImplementedError

    def current_channel(self) -> str | None:
        return None

    def current_timezone(self) -> str:
        """The prospect's IANA zone where known, else ""."""
        return ""

    def warn_outside_hours(self, name: str) -> None:
        """Before a call: say so when it is outside the prospect's working hours."""
        ws, zone = self.tui.workspace, self.current_timezone()
        if ws is None or not zone:
            return
        prospect = ws.rules.calendar.in_zone(zone)
        now = self.tui.clock()
        if prospect.timezone != zone or prospect.is_working_time(now):
            return
        local = now.astimezone(prospect.zone)
        self.notify(
            f"It is {local:%H:%M %a} for {name} ({zone}): outside their working hours.",
            title="Their clock",
            severity="warning",
            markup=False,
        )

    def current_status(self) -> str | None:
        """The current lead's status where the screen knows it (the queue holds open leads)."""
        return None

    def closed_lead(self) -> bool:
        """Say so, before asking anything, when the lead is already closed."""
        status = self.current_status()
        if status is None or status in {s.value for s in OPEN_STATUSES}:
            return False
        name = self.current_contact()[0]
        self.notify(f"{name} is already {status}.", severity="warning", markup=False)
        return True

    def reload(self, lead_id: int | None = None) -> None:
        """Fetch again whatever this screen shows; `lead_id` changed."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # With no lead under the cursor the lead actions show greyed out rather than vanish.
        if action in LEAD_ACTIONS and self.current_lead_id() is None:
            return None
        return True

    def on_resize(self) -> None:
        small = self.size.width < MIN_WIDTH or self.size.height < MIN_HEIGHT
        self.set_class(small, "-too-small")

    # -- running an action ---------------------------------------------------------------

    def load_detail(self, lead_id: int) -> None:
        """Read one lead's detail in a worker; it comes back as a DetailLoaded message."""
        from leadtui.screens import loaders
        from leadtui.screens.messages import DetailLoaded

        ws, clock = self.tui.workspace, self.tui.clock
        if ws is None:
            return

        def work() -> None:
            self.post_message(DetailLoaded(lead_id, loaders.load_detail(ws, lead_id, clock())))

        self.run_worker(
            work,
            thread=True,
            group="detail",
            exclusive=True,
            exit_on_error=False,
            name="Loading the lead",
        )

    def run_action_in_worker(
        self,
        lead_id: int,
        name: str,
        summary: str,
        action: Action,
        *,
        advance: bool = False,
        undo: UndoKind = "change",
        cadence: str = "",
    ) -> None:
        """Run `action` in a thread; once it is done, `u` can take it back (as `undo` says)."""
        ws, clock = self.tui.workspace, self.tui.clock
        if ws is None:
            return

        def work() -> None:
            before = ws.snoozed_until(lead_id) if undo == "snooze" else None
            changed = action(ws, clock())
            done = UndoStep(changed, name, undo, before, cadence)
            self.post_message(ActionDone(changed, summary, advance=advance, undo=done))

        self.run_worker(work, thread=True, group="action", exit_on_error=False, name=summary)

    def on_action_done(self, message: ActionDone) -> None:
        if message.undo is not None:
            self.tui.undo_trail.append(message.undo)
            self.tui.changes_made += 1
        self.notify(message.summary, markup=False)
        if message.advance and self.power_hour:
            self.advance_from(message.lead_id)
        self.tui.lead_changed(message.lead_id)
        self.tui.sync_soon()  # the change goes to the CRM now, not at the next interval

    @property
    def power_hour(self) -> bool:
        ws = self.tui.workspace
        return ws is None or ws.config.ui.power_hour

    def advance_from(self, lead_id: int) -> None:
        """Power hour: show the next most urgent lead after `lead_id` was worked."""

    def next_lead_after(self, lead_id: int) -> int | None:
        """The lead after `lead_id` in the queue's order (most urgent first), or None."""
        from leadtui.screens.queue_screen import QueueScreen

        queues = [s for s in self.app.screen_stack if isinstance(s, QueueScreen)]
        order = list(queues[0].table.order) if queues else []
        if lead_id in order:
            i = order.index(lead_id)
            rest = order[i + 1 :] + order[:i]
        else:
            rest = order
        return rest[0] if rest else None

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        from leadtui.workspace import ActionError  # loaded by the action that failed

        if isinstance(error, ActionError):
            self.notify(str(error), severity="warning", markup=False)
        else:
            self.notify(
                f"{event.worker.name or 'That'} failed: {type(error).__name__}: {error}",
                severity="error",
                markup=False,
                timeout=10,
            )

    # -- the actions ---------------------------------------------------------------------

    def action_log_touch(self) -> None:
        lead_id = self.current_lead_id()
        ws = self.tui.workspace
        if lead_id is None:
            return
        name = self.current_contact()[0]
        now = self.tui.clock()
        zone = ws.rules.calendar.zone if ws is not None else None

        def done(answer: TouchInput | None) -> None:
            if answer is None:
                return
            when = f" at {describe_when(answer.at, now, zone)}" if answer.at and zone else ""
            if answer.outcome == "meeting_booked":
                self.ask_meeting_time(lead_id, name)
            self.run_action_in_worker(
                lead_id,
                name,
                f"Logged {answer.channel} ({answer.outcome.replace('_', ' ')}) for {name}{when}.",
                lambda ws, now: ws.log_touch(
                    lead_id, answer.channel, answer.outcome, now, note=answer.note,
                    occurred_at=answer.at,
                ),
                # A booked meeting asks what comes next here; otherwise power hour moves on.
                advance=answer.outcome != "meeting_booked",
            )  # fmt: skip

        has_phone = bool(self.current_contact()[2])
        if (self.current_channel() or ("call" if has_phone else "email")) == "call":
            self.warn_outside_hours(name)
        self.app.push_screen(
            LogTouchModal(name, self.current_channel(), has_phone=has_phone, now=now, zone=zone),
            done,
        )

    def ask_meeting_time(self, lead_id: int, name: str) -> None:
        """A booked meeting: when is it (kept as a note the CRM gets too), then convert?"""
        ws = self.tui.workspace
        if ws is None:
            return
        now, zone = self.tui.clock(), ws.rules.calendar.zone

        def offer_convert(answer: str | None) -> None:
            if answer == "convert":
                self.action_convert()
            elif self.power_hour:  # the rep has decided: on to the next lead, as after any touch
                self.advance_from(lead_id)
                self.tui.lead_changed(lead_id)  # the queue moves on when its next read lands

        def timed(text: str | None) -> None:
            if text:
                at = parse_when(text, now, zone)
                body = f"Meeting booked for {describe_when(at, now, zone)}."
                self.run_action_in_worker(
                    lead_id,
                    name,
                    f"{name}: meeting on {describe_when(at, now, zone)} noted.",
                    lambda w, at_now: w.add_note(lead_id, body, at_now),
                )
            self.app.push_screen(
                ChoiceModal(
                    f"{name} booked a meeting. Convert to an opportunity now?",
                    [("Convert now", "convert"), ("Not yet", "later")],
                ),
                offer_convert,
            )

        self.app.push_screen(
            PromptModal(
                f"Meeting with {name}: when?",
                "Tue 15:00, tomorrow 10, in 2d (blank: not set yet)",
                check=lambda t: when_check(now, zone)(t) if t.strip() else None,
                preview=when_preview(now, zone),
            ),
            timed,
        )

    def action_add_note(self) -> None:
        lead_id = self.current_lead_id()
        if lead_id is None:
            return
        name = self.current_contact()[0]

        def done(body: str | None) -> None:
            if body and body.strip():
                self.run_action_in_worker(
                    lead_id,
                    name,
                    f"Note added to {name}.",
                    lambda ws, now: ws.add_note(lead_id, body, now),
                )

        self.app.push_screen(
            PromptModal(
                f"Note on {name}",
                "what you learnt",
                check=lambda s: None if s.strip() else "A note needs some text.",
            ),
            done,
        )

    def current_window_deadline(self) -> datetime | None:
        """The deadline of the current lead's open speed-to-lead window, if it has one."""
        return None

    def action_snooze(self) -> None:
        lead_id = self.current_lead_id()
        ws = self.tui.workspace
        if lead_id is None or ws is None:
            return
        name = self.current_contact()[0]
        now, zone = self.tui.clock(), ws.rules.calendar.zone
        presets = [*snooze_presets(now, zone), (AT_A_TIME, None)]
        by_label = dict(presets)

        def snooze(until: datetime | None) -> None:
            said = (
                f"{name} snoozed until {describe_when(until, now, zone)}."
                if until
                else f"{name} woken."
            )
            self.run_action_in_worker(
                lead_id, name, said, lambda w, at: w.snooze(lead_id, until, at), undo="snooze"
            )

        def confirmed(until: datetime, answer: str | None) -> None:
            if answer == "snooze":
                snooze(until)

        def chosen(until: datetime | None) -> None:
            deadline = self.current_window_deadline()
            if until is None or deadline is None or until <= deadline:
                snooze(until)
                return
            # Snoozing hides the lead past the moment its first touch is due: say so first.
            closes = describe_when(deadline, now, zone)
            self.app.push_screen(
                ChoiceModal(
                    f"{name}'s first-touch window closes {closes}. Snooze past it?",
                    [("Snooze anyway", "snooze"), ("Keep the lead in the queue", "keep")],
                ),
                lambda answer: confirmed(until, answer),
            )

        def typed(text: str | None) -> None:
            if text is not None:
                chosen(parse_when(text, now, zone))

        def picked(choice: str | None) -> None:
            if choice is None:
                return
            if choice == AT_A_TIME:
                self.app.push_screen(
                    PromptModal(
                        f"Snooze {name} until",
                        "Tue 15:00, in 2h, tomorrow 9",
                        check=when_check(now, zone),
                        preview=when_preview(now, zone),
                    ),
                    typed,
                )
                return
            chosen(by_label[choice])

        self.app.push_screen(
            ChoiceModal(f"Snooze {name} until", [(label, label) for label, _ in presets]), picked
        )

    def action_enrol(self) -> None:
        lead_id = self.current_lead_id()
        ws = self.tui.workspace
        if lead_id is None or ws is None:
            return
        name = self.current_contact()[0]
        choices = [
            (f"{t.name}: {len(t.steps)} steps. {t.description}", t.name)
            for t in ws.rules.templates.values()
        ]

        def done(cadence: str | None) -> None:
            if cadence:
                self.run_action_in_worker(
                    lead_id,
                    name,
                    f"{name} enrolled in {cadence}.",
                    lambda w, now: w.enrol(lead_id, cadence, now),
                    undo="enrol",
                    cadence=cadence,
                )

        self.app.push_screen(ChoiceModal(f"Cadence for {name}", choices), done)

    def action_pause(self) -> None:
        lead_id = self.current_lead_id()
        if lead_id is not None:
            name = self.current_contact()[0]
            self.run_action_in_worker(
                lead_id,
                name,
                f"{name}'s cadence paused.",
                lambda w, now: w.pause(lead_id, now),
                undo="pause",
            )

    def action_resume(self) -> None:
        lead_id = self.current_lead_id()
        if lead_id is not None:
            name = self.current_contact()[0]
            self.run_action_in_worker(
                lead_id,
                name,
                f"{name}'s cadence resumed.",
                lambda w, now: w.resume(lead_id, now),
                undo="resume",
            )

    def action_convert(self) -> None:
        lead_id = self.current_lead_id()
        if lead_id is None or self.closed_lead():
            return
        name = self.current_contact()[0]

        def done(value: str | None) -> None:
            if value is None:
                return
            amount = float(value.replace(",", "")) if value.strip() else None
            self.run_action_in_worker(
                lead_id,
                name,
                f"{name} converted to an opportunity.",
                lambda w, now: w.convert(lead_id, amount, now),
            )

        self.app.push_screen(
            PromptModal(f"Convert {name}: deal value", "e.g. 12000 (optional)", check=check_amount),
            done,
        )

    def action_disqualify(self) -> None:
        """The configured pick-list of reasons; "other" asks for the rep's own words."""
        lead_id = self.current_lead_id()
        ws = self.tui.workspace
        if lead_id is None or ws is None or self.closed_lead():
            return
        name = self.current_contact()[0]

        def disqualify(reason: str | None) -> None:
            if reason and reason.strip():
                self.run_action_in_worker(
                    lead_id,
                    name,
                    f"{name} disqualified.",
                    lambda w, now: w.disqualify(lead_id, reason, now),
                )

        def picked(key: str | None) -> None:
            if key != OTHER:
                disqualify(key)
                return
            self.app.push_screen(
                PromptModal(
                    f"Disqualify {name}: why?",
                    "in your own words",
                    check=lambda s: None if s.strip() else "Say why the lead is disqualified.",
                ),
                disqualify,
            )

        choices = [(reason.label, reason.key) for reason in ws.rules.reasons]
        self.app.push_screen(ChoiceModal(f"Disqualify {name}: why?", choices), picked)

    def lead_in_view(self) -> int | None:
        """The lead this screen is about (a lead's page), or None (the queue's many)."""
        return None

    def action_undo(self) -> None:
        """Take back the rep's last change of this session, to whichever lead (the toast names
        it). Before any, `u` takes back the selected lead's last change, from any session; once
        the session's changes are all undone, only on a lead's own page."""
        ws, clock = self.tui.workspace, self.tui.clock
        if ws is None:
            return
        trail = self.tui.undo_trail
        lead_id = self.lead_in_view() if self.tui.changes_made else self.current_lead_id()
        if trail:
            step = trail.pop()
        elif lead_id is not None:
            step = UndoStep(lead_id, self.current_contact()[0])
        else:
            if self.tui.changes_made:
                self.notify(
                    "Your changes of this session are all undone. To take back an older one,"
                    " open its lead (enter) and press u there.",
                    severity="warning",
                    markup=False,
                )
            return

        def work() -> None:
            said = take_back(step, ws, clock())
            self.post_message(ActionDone(step.lead_id, said))

        self.run_worker(work, thread=True, group="action", exit_on_error=False, name="Undo")

    def _copy(self, what: str, value: str) -> None:
        if not value:
            self.notify(f"No {what} on this lead.", severity="warning", markup=False)
            return
        self.app.copy_to_clipboard(value)
        self.notify(f"Copied {what} {value}.", markup=False)

    def action_copy_email(self) -> None:
        self._copy("email", self.current_contact()[1])

    def action_copy_phone(self) -> None:
        self._copy("phone", self.current_contact()[2])
