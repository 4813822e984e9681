"""The board's Marketing tab: lead quality and money by source, the loop back to marketing.

The same `GroupMetrics` `leadtui report --by source` prints (the board loads them through
`views.report_of`), laid out for a manager: a table of quality per source, why leads were turned
down, and two charts, revenue per lead and cost per opportunity, readable at 80 columns.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Static

from leadtui.domain.metrics import GroupMetrics
from leadtui.output import duration, money
from widgets.bar_chart import BarChart
from widgets.safe_text import clean, plain

QUALITY_COLUMNS = (
    "source", "leads", "accepted", "rejected", "bad phone", "bad email", "handoff", "p90",
    "back",
)  # fmt: skip
MONEY_COLUMNS = ("spend", "cost/lead", "cost/opp", "cost/won", "return")
TOP_REASONS = 3
NO_REVENUE = "nothing won yet from the leads of this period"
NO_SPEND = "no [[spend]] in the config: add spend per source and month to see cost per opportunity"


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}%"


class MarketingPane(VerticalScroll):
    DEFAULT_CSS = """
    MarketingPane { height: 1fr; }
    MarketingPane > DataTable { height: auto; max-height: 12; }
    MarketingPane > #marketing-reasons { padding: 1 1 1 1; }
    """

    def compose(self) -> ComposeResult:
        # The two figures RESEARCH.md says to judge a source by come first; details below.
        yield BarChart("Revenue per lead by source", style="green", id="chart-revenue-per-lead")
        yield BarChart("Cost per opportunity by source", style="red", id="chart-cost-per-opp")
        yield DataTable(id="marketing", cursor_type="row", zebra_stripes=True)
        yield Static(id="marketing-reasons", markup=False)

    def show(self, sources: Sequence[GroupMetrics]) -> None:
        spent = any(m.money is not None for m in sources)
        table = self.query_one("#marketing", DataTable)
        columns = QUALITY_COLUMNS + (MONEY_COLUMNS if spent else ())
        if tuple(str(c.label) for c in table.columns.values()) != columns:
            table.clear(columns=True)
            table.add_columns(*columns)
        table.clear()
        for m in sources:
            cells: list[str | Text] = [
                plain(m.key),
                f"{m.leads:,}",
                _pct(m.accepted_pct),
                _pct(m.rejected_pct),
                _pct(m.bad_phone_pct),
                _pct(m.bad_email_pct),
                duration(m.median_handoff_minutes),
                duration(m.p90_handoff_minutes),
                f"{m.recycled:,}",
            ]
            if spent:
                cash = m.money
                cells += [
                    money(cash.spend if cash else None),
                    money(cash.cost_per_lead if cash else None),
                    money(cash.cost_per_opportunity if cash else None),
                    money(cash.cost_per_won if cash else None),
                    "–" if cash is None or cash.return_on_spend is None
                    else f"{cash.return_on_spend:.2f}x",
                ]  # fmt: skip
            table.add_row(*cells, key=m.key)
        self.query_one("#marketing-reasons", Static).update(reasons_text(sources))
        earned = any(m.revenue_per_lead for m in sources)
        self.query_one("#chart-revenue-per-lead", BarChart).set_rows(
            revenue_rows(sources) if earned else [], empty=NO_REVENUE
        )
        self.query_one("#chart-cost-per-opp", BarChart).set_rows(cost_rows(sources), empty=NO_SPEND)


def reasons_text(sources: Sequence[GroupMetrics]) -> Text:
    text = Text("Why sales turned leads down, and what came back\n", style="bold")
    for m in sources:
        text.append(f"{clean(m.key)}: ", style="bold")
        if m.disqualify_reasons:
            top = m.disqualify_reasons[:TOP_REASONS]
            shares = [f"{_short(r.label)} {r.count} ({r.pct:.0f}%)" for r in top]
            more = len(m.disqualify_reasons) - len(top)
            text.append(" · ".join(shares) + (f" · {more} more" if more > 0 else ""))
        else:
            text.append("none disqualified", style="dim")
        if m.recycled:
            text.append(
                f"  ↺ {m.recycled} back: {m.recycled_opportunities} opp., {m.recycled_won} won"
                f" ({money(m.recycled_revenue)})",
                style="magenta",
            )
        text.append("\n")
    text.rstrip()
    return text


def _short(label: str) -> str:
    """ "Not a fit (size, industry, use case)" reads "Not a fit" in a one-line summary."""
    return clean(label).split(" (", 1)[0]


def revenue_rows(sources: Sequence[GroupMetrics]) -> list[tuple[str, float, str]]:
    ranked = sorted(sources, key=lambda m: (-m.revenue_per_lead, m.key))
    return [(m.key, m.revenue_per_lead, money(m.revenue_per_lead)) for m in ranked]


def cost_rows(sources: Sequence[GroupMetrics]) -> list[tuple[str, float, str]]:
    """Cheapest opportunity first; a source with spend but no opportunity yet says so."""
    costs = [(m.key, m.money.cost_per_opportunity) for m in sources if m.money is not None]
    priced = sorted(((key, cost) for key, cost in costs if cost is not None), key=lambda c: c[1])
    rows = [(key, cost, money(cost)) for key, cost in priced]
    return rows + [(key, 0.0, "no opp. yet") for key, cost in costs if cost is None]
