"""Formats of a customer's tax id and address, and the rules that tie its fields together."""

from __future__ import annotations

import re
from functools import cache

import pycountry

# ASCII digits only: a bare \d would also accept "١٢٣٤٥" (Arabic-Indic digits) and store it.
_EIN = re.compile(r"([0-9]{2})-?([0-9]{7})")
_US_ZIP = re.compile(r"[0-9]{5}(-[0-9]{4})?")
_CA_POSTAL = re.compile(r"([A-Z][0-9][A-Z]) ?([0-9][A-Z][0-9])")
_US_CA = {"US": "US", "USA": "US", "CA": "CA", "CAN": "CA"}


@cache
def _country_codes() -> frozenset[str]:
    return frozenset(
        code for country in pycountry.countries for code in (country.alpha_2, country.alpha_3)
    )


@cache
def _region_codes(country: str) -> frozenset[str]:
    """Codes of a country's states or provinces, e.g. ``CA`` for US-CA (California)."""
    prefix = f"{country}-"
    return frozenset(
        sub.code.removeprefix(prefix)
        for sub in pycountry.subdivisions
        if sub.code.startswith(prefix)
    )


def normalize_ein(value: str) -> str:
    """Nine digits, with or without the hyphen, returned as ``XX-XXXXXXX``."""
    if not value:
        return ""
    match = _EIN.fullmatch(value)
    if match is None:
        raise ValueError("must be 9 digits, as XX-XXXXXXX or XXXXXXXXX")
    return f"{match[1]}-{match[2]}"


def normalize_country(value: str) -> str:
    """An ISO 3166-1 alpha-2 or alpha-3 code, upper-cased."""
    if not value:
        return ""
    code = value.upper()
    if code not in _country_codes():
        raise ValueError("must be an ISO 3166-1 alpha-2 or alpha-3 country code")
    return code


def normalize_address(
    country: str, state: str, postal_code: str
) -> tuple[str, str, dict[str, str]]:
    """State and postal code checked against the country: (state, postal code, problems).

    Only the US and Canada have rules; elsewhere both are kept as sent.
    """
    region = _US_CA.get(country)
    if region is None:
        return state, postal_code, {}
    problems: dict[str, str] = {}
    state = state.upper()
    if state and state not in _region_codes(region):
        kind = "a US state" if region == "US" else "a Canadian province or territory"
        problems["state"] = f"must be the code of {kind} (e.g. {'CA' if region == 'US' else 'ON'})"
    postal_code = postal_code.upper()
    if region == "US":
        if postal_code and _US_ZIP.fullmatch(postal_code) is None:
            problems["postal_code"] = "must be a US ZIP code: 12345 or 12345-6789"
    elif postal_code:
        match = _CA_POSTAL.fullmatch(postal_code)
        if match is None:
            problems["postal_code"] = "must be a Canadian postal code: A1A 1A1"
        else:
            postal_code = f"{match[1]} {match[2]}"
    return state, postal_code, problems
