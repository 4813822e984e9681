"""Machine-readable and table output for the command line (the JSON shapes of DESIGN.md)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any

from leadtui.domain.metrics import REPORT_FIELDS, GroupMetrics, to_json_dict
from leadtui.views import BreachView, LeadView, minutes_in_system


def iso(moment: datetime | None, zone: tzinfo | None = None) -> str | None:
    """ISO-8601 with offset, in the rep's zone when given, so one listing reads consistently."""
    if moment is None:
        return None
    return (moment.astimezone(zone) if zone else moment).isoformat()


def queue_row(view: LeadView, now: datetime, zone: tzinfo | None = None) -> dict[str, Any]:
    lead = view.lead
    enrolment = view.enrolment
    cadence = None
    if enrolment is not None and view.template is not None:
        step = view.next_step
        cadence = {
            "name": enrolment.cadence,
            "step": min(enrolment.step + 1, len(view.template.steps)),
            "steps": len(view.template.steps),
            "next_due": iso(enrolment.due_at, zone) if step else None,
            "next_channel": step.channel.value if step else None,
            "overdue": view.overdue(now),
        }
    context = view.context
    return {
        "id": lead.id,
        "crm_id": lead.crm_id or None,
        "name": lead.name,
        "company": lead.company,
        "email": lead.email,
        "phone": lead.phone,
        "owner": lead.owner,
        "source": lead.source,
        "score": view.score,
        "band": view.band.value,
        "status": lead.status.value,
        "created_at": iso(lead.created_at, zone),
        "routed_at": iso(lead.clock_start, zone),
        "time_in_system_minutes": minutes_in_system(lead, now),
        "speed_to_lead": {
            "deadline": iso(view.stl.deadline, zone),
            "state": view.stl.state.value,
            "minutes_left": view.stl.minutes_left,
            "first_touch_at": iso(view.stl.first_touch_at, zone),
        },
        "cadence": cadence,
        "touches": view.human_touches,
        "recycle": (
            {"at": iso(lead.recycled_at, zone), "reason": lead.recycle_reason}
            if lead.recycled_at
            else None
        ),
        "context": {
            "page_views": context.page_views if context else 0,
            "downloads": list(context.downloads) if context else [],
            "last_page": (context.last_page or None) if context else None,
            "form_answers": {"problem": lead.form_problem, "timeline": lead.form_timeline},
        },
    }


def breach_row(item: BreachView, zone: tzinfo | None = None) -> dict[str, Any]:
    lead, breach = item.lead, item.breach
    return {
        "lead_id": lead.id,
        "crm_id": lead.crm_id or None,
        "lead": lead.name,
        "owner": lead.owner,
        "source": lead.source,
        "kind": breach.kind.value,
        "due_at": iso(breach.due_at, zone),
        "late_by_minutes": breach.late_by_minutes,
        "resolved_at": iso(breach.resolved_at, zone),
    }


def report_row(metrics: GroupMetrics, by: str) -> dict[str, Any]:
    return to_json_dict(metrics, by)  # type: ignore[arg-type]


def reasons_cell(row: dict[str, Any]) -> str:
    """The disqualify reasons of a report row in one cell: "no_budget 2 (50.0%); student 1 ..."."""
    return "; ".join(
        f"{r['reason']} {r['count']} ({r['pct']:.1f}%)" for r in row.get("disqualify_reasons", [])
    )


# The terminal's report: one table per theme, each narrow enough to read.
FUNNEL_COLUMNS = tuple(
    f for f in REPORT_FIELDS[: REPORT_FIELDS.index("overdue_now")] if f != "avg_deal_value"
)
QUALITY_COLUMNS = (
    "leads",
    "accepted_pct",
    "rejected_pct",
    "disqualified",
    "top_reason",
    "bad_phone_pct",
    "bad_email_pct",
    "median_handoff_minutes",
    "p90_handoff_minutes",
    "recycled",
    "recycled_won",
)


def report_tables(rows: Sequence[dict[str, Any]], by: str, money: Sequence[str]) -> str:
    """Funnel, lead quality and (with [[spend]]) money, as three titled tables."""
    quality = []
    for row in rows:
        top = row.get("disqualify_reasons") or []
        cell = f"{top[0]['reason']} ({top[0]['pct']:.0f}%)" if top else None
        quality.append(row | {"top_reason": cell})
    parts = [
        "Funnel and SLA\n" + render(rows, "table", (by, *FUNNEL_COLUMNS)),
        "Lead quality\n" + render(quality, "table", (by, *QUALITY_COLUMNS)),
    ]
    if money:
        columns = (by, "leads", "revenue", "revenue_per_lead", *money)
        parts.append("Money\n" + render(rows, "table", columns))
    return "\n\n".join(parts)


def render(rows: Sequence[dict[str, Any]], fmt: str, columns: Sequence[str]) -> str:
    """JSON (the full rows), CSV or an aligned table (the named columns, flattened)."""
    if fmt == "json":
        return json.dumps(list(rows), indent=2, ensure_ascii=False)
    if fmt == "csv":
        # Raw values: a spreadsheet must read 183700.0, not "183,700.0".
        flat = [{column: _csv_cell(_dig(row, column)) for column in columns} for row in rows]
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n")
        writer.writeheader()
        writer.writerows(flat)
        return buffer.getvalue().rstrip("\n")
    flat = [{column: _cell(_dig(row, column)) for column in columns} for row in rows]
    return _table(flat, columns)


def _dig(row: dict[str, Any], path: str) -> Any:
    value: Any = row
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(_printable(str(v)) for v in value)
    return _printable(str(value))


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return _printable(str(value))


def _printable(text: str) -> str:
    """CRM text may carry terminal escapes; a table prints it, so strip control characters."""
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def _table(rows: Sequence[dict[str, str]], columns: Sequence[str]) -> str:
    headers = [column.split(".")[-1] for column in columns]
    widths = [len(h) for h in headers]
    for row in rows:
        for i, column in enumerate(columns):
            widths[i] = min(max(widths[i], len(row[column])), 40)
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    for row in rows:
        cells = [_clip(row[c], w).ljust(w) for c, w in zip(columns, widths, strict=True)]
        lines.append("  ".join(cells).rstrip())
    if not rows:
        lines.append("(nothing)")
    return "\n".join(lines)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
