"""Formats of a customer's tax id and address, and the rules that tie its fields together."""

from __future__ import annotations

import re

import pycountry

_EIN = re.compile(r"(\d{2})-?(\d{7})")
_US_ZIP = re.compile(r"\d{5}(-\d{4})?")
_CA_POSTAL = re.compile(r"([A-Z]\d[A-Z]) ?(\d[A-Z]\d)")
_US_CA = {"US": "US", "USA": "US", "CA": "CA", "CAN": "CA"}


def _subdivision_codes(country: str) -> frozenset[str]:
    return frozenset(
        sub.code.split("-", 1)[1] for sub in pycountry.subdivisions.get(country_code=country)
    )


_REGIONS = {"US": _subdivision_codes("US"), "CA": _subdivision_codes("CA")}


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
    field = {2: "alpha_2", 3: "alpha_3"}.get(len(code))
    if field is None or pycountry.countries.get(**{field: code}) is None:
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
    if state and state not in _REGIONS[region]:
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
