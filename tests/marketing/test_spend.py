"""[[spend]] in the config: checked with key and line, prorated to the report's period."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from leadtui.config import ConfigError, parse
from leadtui.domain.spend import spend_from_config, spend_in_period

NY = ZoneInfo("America/New_York")


def test_a_good_spend_table_parses() -> None:
    config = parse('[[spend]]\nsource = "Paid search"\nmonth = "2026-11"\namount = 4200\n')
    (entry,) = config.spend_entries
    assert (entry.source, entry.month.isoformat(), entry.amount) == (
        "Paid search",
        "2026-11-01",
        4200.0,
    )


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('source = "x"\nmonth = "2026-13"\namount = 1', "(line 7): [[spend]] number 2: month"),
        ('source = "x"\nmonth = "2026-11"\namount = -5', "(line 8): [[spend]] number 2: amount"),
        ('source = "x"\nmonth = "2026-11"\namount = "lots"', "(line 8): [[spend]] number 2"),
        ('month = "2026-11"\namount = 1', "(line 5): [[spend]] number 2: source"),
        ('source = "x"\nmonth = "2026-11"\namount = 1\ncost = 2', "number 2: cost is not a known"),
        ('source = "paid_search"\nmonth = "2026-10"\namount = 1', "2026-10 of 'paid_search' is"),
    ],
)
def test_a_bad_spend_entry_names_its_key_and_line(body: str, expected: str) -> None:
    first = '[[spend]]\nsource = "Paid search"\nmonth = "2026-10"\namount = 1\n'
    with pytest.raises(ConfigError) as caught:
        parse(first.replace("amount = 1\n", "amount = 1\n[[spend]]\n") + body + "\n")
    assert expected in str(caught.value)


def test_spend_is_prorated_by_the_days_of_the_month_inside_the_period() -> None:
    entries = spend_from_config(
        [
            {"source": "Paid search", "month": "2026-11", "amount": 3000},
            {"source": "paid_search", "month": "2026-10", "amount": 3100},
        ]
    )
    until = datetime(2026, 11, 11, 0, 0, tzinfo=NY)  # 10 of November's 30 days
    since = datetime(2026, 10, 22, 0, 0, tzinfo=NY)  # 10 of October's 31 days
    assert spend_in_period(entries, "paid-search", since, until, NY) == 1000.0 + 1000.0
    assert spend_in_period(entries, "paid_search", None, until, NY) == 3100.0 + 1000.0
    assert spend_in_period(entries, "webinar", None, until, NY) is None
    before = datetime(2026, 9, 1, tzinfo=UTC)
    assert spend_in_period(entries, "paid_search", None, before, NY) == 0.0
