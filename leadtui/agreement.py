"""The marketing-sales agreement the configuration encodes, written down with its figures.

RESEARCH.md: lead programmes break at the handoff unless both sides sign a service-level
agreement that says what a qualified lead is, how fast sales answers, what happens to leads that
are not ready, and how rejections are fed back, by source. leadtui already runs on exactly those
rules (scoring bands, the speed-to-lead window, cadences, disqualify reasons, recycle rules);
`leadtui agreement` prints them as Markdown beside what the last 30 days measured. Every figure
comes from `views.report_of`, the function `leadtui report` prints, so the two always agree.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlmodel import Session

from leadtui import views
from leadtui.domain.metrics import GroupMetrics, LeadFacts, group_metrics
from leadtui.domain.models import Band
from leadtui.domain.recycle import describe
from leadtui.domain.scoring import DEFAULT_CADENCE_FOR_BAND
from leadtui.workspace import Workspace

DEFAULT_DAYS = 30
WEEKDAY_NAMES = {
    "mon": "Mon",
    "tue": "Tue",
    "wed": "Wed",
    "thu": "Thu",
    "fri": "Fri",
    "sat": "Sat",
    "sun": "Sun",
}


@dataclass(frozen=True)
class Figures:
    since: datetime
    now: datetime
    overall: GroupMetrics | None  # every lead of the period together; None when there are none
    sources: list[GroupMetrics]


def measure(ws: Workspace, session: Session, now: datetime, since: datetime | None) -> Figures:
    """The period's figures: `report --by source --since` per source, and all leads together."""
    start = since or now - timedelta(days=DEFAULT_DAYS)
    facts = views.lead_facts(ws, session, now, start)
    sources = views.report_of(ws, facts, now, "source", start)
    everyone = [f for f in facts if f.created_at >= start]
    everyone_as_one = [_as_one(f) for f in everyone]
    overall = group_metrics(everyone_as_one, "source", None, ws.config.disqualify_reasons)
    return Figures(start, now, overall[0] if overall else None, sources)


def _as_one(fact: LeadFacts) -> LeadFacts:
    return replace(fact, source="all sources")


def render(ws: Workspace, figures: Figures) -> str:
    """The agreement as Markdown, ready to review and sign."""
    zone = ws.rules.calendar.zone
    since = figures.since.astimezone(zone)
    now = figures.now.astimezone(zone)
    out: list[str] = [
        "# Agreement between marketing and sales",
        "",
        "What a qualified lead is, how fast and how long sales works it, why a lead may be",
        "turned down, and when it comes back: the rules leadtui runs on, with what the period",
        f"measured against each promise. Period: {since:%d %b %Y %H:%M} to {now:%d %b %Y %H:%M}"
        f" ({zone}); every figure is of the leads that arrived in it, as `report --since` counts.",
        "",
    ]
    out += _qualified(ws)
    out += _response(ws, figures)
    out += _persistence(ws, figures)
    out += _reasons(ws, figures)
    out += _recycle(ws, figures)
    out += _by_source(ws, figures)
    out += [
        "## Review",
        "",
        "Reviewed every month with these figures. Changes to the rules are made in leadtui's",
        "configuration, so what is signed is what runs.",
        "",
        "| | name | signature | date |",
        "|---|---|---|---|",
        "| Sales lead | | | |",
        "| Marketing lead | | | |",
        "",
    ]
    return "\n".join(out)


