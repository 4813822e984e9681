"""Contact data quality, offline: is this email or phone worth a touch, and who else is there?

Only about a fifth of web registrants give an accurate phone number (RESEARCH.md), so a rep should
see a bad number before dialling it. Nothing here touches the network: email syntax only (no MX
lookup), phone numbers against libphonenumber's metadata.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from leadtui.domain.models import Lead


@dataclass(frozen=True, slots=True)
class ContactCheck:
    """`normalized` is the form to store and dial or send to; the trimmed input when unparseable."""

    valid: bool
    reason: str  # "" when valid
    normalized: str


def check_email(email: str, *, bounced: bool = False) -> ContactCheck:
    """Syntax check; `bounced` (a recorded bounce) makes a well-formed address invalid too."""
    text = email.strip()
    if not text:
        return ContactCheck(False, "no email address", "")
    try:
        normalized = validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        return ContactCheck(False, str(exc), text)
    if bounced:
        return ContactCheck(False, "an email to it bounced", normalized)
    return ContactCheck(True, "", normalized)


_PARSE_REASONS = {
    phonenumbers.NumberParseException.INVALID_COUNTRY_CODE: "no known country code",
    phonenumbers.NumberParseException.NOT_A_NUMBER: "not a phone number",
    phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD: "too short",
    phonenumbers.NumberParseException.TOO_SHORT_NSN: "too short",
    phonenumbers.NumberParseException.TOO_LONG: "too long",
}

_POSSIBLE_REASONS = {
    phonenumbers.ValidationResult.INVALID_COUNTRY_CODE: "no known country code",
    phonenumbers.ValidationResult.TOO_SHORT: "too short",
    phonenumbers.ValidationResult.TOO_LONG: "too long",
}


def check_phone(
    phone: str, default_region: str | None, *, wrong_number: bool = False
) -> ContactCheck:
    """Parse `phone` (national numbers in `default_region`, an ISO code like "US") to E.164.

    `wrong_number` (a call outcome said so) makes a well-formed number invalid too.
    """
    text = phone.strip()
    if not text:
        return ContactCheck(False, "no phone number", "")
    region = default_region.upper() if default_region else None
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        reason = _PARSE_REASONS.get(exc.error_type, "not a phone number")
        if exc.error_type == phonenumbers.NumberParseException.INVALID_COUNTRY_CODE and not region:
            reason = "no country code (+...) and no default region"
        return ContactCheck(False, reason, text)

    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    number_region = phonenumbers.region_code_for_country_code(number.country_code or 0)
    possible = phonenumbers.is_possible_number_with_reason(number)
    if possible not in (
        phonenumbers.ValidationResult.IS_POSSIBLE,
        phonenumbers.ValidationResult.IS_POSSIBLE_LOCAL_ONLY,
    ):
        reason = _POSSIBLE_REASONS.get(possible, f"wrong length for {number_region}")
        return ContactCheck(False, reason, e164)
    if not phonenumbers.is_valid_number(number):
        return ContactCheck(False, f"not a valid number for {number_region}", e164)
    if wrong_number:
        return ContactCheck(False, "a call reached a wrong or dead number", e164)
    return ContactCheck(True, "", e164)


def lead_email_check(lead: Lead) -> ContactCheck:
    return check_email(lead.email, bounced=lead.email_bad)


# Country spellings forms commonly collect that are not ISO 3166 codes.
_REGION_ALIASES = {"UK": "GB", "USA": "US"}


def lead_phone_check(lead: Lead, default_region: str | None) -> ContactCheck:
    """The lead's own country, when it is an ISO region code, beats the rep's default region."""
    country = lead.country.strip().upper()
    country = _REGION_ALIASES.get(country, country)
    region = country if country in phonenumbers.SUPPORTED_REGIONS else default_region
    return check_phone(lead.phone, region, wrong_number=lead.phone_bad)


# Legal-form words that differ between how a form, the CRM and an enrichment tool spell one firm.
_COMPANY_SUFFIXES = frozenset(
    {
        "inc",
        "incorporated",
        "corp",
        "corporation",
        "co",
        "company",
        "llc",
        "llp",
        "lp",
        "ltd",
        "limited",
        "plc",
        "pty",
        "gmbh",
        "ag",
        "kg",
        "mbh",
        "sa",
        "sas",
        "sarl",
        "srl",
        "spa",
        "bv",
        "nv",
        "oy",
        "ab",
        "as",
        "aps",
        "kk",
        "pte",
        "pvt",
    }
)

# Domains anyone can sign up on: sharing one says nothing about sharing an employer.
FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "yahoo.co.uk",
        "yahoo.fr",
        "ymail.com",
        "hotmail.com",
        "hotmail.co.uk",
        "hotmail.fr",
        "outlook.com",
        "live.com",
        "msn.com",
        "aol.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "proton.me",
        "protonmail.com",
        "gmx.com",
        "gmx.de",
        "gmx.net",
        "web.de",
        "mail.com",
        "yandex.com",
        "yandex.ru",
        "zoho.com",
        "fastmail.com",
        "qq.com",
        "163.com",
        "btinternet.com",
        "orange.fr",
        "free.fr",
    }
)


def company_key(company: str) -> str:
    """A matching key for a company name: "Acme, Inc." and "ACME Inc" and "acme" agree.

    Accents, case, punctuation and spacing are dropped ("Coca-Cola" == "Coca Cola"), as are a
    leading "the" and trailing legal forms ("Müller GmbH & Co. KG" -> "muller").
    """
    ascii_only = (
        unicodedata.normalize("NFKD", company).encode("ascii", "ignore").decode().casefold()
    )
    words = re.sub(r"[^a-z0-9&\s]", "", ascii_only).replace("&", " and ").split()
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    # "and" goes too, but only once a legal form after it went: "Smith & Co" -> "smith".
    while len(words) > 1 and words[-1] in _COMPANY_SUFFIXES:
        words.pop()
        while len(words) > 1 and words[-1] == "and":
            words.pop()
    return "".join(words)


def email_domain(email: str) -> str:
    _, at, domain = email.strip().rpartition("@")
    return domain.casefold().rstrip(".") if at else ""


def colleagues(lead: Lead, leads: Iterable[Lead]) -> list[Lead]:
    """Other contacts at `lead`'s company, in the order given.

    Matched on the company key, or on the email domain unless it is free mail: people often type
    their company differently (or not at all) but rarely mistype their work address.
    """
    key = company_key(lead.company)
    domain = email_domain(lead.email)
    if domain in FREE_MAIL_DOMAINS:
        domain = ""
    found: list[Lead] = []
    for other in leads:
        if other.id == lead.id:
            continue
        same_company = bool(key) and company_key(other.company) == key
        same_domain = bool(domain) and email_domain(other.email) == domain
        if same_company or same_domain:
            found.append(other)
    return found
