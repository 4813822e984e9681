"""A small fixed shop whose marketing figures are computed by hand in the tests.

paid_search (4 leads, spend configured) and webinar (2 leads, no spend), ten days ago:
 1 paid    form 10 min before routing; two calls; won 20 000               accepted
 2 paid    form 30 min before; phone "123"; one call: bad number;
           disqualified "bad_contact_data"                                 rejected, bad phone
 3 paid    form 2 min before; one email bounced; disqualified "No budget"  rejected, bad email
 4 paid    no form time; never touched, still new                          undecided
 5 webinar form 300 min before; three calls; in nurture                    accepted
 6 webinar no form time; two calls; disqualified "Student or job seeker"  accepted
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from leadtui.config import load, locate
from leadtui.demo import DemoLead
from leadtui.domain.models import Channel, Event, EventKind, Lead, LeadStatus, Outcome, Touch
from leadtui.workspace import Workspace
from tests.manager.conftest import ANA, write_team

NOW = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)  # Wednesday, 10:00 in New York
T0 = NOW - timedelta(days=10)
PHONE = "+1 212 867 5309"
SPEND = """
[[spend]]
source = "Paid search"
month = "2026-10"
amount = 3000

[[spend]]
source = "paid_search"
month = "2026-12"
amount = 5000
"""


def _lead(i: int, source: str, *, minutes_before: int | None, **extra) -> Lead:
    return Lead(
        id=i,
        name=f"Lead {i}",
        email=extra.pop("email", f"lead{i}@client{i}.example"),
        owner=ANA.email,
        source=source,
        status=extra.pop("status", LeadStatus.WORKING),
        created_at=T0,
        routed_at=T0,
        company=f"Client {i}",
        country="US",
        phone=extra.pop("phone", PHONE),
        form_submitted_at=None
        if minutes_before is None
        else T0 - timedelta(minutes=minutes_before),
        **extra,
    )


def _call(day: float, outcome: Outcome = Outcome.NO_ANSWER) -> Touch:
    return Touch(Channel.CALL, outcome, T0 + timedelta(days=day, minutes=5), by=ANA.email)


def shop() -> list[DemoLead]:
    day = timedelta(days=1)
    pricing = Event(
        EventKind.PAGE_VIEW,
        T0 - day,
        "https://shop.example/pricing",
        "Pricing",
    )
    return [
        DemoLead(
            _lead(
                1,
                "paid_search",
                minutes_before=10,
                status=LeadStatus.WON,
                opportunity_at=T0 + 2 * day,
                won_at=T0 + 8 * day,
                closed_at=T0 + 8 * day,
                deal_value=20_000.0,
            ),
            (pricing,),
            (_call(0), _call(1, Outcome.MEETING_BOOKED)),
        ),
        DemoLead(
            _lead(
                2,
                "paid_search",
                minutes_before=30,
                phone="123",
                status=LeadStatus.DISQUALIFIED,
                closed_at=T0 + day,
                disqualified_reason="bad_contact_data",
            ),
            (),
            (_call(0, Outcome.BAD_NUMBER),),
        ),
        DemoLead(
            _lead(
                3,
                "paid_search",
                minutes_before=2,
                status=LeadStatus.DISQUALIFIED,
                closed_at=T0 + 2 * day,
                disqualified_reason="No budget",
            ),
            (),
            (Touch(Channel.EMAIL, Outcome.BOUNCED, T0 + timedelta(minutes=3), by=ANA.email),),
        ),
        DemoLead(_lead(4, "paid_search", minutes_before=None, status=LeadStatus.NEW), (), ()),
        DemoLead(
            _lead(5, "webinar", minutes_before=300, status=LeadStatus.NURTURE),
            (),
            (_call(0), _call(2), _call(5)),
        ),
        DemoLead(
            _lead(
                6,
                "webinar",
                minutes_before=None,
                status=LeadStatus.DISQUALIFIED,
                closed_at=T0 + 3 * day,
                disqualified_reason="Student or job seeker",
            ),
            (),
            (_call(0), _call(2)),
        ),
    ]


def write_shop(folder: Path, extra_config: str = SPEND) -> Path:
    return write_team(folder, extra_config, leads=shop(), owners=(ANA,))


@pytest.fixture
def shop_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = write_shop(tmp_path / "shop")
    monkeypatch.setenv("LEADTUI_DATA_DIR", str(folder))
    monkeypatch.delenv("LEADTUI_CONFIG", raising=False)
    return folder


@pytest.fixture
def shop_ws(shop_dir: Path) -> Iterator[Workspace]:
    locations = locate(None, str(shop_dir))
    ws = Workspace.open(load(locations.config_path), locations)
    yield ws
    ws.close()