def _qualified(ws: Workspace) -> list[str]:
    scoring = ws.rules.scoring
    cadence_of = {band: DEFAULT_CADENCE_FOR_BAND.get(band) for band in Band}
    rows = [
        (Band.HOT, f"{scoring.hot_at} and over", "sales answers now"),
        (Band.WARM, f"{scoring.warm_at} to {scoring.hot_at - 1}", "sales works it"),
        (Band.COOL, f"{scoring.cool_at} to {scoring.warm_at - 1}", "marketing nurtures it"),
        (Band.UNQUALIFIED, f"under {scoring.cool_at}", "not handed to sales"),
    ]
    decay = {
        "half_life": f"engagement halves every {scoring.half_life_days:g} days",
        "window": f"engagement counts for {scoring.window_days:g} days",
        "none": "engagement never fades",
    }[scoring.decay]
    out = [
        "## 1. What a qualified lead is",
        "",
        f"Each lead scores up to 100: fit (who they are) plus engagement (what they did; {decay}).",
        "",
        "| band | score | what happens | cadence |",
        "|---|---|---|---|",
    ]
    for band, span, what in rows:
        out.append(f"| {band.value} | {span} | {what} | {cadence_of.get(band) or '-'} |")
    out += [
        "",
        f"A form answer naming an immediate need ({_list(scoring.hot_timelines)}) makes a lead "
        f"hot; one saying {_list(scoring.nurture_timelines)} caps it at cool.",
        "",
        "| fit rule | points |",
        "|---|---|",
        *(f"| {_cell(rule.label)} | {rule.points:g} |" for rule in scoring.fit),
        "",
        "| engagement rule | points each | at most |",
        "|---|---|---|",
        *(
            f"| {_cell(rule.label)} | {rule.points:g} | {_number(rule.cap)} |"
            for rule in scoring.engagement
        ),
        "",
    ]
    return out


def _response(ws: Workspace, figures: Figures) -> list[str]:
    policy, config = ws.rules.policy, ws.config.calendar
    days = ", ".join(WEEKDAY_NAMES[d] for d in config.workdays)
    holidays = "no public holidays" if config.holidays == "none" else f"{config.holidays} holidays"
    clock = (
        f"working minutes only ({days}, {config.hours}, {config.timezone}, {holidays} off)"
        if policy.business_hours_only
        else f"around the clock (working hours, for cadence steps: {days}, {config.hours} "
        f"{config.timezone}, {holidays} off)"
    )
    o = figures.overall
    return [
        "## 2. How fast sales answers",
        "",
        f"- **Promise:** the lead's owner makes a first human touch (a call, a personal email, an "
        f"SMS, a LinkedIn message; never an automated email) within {policy.window_minutes} "
        f"minutes of the lead being routed, counted {clock}.",
        f"- The last {policy.at_risk_minutes} minutes of the window show the lead as at risk.",
        f"- **Measured:** {_pct(o.contacted_within_sla_pct if o else None)} of leads whose "
        f"window has closed were contacted within it; median first response "
        f"{_minutes(o.median_first_response_minutes if o else None)}.",
        "",
    ]


def _persistence(ws: Workspace, figures: Figures) -> list[str]:
    out = [
        "## 3. How long sales keeps trying",
        "",
        "| cadence | touches | over | channels |",
        "|---|---|---|---|",
    ]
    for template in ws.rules.templates.values():
        steps = template.steps
        channels = ", ".join(sorted({s.channel.value for s in steps}))
        span = f"{steps[-1].day} days" if steps else "-"
        out.append(f"| {_cell(template.name)} | {len(steps)} | {span} | {channels} |")
    o = figures.overall
    rate = _share(o.gave_up_early, o.leads) if o else None
    out += [
        "",
        "- **Promise:** no lead is dropped before its fifth human touch, unless the prospect gave "
        f"a reason; a step left overdue for {ws.rules.abandon_after_days} days counts as "
        "dropping it.",
        f"- **Measured:** gave up early on {o.gave_up_early if o else 0} of "
        f"{o.leads if o else 0} leads ({_pct(rate)}).",
        "",
    ]
    return out


