"""The manager's board: SLA breaches, reps, sources, pictures and score calibration.

Everything comes from `leadtui.board.load_board` in a worker; the screen only lays it out. It
re-reads the cache every few seconds (re-armed after each load, so loads never overlap), which
keeps it live while sync brings new data.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Select, Static, TabbedContent, TabPane

from leadtui.board import PERIODS, Board, Period, load_board
from leadtui.domain.metrics import GroupMetrics
from leadtui.domain.models import BreachKind
from leadtui.keys import key_for
from leadtui.output import duration, money
from leadtui.screens.marketing_tab import MarketingPane
from widgets.bar_chart import BarChart
from widgets.safe_text import plain
from widgets.sync_status import SyncStatusLine
from widgets.table_fill import fill_table
from widgets.too_small import MIN_HEIGHT, MIN_WIDTH, TooSmall

if TYPE_CHECKING:
    from leadtui.app import LeadTuiApp

RELOAD_SECONDS = 10.0
PERIOD_LABELS = {"today": "Today", "week": "This week", "month": "This month", "all": "All time"}
# The kinds as `leadtui sla` names them (speed_to_lead...), in words: one name for each.
KIND_LABELS = {kind: kind.value.replace("_", " ") for kind in BreachKind}
BREACH_COLUMNS = ("kind", "lead", "rep", "source", "due", "late")
REP_COLUMNS = (
    "rep", "leads", "in SLA", "median 1st", "overdue now", "touch/drop", "gave up early",
)  # fmt: skip
SOURCE_COLUMNS = (
    "source", "leads", "lead→opp", "opp→won", "revenue", "rev/lead", "avg deal", "cycle d",
    "in SLA",
)  # fmt: skip


class BoardLoaded(Message):
    def __init__(self, board: Board) -> None:
        super().__init__()
        self.board = board


def _num(value: float | int | None, suffix: str = "") -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.1f}{suffix}"
    return f"{value:,}{suffix}"


class ManagerScreen(Screen[None]):
    """Opens for role = "manager"; a rep reaches it with `b` from the queue."""

    BINDINGS = [
        Binding(
            key_for("board.today"),
            "period('today')",
            "Today",
            id="board.today",
            tooltip="Breaches of today",
        ),
        Binding(
            key_for("board.week"), "period('week')", "Week", id="board.week", tooltip="This week"
        ),
        Binding(
            key_for("board.month"),
            "period('month')",
            "Month",
            id="board.month",
            tooltip="This month",
        ),
        Binding(key_for("board.all"), "period('all')", "All", id="board.all", tooltip="All time"),
        Binding(
            key_for("board.open"),
            "open_lead",
            "Open lead",
            id="board.open",
            tooltip="Open the selected lead",
        ),
        Binding(
            key_for("board.reload"),
            "reload",
            "Refresh",
            id="board.reload",
            tooltip="Read the cache again",
        ),
        Binding(
            key_for("board.tab_sla"),
            "tab('tab-sla')",
            "SLA",
            id="board.tab_sla",
            tooltip="SLA breaches",
        ),
        Binding(
            key_for("board.tab_reps"),
            "tab('tab-reps')",
            "Reps",
            id="board.tab_reps",
            tooltip="Per rep",
        ),
        Binding(
            key_for("board.tab_sources"),
            "tab('tab-sources')",
            "Sources",
            id="board.tab_sources",
            tooltip="Per source",
        ),
        Binding(
            key_for("board.tab_pictures"),
            "tab('tab-pictures')",
            "Pictures",
            id="board.tab_pictures",
            tooltip="Charts",
        ),
        Binding(
            key_for("board.tab_calibration"),
            "tab('tab-calibration')",
            "Calibration",
            id="board.tab_calibration",
            tooltip="Which scoring signals predicted conversion",
        ),
        Binding(
            key_for("board.tab_marketing"),
            "tab('tab-marketing')",
            "Marketing",
            id="board.tab_marketing",
            tooltip="Lead quality and money by source",
        ),
        Binding(
            key_for("board.back"),
            "back",
            "Back",
            id="board.back",
            tooltip="Back to the queue",
            show=False,
        ),
    ]

    def __init__(self, period: Period = "week") -> None:
        super().__init__(id="manager-screen")
        self.period: Period = period
        self.board: Board | None = None
        self._timer: Timer | None = None
        self._filters: dict[str, Any] = {"rep": None, "source": None, "kind": None}

    @property
    def tui(self) -> LeadTuiApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Static(id="board-status", markup=False)
        with TabbedContent(id="board-tabs"):
            with TabPane("SLA board", id="tab-sla"):
                with Static(id="board-filters"):
                    yield Select[str]([], prompt="every rep", id="filter-rep")
                    yield Select[str]([], prompt="every source", id="filter-source")
                    yield Select[str](
                        [(label, kind.value) for kind, label in KIND_LABELS.items()],
                        prompt="every kind",
                        id="filter-kind",
                    )
                yield DataTable(id="breaches", cursor_type="row", zebra_stripes=True)
            with TabPane("Reps", id="tab-reps"):
                yield DataTable(id="reps", cursor_type="row", zebra_stripes=True)
            with TabPane("Sources", id="tab-sources"):
                yield DataTable(id="sources", cursor_type="row", zebra_stripes=True)
            with TabPane("Pictures", id="tab-pictures"), VerticalScroll(id="pictures-scroll"):
                yield BarChart("First response time (leads)", id="chart-response")
                yield BarChart("SLA compliance by day (% met)", style="green", id="chart-days")
                yield BarChart("Funnel by source: won / opportunities / leads", id="chart-funnel")
            with (
                TabPane("Calibration", id="tab-calibration"),
                VerticalScroll(id="calibration-scroll"),
            ):
                yield Static(id="calibration", markup=False)
            with TabPane("Marketing", id="tab-marketing"):
                yield MarketingPane(id="marketing-pane")
        yield SyncStatusLine(id="sync-status")
        yield TooSmall()
        yield Footer()

    def on_mount(self) -> None:
        self.reload()

    def on_resize(self) -> None:
        small = self.size.width < MIN_WIDTH or self.size.height < MIN_HEIGHT
        self.set_class(small, "-too-small")

    # -- loading --------------------------------------------------------------------------

    def reload(self) -> None:
        ws, clock, period = self.tui.workspace, self.tui.clock, self.period
        if ws is None:
            return
        if self._timer is not None:
            self._timer.stop()

        def work() -> None:
            with ws.session() as session:
                board = load_board(ws, session, clock(), period)
            self.post_message(BoardLoaded(board))

        self.run_worker(
            work, thread=True, group="board", exclusive=True, exit_on_error=False,
            name="Loading the board",
        )  # fmt: skip

    def on_board_loaded(self, message: BoardLoaded) -> None:
        self.board = message.board
        self._fill_filters(message.board)
        self._show(message.board)
        # Re-armed only after a load lands, so a slow load never stacks another behind it.
        self._timer = self.set_timer(RELOAD_SECONDS, self._live_reload)

    def _live_reload(self) -> None:
        if self.app.screen is self:  # a dialog on top: don't repaint behind it
            self.reload()
        else:
            self._timer = self.set_timer(RELOAD_SECONDS, self._live_reload)

    def _fill_filters(self, board: Board) -> None:
        for select_id, values in (
            ("#filter-rep", sorted({b.lead.owner for b in board.breaches})),
            ("#filter-source", sorted({b.lead.source for b in board.breaches})),
        ):
            select: Select[str] = self.query_one(select_id, Select)
            current = select.value
            select.set_options([(value or "(none)", value) for value in values])
            if current in values:
                select.value = current

    # -- showing --------------------------------------------------------------------------

    def _show(self, board: Board) -> None:
        zone = self.tui.workspace.rules.calendar.zone if self.tui.workspace else None
        since = board.since.astimezone(zone).strftime("%a %d %b") if board.since else "ever"
        shown = self._filtered(board)
        self.query_one("#board-status", Static).update(
            f" {PERIOD_LABELS[board.period]} (since {since}): {len(shown)} breach(es) shown"
            f" of {len(board.breaches)} · • open ✓ resolved"
        )
        rows = []
        for item in shown:
            breach, lead = item.breach, item.lead
            style = "bold red" if breach.resolved_at is None else ""
            cells = (
                Text(KIND_LABELS[breach.kind], style=style),
                plain(_clip(lead.name or lead.email, 16)),
                plain(_clip(_who(lead.owner), 12)),
                plain(_clip(lead.source, 12)),
                _when(breach.due_at.astimezone(zone), board.now.astimezone(zone)),
                _late_cell(breach.late_by_minutes, breach.resolved_at is not None),
            )
            rows.append((cells, f"{lead.id}:{breach.kind.value}:{breach.due_at.isoformat()}"))
        fill_table(self.query_one("#breaches", DataTable), BREACH_COLUMNS, rows)
        self._show_reps(board.reps)
        self._show_sources(board.sources)
        self.query_one(MarketingPane).show(board.sources)
        self._show_pictures(board)
        self.query_one("#calibration", Static).update(self._calibration_text(board))

    def _filtered(self, board: Board) -> list[Any]:
        rep, source, kind = (self._filters[k] for k in ("rep", "source", "kind"))
        return [
            b
            for b in board.breaches
            if (rep is None or b.lead.owner == rep)
            and (source is None or b.lead.source == source)
            and (kind is None or b.breach.kind.value == kind)
        ]

    def _show_reps(self, reps: list[GroupMetrics]) -> None:
        rows = [
            (
                (
                    plain(_who(m.key)),
                    _num(m.leads),
                    _num(m.contacted_within_sla_pct, "%"),
                    _num(m.median_first_response_minutes, "m"),
                    _num(m.overdue_now),
                    _num(m.avg_touches_before_drop),
                    _num(m.gave_up_early),
                ),
                m.key,
            )
            for m in reps
        ]
        fill_table(self.query_one("#reps", DataTable), REP_COLUMNS, rows)

    def _show_sources(self, sources: list[GroupMetrics]) -> None:
        rows = [
            (
                (
                    plain(m.key),
                    _num(m.leads),
                    _num(m.lead_to_opportunity_pct, "%"),
                    _num(m.opportunity_to_won_pct, "%"),
                    money(m.revenue),
                    money(m.revenue_per_lead),
                    money(m.avg_deal_value),
                    _num(m.median_cycle_days),
                    _num(m.contacted_within_sla_pct, "%"),
                ),
                m.key,
            )
            for m in sources
        ]
        fill_table(self.query_one("#sources", DataTable), SOURCE_COLUMNS, rows)

    def _show_pictures(self, board: Board) -> None:
        self.query_one("#chart-response", BarChart).set_rows(
            [(label, count, str(count)) for label, count in board.response_times]
        )
        self.query_one("#chart-days", BarChart).set_rows(
            [
                (
                    d.day.strftime("%a %d %b"),
                    d.pct or 0.0,
                    f"{_num(d.pct, '%')} of {d.met + d.breached}",
                )
                for d in board.compliance
            ]
        )
        self.query_one("#chart-funnel", BarChart).set_rows(
            [(f.source, f.won, f"{f.won} / {f.opportunities} / {f.leads}") for f in board.funnels]
        )

    def _calibration_text(self, board: Board) -> Text:
        cal = board.calibration
        rules = self.tui.workspace.rules.scoring if self.tui.workspace else None
        text = Text()
        text.append("Which signals predicted an opportunity\n", style="bold")
        text.append(
            f"{cal.converted} of {cal.leads} leads reached an opportunity "
            f"(base rate {_num(cal.base_rate * 100 if cal.base_rate is not None else None, '%')}). "
            "Lift above 1 means the signal predicted conversion.\n\n"
        )
        if not cal.enough_data:
            text.append(
                "Fewer than 20 converted leads: read these figures as hints, not evidence.\n\n",
                style="yellow",
            )
        text.append(f"{'signal':<32} {'leads':>6} {'conv.':>6} {'lift':>6}\n", style="bold")
        for signal in cal.signals[:15]:
            lift = "–" if signal.lift is None else f"{signal.lift:.2f}"
            style = (
                "green" if (signal.lift or 0) >= 1.2 else "red" if (signal.lift or 0) < 0.8 else ""
            )
            label = f"{signal.label} ({signal.kind})"
            text.append(f"{label[:32]:<32} {signal.leads_with:>6} {signal.converted_with:>6} ")
            text.append(f"{lift:>6}\n", style=style)
        text.append("\nThreshold\n", style="bold")
        current = rules.hot_at if rules else None
        text.append(f"Current hot threshold: {current}. ")
        if cal.suggested_hot_at is None and not cal.converted:
            text.append("No converted leads yet to suggest another.")
        elif cal.suggested_hot_at is None:
            text.append(
                "No threshold beats the base rate on this data: above any line, no more leads "
                "converted than overall, so the score does not separate them yet."
            )
        else:
            text.append(
                f"Suggested: {cal.suggested_hot_at}. On this data it would have caught "
                f"{_num((cal.captured_share or 0) * 100, '%')} of the converted leads, and "
                f"{_num((cal.precision or 0) * 100, '%')} of the leads above it converted "
                f"(base rate {_num((cal.base_rate or 0) * 100, '%')})."
            )
        text.append(
            "\nThis advises only; change [scoring] in the config to act on it.", style="dim"
        )
        return text

    # -- actions --------------------------------------------------------------------------

    @on(Select.Changed)
    def _filter_changed(self, event: Select.Changed) -> None:
        name = (event.select.id or "").removeprefix("filter-")
        self._filters[name] = None if event.select.is_blank() else event.value
        if self.board is not None:
            self._show(self.board)

    def action_period(self, period: str) -> None:
        if period in PERIODS:
            self.period = period  # type: ignore[assignment]
            self.reload()

    def action_reload(self) -> None:
        self.reload()

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        # The keys then scroll or move in what the tab shows, not in the row of tab names.
        pane = self.query_one(f"#{tab}", TabPane)
        target = next(iter(pane.query("DataTable, VerticalScroll")), None)
        if target is not None:
            target.focus()

    def action_open_lead(self) -> None:
        table = self.query_one("#breaches", DataTable)
        if not table.row_count or self.query_one(TabbedContent).active != "tab-sla":
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value or ""
        from leadtui.screens.lead_detail import LeadDetailScreen

        self.app.push_screen(LeadDetailScreen(int(key.split(":", 1)[0])))

    @on(DataTable.RowSelected, "#breaches")
    def _row_selected(self) -> None:
        self.action_open_lead()

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()


def _when(moment: datetime, now: datetime) -> str:
    """Today's times as 15:22, older ones as 20 Nov: short enough for 80 columns."""
    return moment.strftime("%H:%M") if moment.date() == now.date() else moment.strftime("%d %b")


def _late_cell(minutes: int | None, resolved: bool) -> Text:
    """How late, with ✓ once the touch finally happened and • while it is still open."""
    mark = " ✓" if resolved else " •"
    return Text(duration(minutes) + mark, style="" if resolved else "bold")


def _who(owner: str) -> str:
    """A rep's email is long; its local part names them well enough in a narrow column."""
    return owner.split("@", 1)[0] or "(unassigned)"


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
