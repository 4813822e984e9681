"""A small fixed team whose figures are computed by hand in the tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from leadtui.config import TEMPLATE, load, locate
from leadtui.demo import DemoLead
from leadtui.domain.models import Channel, Lead, LeadStatus, Outcome, Owner, Touch
from leadtui.workspace import Workspace

# Wednesday 18 Nov 2026, 15:00 UTC = 10:00 in New York.
NOW = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)
ANA = Owner("ana@team.example", "Ana", "Ng", "1")
BO = Owner("bo@team.example", "Bo", "Li", "2")


def _lead(i: int, owner: Owner, source: str, created: datetime, **extra) -> Lead:
    return Lead(
        id=i,
        name=f"Lead {i}",
        email=f"lead{i}@client{i}.example",
        owner=owner.email,
        source=source,
        status=extra.pop("status", LeadStatus.WORKING),
        created_at=created,
        routed_at=created,
        company=f"Client {i}",
        **extra,
    )


def call(owner: Owner, when: datetime, outcome: Outcome = Outcome.NO_ANSWER) -> Touch:
    return Touch(Channel.CALL, outcome, when, by=owner.email)


def team() -> list[DemoLead]:
    day = timedelta(days=1)
    t0 = NOW - 10 * day  # Sunday 8 Nov, 15:00 UTC
    return [
        # Ana, webinar: touched after 20 min (met), won 12 000 after 30 days.
        DemoLead(
            _lead(
                1,
                ANA,
                "webinar",
                t0,
                status=LeadStatus.WON,
                opportunity_at=t0 + 2 * day,
                won_at=t0 + 10 * day,
                closed_at=t0 + 10 * day,
                deal_value=12_000.0,
            ),
            (),
            (call(ANA, t0 + timedelta(minutes=20), Outcome.MEETING_BOOKED),),
        ),
        # Ana, webinar: first touch after 90 minutes (breached), an opportunity still open.
        DemoLead(
            _lead(2, ANA, "webinar", t0, status=LeadStatus.CONVERTED, opportunity_at=t0 + 3 * day),
            (),
            (call(ANA, t0 + timedelta(minutes=90), Outcome.CONNECTED),),
        ),
        # Bo, referral: touched after 10 minutes (met), won 30 000.
        DemoLead(
            _lead(
                3,
                BO,
                "referral",
                t0,
                status=LeadStatus.WON,
                opportunity_at=t0 + day,
                won_at=t0 + 6 * day,
                closed_at=t0 + 6 * day,
                deal_value=30_000.0,
            ),
            (),
            (call(BO, t0 + timedelta(minutes=10), Outcome.CONNECTED),),
        ),
        # Bo, referral: never touched (breached), then disqualified after a day: gave up early.
        DemoLead(
            _lead(
                4,
                BO,
                "referral",
                t0,
                status=LeadStatus.DISQUALIFIED,
                closed_at=t0 + day,
                # A reason that counts against the rep ("no budget" would not: reasons.py).
                disqualified_reason="No response",
            ),
            (),
            (),
        ),
        # Bo, paid search: arrived 20 minutes ago, clock still running.
        DemoLead(
            _lead(5, BO, "paid_search", NOW - timedelta(minutes=20), status=LeadStatus.NEW), (), ()
        ),
    ]


def write_team(
    folder: Path,
    extra_config: str = "",
    url: str | None = None,
    leads: list[DemoLead] | None = None,
    owners: tuple[Owner, ...] = (ANA, BO),
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    text = TEMPLATE.format(
        email=ANA.email, base_url="https://api.hubapi.com", timezone="America/New_York"
    )
    (folder / "config.toml").write_text(
        text.replace('role = "rep"', 'role = "manager"')
        + extra_config
        + (f'\n[store]\nurl = "{url}"\n' if url else "")
    )
    locations = locate(None, str(folder))
    ws = Workspace.open(load(locations.config_path), locations)
    try:
        ws.seed(list(owners), team() if leads is None else leads, NOW)
    finally:
        ws.close()
    return folder


@pytest.fixture
def team_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store_url: str | None) -> Path:
    folder = write_team(tmp_path / "team", url=store_url)
    monkeypatch.setenv("LEADTUI_DATA_DIR", str(folder))
    monkeypatch.delenv("LEADTUI_CONFIG", raising=False)
    return folder


@pytest.fixture
def team_ws(team_dir: Path) -> Iterator[Workspace]:
    locations = locate(None, str(team_dir))
    ws = Workspace.open(load(locations.config_path), locations)
    yield ws
    ws.close()