def _reasons(ws: Workspace, figures: Figures) -> list[str]:
    o = figures.overall
    counts = {r.reason: (r.count, r.pct) for r in (o.disqualify_reasons if o else ())}
    out = [
        "## 4. Why sales turns a lead down",
        "",
        "Every disqualified lead carries one of these reasons; marketing reads them by source.",
        "",
        "| reason | counts as giving up | leads | share |",
        "|---|---|---|---|",
    ]
    for reason in ws.config.disqualify_reasons:
        count, pct = counts.get(reason.key, (0, None))
        gave_up = "yes, before the 5th touch" if reason.gave_up else "no"
        out.append(f"| {_cell(reason.label)} | {gave_up} | {count} | {_pct(pct)} |")
    out.append("")
    return out


def _recycle(ws: Workspace, figures: Figures) -> list[str]:
    policy = ws.rules.recycle
    statuses = " or ".join(sorted(s.value for s in policy.statuses))
    labels = {r.key: r.label for r in ws.config.disqualify_reasons}
    reasons = _list([labels.get(k, k) for k in sorted(policy.reasons)])
    recycled = sum(m.recycled for m in figures.sources)
    opportunities = sum(m.recycled_opportunities for m in figures.sources)
    won = sum(m.recycled_won for m in figures.sources)
    revenue = sum(m.recycled_revenue for m in figures.sources)
    return [
        "## 5. Leads that come back",
        "",
        f"A lead in {statuses}, or disqualified as {reasons}, comes back to its rep with a fresh "
        f"{ws.rules.policy.window_minutes}-minute window when, within {policy.window_days} "
        "days, it shows one of:",
        "",
        *(f"- {_cell(describe(rule))}" for rule in policy.rules),
        "",
        f"- **Measured:** of the leads that arrived in the period, {recycled} came back (at any"
        f" time up to now); {opportunities} became opportunities since, {won} won"
        f" ({_money(revenue)}).",
        "",
    ]


def _by_source(ws: Workspace, figures: Figures) -> list[str]:
    money = bool(ws.spend)
    head = (
        "| source | leads | accepted | rejected | top reason | bad phone | bad email "
        "| handoff median | handoff p90 | revenue per lead |"
    )
    rule = "|---|---|---|---|---|---|---|---|---|---|"
    if money:
        head += " cost per opportunity |"
        rule += "---|"
    out = [
        "## 6. What marketing hands over, by source",
        "",
        "Accepted: worked past the first touch or became an opportunity. Rejected: turned down "
        "after at most one touch. Handoff: from the form to a rep.",
        "",
        head,
        rule,
    ]
    for m in figures.sources:
        top = m.disqualify_reasons[0] if m.disqualify_reasons else None
        label = _cell(top.label.split(" (", 1)[0]) if top else ""
        cells = [
            _cell(m.key),
            str(m.leads),
            _pct(m.accepted_pct),
            _pct(m.rejected_pct),
            f"{label} ({_pct(top.pct)})" if top else "-",
            _pct(m.bad_phone_pct),
            _pct(m.bad_email_pct),
            _duration(m.median_handoff_minutes),
            _duration(m.p90_handoff_minutes),
            _money(m.revenue_per_lead),
        ]
        if money:
            cells.append(_money(m.money.cost_per_opportunity if m.money else None))
        out.append("| " + " | ".join(cells) + " |")
    if not figures.sources:
        out.append("| (no leads in the period) |" + " |" * (rule.count("|") - 2))
    out.append("")
    return out


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}%"


def _share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _minutes(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} min"


def _duration(minutes: float | None) -> str:
    """Handoffs run from minutes (web forms) to days (badge scans)."""
    if minutes is None:
        return "-"
    return f"{minutes:.1f} min" if minutes < 120 else f"{minutes / 60:.1f} h"


def _money(value: float | None) -> str:
    return "-" if value is None else f"{value:,.2f}"


def _list(items: tuple[str, ...] | list[str]) -> str:
    quoted = [f'"{_cell(item)}"' for item in items]
    return " or ".join(quoted) if quoted else "(none)"


def _cell(text: str) -> str:
    """CRM and config text inside a Markdown table: no control characters, no stray pipes."""
    printable = "".join(ch if ch.isprintable() else " " for ch in text)
    return printable.replace("|", "\\|").strip()
