"""Machine-readable and table output for the command line (the JSON shapes of DESIGN.md)."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from leadtui.lead_views import LeadView, minutes_in_system
from leadtui.safe_text import clean, csv_cell

if TYPE_CHECKING:  # the light queue path prints without the ORM-backed views loaded
    from leadtui.domain.metrics import GroupMetrics
    from leadtui.views import BreachView


def iso(moment: datetime | None, zone: tzinfo | None = None) -> str | None:
    """ISO-8601 with offset, in the rep's zone when given, so one listing reads consistently;
    to the second (a due time made from the wall clock carried its microseconds to every
    listing, and the CRM's milliseconds tell a rep nothing)."""
    if moment is None:
        return None
    return (moment.astimezone(zone) if zone else moment).isoformat(timespec="seconds")


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
    from leadtui.domain.metrics import to_json_dict

    return to_json_dict(metrics, by)  # type: ignore[arg-type]


def reasons_cell(row: dict[str, Any]) -> str:
    """The disqualify reasons of a report row in one cell: "no_budget 2 (50.0%); student 1 ..."."""
    return "; ".join(
        f"{r['reason']} {r['count']} ({r['pct']:.1f}%)" for r in row.get("disqualify_reasons", [])
    )


# The terminal's report: one table per theme. Together they show every column the CSV has (the
# reasons as the top one; the CSV and JSON carry them all), so no figure is CSV-only.
QUALITY_COLUMNS = (
    "leads",
    "accepted",
    "accepted_pct",
    "rejected",
    "rejected_pct",
    "disqualified",
    "top_reason",
    "bad_phone_pct",
    "bad_email_pct",
    "median_handoff_minutes",
    "p90_handoff_minutes",
)
RECYCLE_COLUMNS = (
    "leads",
    "recycled",
    "recycled_opportunities",
    "recycled_won",
    "recycled_revenue",
)


def report_tables(rows: Sequence[dict[str, Any]], by: str, money: Sequence[str]) -> str:
    """Funnel, lead quality and (with [[spend]]) money, as three titled tables."""
    from leadtui.domain.metrics import REPORT_FIELDS

    funnel = REPORT_FIELDS[: REPORT_FIELDS.index("disqualified")]
    quality = []
    for row in rows:
        top = row.get("disqualify_reasons") or []
        cell = f"{top[0]['reason']} ({top[0]['pct']:.0f}%)" if top else None
        quality.append(row | {"top_reason": cell})
    parts = [
        "Funnel and SLA\n" + render(rows, "table", (by, *funnel)),
        "Lead quality\n" + render(quality, "table", (by, *QUALITY_COLUMNS)),
        "Leads back from nurture\n" + render(rows, "table", (by, *RECYCLE_COLUMNS)),
    ]
    if money:
        columns = (by, "leads", "revenue", "revenue_per_lead", *money)
        parts.append("Money\n" + render(rows, "table", columns))
    return "\n\n".join(parts)


# json.dumps with any option builds an encoder per call; a 1,000-lead queue makes a thousand.
_JSON = json.JSONEncoder(ensure_ascii=False)


def render(rows: Sequence[dict[str, Any]], fmt: str, columns: Sequence[str]) -> str:
    """JSON (the full rows), CSV or an aligned table (the named columns, flattened)."""
    if fmt == "json":
        # One object a line: as easy to read and to grep, and each line is written by json's C
        # encoder (indent= falls back to the pure-Python one, most of a 1,000-lead queue's time).
        lines = ",\n".join(map(_JSON.encode, rows))
        return _escape_unsafe(f"[\n{lines}\n]" if rows else "[]")
    if fmt == "csv":
        import csv  # only here: `queue --format json` starts faster without it

        # Raw values: a spreadsheet must read 183700.0, not "183,700.0".
        flat = [{column: _csv_cell(_dig(row, column)) for column in columns} for row in rows]
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n")
        writer.writeheader()
        writer.writerows(flat)
        return buffer.getvalue().rstrip("\n")
    flat = [{column: _cell(_dig(row, column), column) for column in columns} for row in rows]
    return _table(flat, columns)


# Characters JSON may carry raw that a terminal acts on (C1 controls such as CSI U+009B, bidi
# overrides) or that cannot be written at all (lone surrogates): written as \\uXXXX escapes, the
# JSON keeps the same data and the terminal shows plain text. They only occur inside strings.
# A pattern, not a compiled one: re compiles (and caches) it on first use, which a plain-ASCII
# listing never makes (compiling it is 1% of `leadtui queue --format json`, bench/startup.py).
_JSON_UNSAFE = "[\x7f-\x9f\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]"


def _escape_unsafe(text: str) -> str:
    # isascii() takes constant time in CPython and `in` is a memchr: a plain-ASCII listing
    # (DEL is the only unsafe ASCII character) skips the regex's scan.
    if text.isascii() and "\x7f" not in text:
        return text
    return re.sub(_JSON_UNSAFE, lambda m: f"\\u{ord(m.group()):04x}", text)


def _dig(row: dict[str, Any], path: str) -> Any:
    value: Any = row
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool | int | float):
        return str(value)  # leadtui's own figures: -2.5 is a number, not a formula
    if isinstance(value, list):
        return csv_cell("; ".join(clean(str(v)) for v in value))
    return csv_cell(clean(str(value)))


# Money reads one way everywhere people read it (tables, the board): whole units, grouped.
MONEY_FIELDS = frozenset({"revenue", "revenue_per_lead", "avg_deal_value", "deal_value"})


def money(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f}"


def duration(minutes: float | None) -> str:
    """A span that runs from minutes to days, said plainly: 45m, 3.5h, 2.0d (board and tabs)."""
    if minutes is None:
        return "–"
    if minutes < 120:
        return f"{minutes:.0f}m"
    if minutes < 48 * 60:
        return f"{minutes / 60:.1f}h"
    return f"{minutes / 1440:.1f}d"


def _cell(value: Any, column: str = "") -> str:
    if value is None:
        return ""
    if column.split(".")[-1] in MONEY_FIELDS and isinstance(value, int | float):
        return money(value)
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, list):
        return "; ".join(clean(str(v)) for v in value)
    return clean(str(value))  # CRM text may carry terminal escapes; a table prints it


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
