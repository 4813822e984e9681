"""The domain rules a workspace's configuration makes: calendar, SLA policy, scoring, cadences.

Plain domain objects (no database, no validator), so the light read path builds them too.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time
from functools import cached_property
from typing import TYPE_CHECKING, Any

from leadtui.domain import cadence as cadences
from leadtui.domain.calendar import BusinessCalendar, parse_hours, parse_workdays
from leadtui.domain.models import CadenceTemplate
from leadtui.domain.reasons import DEFAULT_REASONS, DisqualifyReason, reasons_from_config
from leadtui.domain.speed_to_lead import SlaPolicy

if TYPE_CHECKING:
    from leadtui.config import Config
    from leadtui.domain.recycle import RecyclePolicy
    from leadtui.domain.scoring import ScoringRules


class Rules:
    """Everything the domain needs from configuration, built once and never changed.

    A plain class, not a dataclass: nothing on `leadtui queue --format json`'s path then imports
    dataclasses (and inspect with it), a tenth of its start-up (bench/startup.py)."""

    def __init__(
        self,
        calendar: BusinessCalendar,
        policy: SlaPolicy,
        templates: dict[str, CadenceTemplate],
        abandon_after_days: int,
        reasons: tuple[DisqualifyReason, ...] = DEFAULT_REASONS,
        scoring_table: Mapping[str, Any] | None = None,
        recycle_table: Mapping[str, Any] | None = None,
    ) -> None:
        self.calendar = calendar
        self.policy = policy
        self.templates = templates
        self.abandon_after_days = abandon_after_days
        self.reasons = reasons  # the disqualify pick-list
        # The [scoring] and [recycle] tables, validated with the config. Their rules are built
        # on first use: a read that needs neither (`leadtui queue`, whose scores are stored)
        # does not load their modules, a tenth of that command's start-up.
        self.scoring_table = scoring_table
        self.recycle_table = recycle_table

    @cached_property
    def scoring(self) -> ScoringRules:
        from leadtui.domain.scoring import ScoringRules

        table = self.scoring_table
        return ScoringRules.from_mapping(table) if table else ScoringRules()

    @cached_property
    def recycle(self) -> RecyclePolicy:
        """Which leads come back from nurture, and why."""
        from leadtui.domain.recycle import policy_from_config

        return policy_from_config(self.recycle_table)

    @classmethod
    def from_config(cls, config: Config, *, holidays: bool = True) -> Rules:
        """`holidays=False` leaves public holidays out of the calendar: only for reads that do no
        working-time arithmetic (wall-clock SLA), where they cannot change a figure and loading
        the holidays package would cost more than the read itself."""
        cal = config.calendar
        start, end = parse_hours(cal.hours)
        calendar = BusinessCalendar(
            timezone=cal.timezone,
            workdays=parse_workdays(cal.workdays),
            start=start,
            end=end,
            holidays=None if cal.holidays == "none" or not holidays else cal.holidays,
        )
        policy = SlaPolicy(
            window_minutes=config.sla.speed_to_lead_minutes,
            at_risk_minutes=config.sla.at_risk_minutes,
            business_hours_only=config.sla.business_hours_only,
        )
        templates = dict(cadences.DEFAULT_TEMPLATES)
        templates.update(cadences.templates_from_mapping(config.cadences))
        return cls(
            calendar=calendar,
            policy=policy,
            templates=templates,
            abandon_after_days=config.sla.abandon_after_days,
            reasons=_reasons(config),
            scoring_table=config.scoring or None,
            # The raw table, not Config's property: the light path's remembered config
            # (leadtui.checked_config) has the values only.
            recycle_table=getattr(config, "recycle", None),
        )

    def end_of_day(self, now: datetime) -> datetime:
        """The last second of `now`'s day in the rep's zone (what "due today" runs up to)."""
        local = now.astimezone(self.calendar.zone)
        return datetime.combine(local.date(), time(23, 59, 59), tzinfo=local.tzinfo)


def _reasons(config: Config) -> tuple[DisqualifyReason, ...]:
    # The light read path's remembered config is a plain namespace: read the table, not the
    # validated Config's property.
    section = getattr(config, "disqualify", None)
    return reasons_from_config(section.get("reasons") if isinstance(section, dict) else None)
