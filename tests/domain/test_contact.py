from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from leadtui.domain.contact import (
    ContactCheck,
    check_email,
    check_phone,
    colleagues,
    company_key,
    email_domain,
    lead_email_check,
    lead_phone_check,
)
from leadtui.domain.models import Lead, LeadStatus

CREATED = datetime(2025, 3, 4, 15, 0, tzinfo=UTC)


def make_lead(id: int = 1, **fields: Any) -> Lead:
    base = Lead(
        id=id,
        name=f"Lead {id}",
        email=f"lead{id}@example.org",
        owner="alex@example.com",
        source="webinar",
        status=LeadStatus.NEW,
        created_at=CREATED,
    )
    return base._replace(**fields)


# --- email -------------------------------------------------------------------------------------


def test_good_email_is_trimmed_and_its_domain_lowercased() -> None:
    assert check_email("  Dana.Reyes@Acme.IO ") == ContactCheck(True, "", "Dana.Reyes@acme.io")


@pytest.mark.parametrize(
    ("email", "reason"),
    [
        ("", "no email address"),
        ("   ", "no email address"),
        ("dana.acme.io", "must have an @-sign"),
        ("dana@acme", "should have a period"),
        ("dana..reyes@acme.io", "two periods in a row"),
    ],
)
def test_bad_email_says_why(email: str, reason: str) -> None:
    check = check_email(email)
    assert not check.valid
    assert reason in check.reason


def test_bounced_email_is_invalid_even_when_well_formed() -> None:
    check = check_email("dana@acme.io", bounced=True)
    assert check == ContactCheck(False, "an email to it bounced", "dana@acme.io")


def test_lead_email_check_uses_the_leads_bounce_flag() -> None:
    assert lead_email_check(make_lead(email="dana@acme.io")).valid
    assert not lead_email_check(make_lead(email="dana@acme.io", email_bad=True)).valid


# --- phone -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phone", "region", "e164"),
    [
        ("(201) 555-0123", "US", "+12015550123"),
        ("201.555.0123", "us", "+12015550123"),
        ("+44 20 7946 0958", None, "+442079460958"),
        ("+44 20 7946 0958", "US", "+442079460958"),
        ("030 123456", "DE", "+4930123456"),
    ],
)
def test_good_phone_is_formatted_e164(phone: str, region: str | None, e164: str) -> None:
    assert check_phone(phone, region) == ContactCheck(True, "", e164)


@pytest.mark.parametrize(
    ("phone", "region", "reason"),
    [
        ("", "US", "no phone number"),
        ("hello", "US", "not a phone number"),
        ("2015550123", None, "no country code (+...) and no default region"),
        ("123", "US", "too short"),
        ("12345678901234567", "US", "too long"),
        ("+1 999 555 0100", None, "not a valid number for US"),
        ("555-0100", "US", "not a valid number for US"),
    ],
)
def test_bad_phone_says_why(phone: str, region: str | None, reason: str) -> None:
    check = check_phone(phone, region)
    assert not check.valid
    assert check.reason == reason


def test_wrong_number_flag_makes_a_valid_number_invalid() -> None:
    check = check_phone("(201) 555-0123", "US", wrong_number=True)
    assert check == ContactCheck(False, "a call reached a wrong or dead number", "+12015550123")


@pytest.mark.parametrize("country", ["GB", "gb", "UK"])
def test_lead_phone_check_prefers_the_leads_own_country(country: str) -> None:
    lead = make_lead(phone="020 7946 0958", country=country)
    assert lead_phone_check(lead, "US") == ContactCheck(True, "", "+442079460958")


def test_lead_phone_check_falls_back_to_the_default_region_and_honours_the_bad_flag() -> None:
    lead = make_lead(phone="(201) 555-0123", country="United States")
    assert lead_phone_check(lead, "US").valid
    assert not lead_phone_check(lead._replace(phone_bad=True), "US").valid


# --- companies ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("names", "key"),
    [
        (["Acme, Inc.", "ACME Inc", "acme", "Acme Incorporated", "The Acme Company"], "acme"),
        (["Coca-Cola Co.", "Coca Cola", "The Coca-Cola Company"], "cocacola"),
        (["Müller GmbH & Co. KG", "Muller GmbH", "MÜLLER"], "muller"),
        (["Smith & Co", "Smith and Co.", "Smith"], "smith"),
        (["Globex Pty Ltd", "Globex Pty. Ltd.", "globex ltd"], "globex"),
    ],
)
def test_company_key_ignores_spelling_and_legal_form(names: list[str], key: str) -> None:
    assert {company_key(name) for name in names} == {key}


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("", ""),
        ("Company", "company"),  # never stripped to nothing
        ("Johnson & Johnson", "johnsonandjohnson"),
        ("3M", "3m"),
    ],
)
def test_company_key_edge_cases(name: str, key: str) -> None:
    assert company_key(name) == key


def test_email_domain() -> None:
    assert email_domain(" Dana@Sub.Acme.IO ") == "sub.acme.io"
    assert email_domain("not an email") == ""


def test_colleagues_match_on_company_or_work_domain_but_not_free_mail() -> None:
    dana = make_lead(1, company="Acme, Inc.", email="dana@acme.io")
    same_company = make_lead(2, company="ACME", email="sam@gmail.com")
    same_domain = make_lead(3, company="", email="kim@ACME.io")
    other_company = make_lead(4, company="Globex", email="lee@globex.com")
    gmail_stranger = make_lead(5, company="Initech", email="pat@gmail.com")
    leads = [dana, same_company, same_domain, other_company, gmail_stranger]

    assert colleagues(dana, leads) == [same_company, same_domain]
    # Sam's gmail says nothing about Pat, but Sam's company says Dana.
    assert colleagues(same_company, leads) == [dana]


def test_no_company_and_free_mail_means_no_colleagues() -> None:
    loner = make_lead(1, company="", email="sam@gmail.com")
    others = [loner, make_lead(2, company="", email="pat@gmail.com"), make_lead(3, company="")]
    assert colleagues(loner, others) == []
