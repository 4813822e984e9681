"""A lead's cadence at a glance: one mark per step, and what to do next."""

from __future__ import annotations

from datetime import datetime, tzinfo

from rich.text import Text
from textual.widgets import Static

from leadtui.domain.models import CadenceTemplate, Enrolment
from widgets.queue_row import span
from widgets.safe_text import clean

# Symbol and colour both: a step's state must read without colour too.
DONE, DUE, OVERDUE, PAUSED, LATER = "✓", "●", "!", "‖", "·"


def progress_text(
    enrolment: Enrolment | None,
    template: CadenceTemplate | None,
    now: datetime,
    zone: tzinfo | None = None,
) -> Text:
    if enrolment is None or template is None:
        return Text("Not in a cadence (press e to enrol).", style="dim")
    text = Text()
    text.append(f"{clean(enrolment.cadence)}  ", style="bold")
    overdue = enrolment.active and enrolment.due_at is not None and enrolment.due_at < now
    for index, step in enumerate(template.steps):
        if index < enrolment.step:
            text.append(DONE, style="green")
        elif index == enrolment.step and enrolment.active:
            if enrolment.paused_at is not None:
                text.append(PAUSED, style="yellow")
            elif overdue:
                text.append(OVERDUE, style="bold red")
            else:
                text.append(DUE, style="bold yellow")
        else:
            text.append(LATER, style="dim")
        text.append(f"{step.channel.value[0].upper()} ", style="dim")
    text.append(f"\nstep {min(enrolment.step + 1, len(template.steps))}/{len(template.steps)}")
    if not enrolment.active:
        ended = enrolment.exit_reason or "completed"
        text.append(f"  ended: {clean(ended)}", style="dim")
        return text
    if enrolment.step < len(template.steps):
        step = template.steps[enrolment.step]
        due = enrolment.due_at
        if enrolment.paused_at is not None:
            when = "paused"
        elif due is None:
            when = ""
        elif due < now:
            when = f"{OVERDUE} overdue by {span((now - due).total_seconds())}"
        else:
            local = due.astimezone(zone) if zone else due
            when = f"due {local:%a %d %b %H:%M} (in {span((due - now).total_seconds())})"
        text.append(f"  next: {step.channel.value}  ")
        text.append(when, style="bold red" if due is not None and due < now else "")
        if step.instruction:
            text.append(f"\n{clean(step.instruction)}", style="italic")
    return text


class CadenceProgress(Static):
    DEFAULT_CSS = """
    CadenceProgress { height: auto; }
    """

    def show(
        self,
        enrolment: Enrolment | None,
        template: CadenceTemplate | None,
        now: datetime,
        zone: tzinfo | None = None,
    ) -> None:
        self.update(progress_text(enrolment, template, now, zone))
