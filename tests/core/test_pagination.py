"""Keyset pagination and list filters, through GET /customers and GET /customers/{id}/users."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.customers import UNKNOWN_CUSTOMER_ID, archive_customer, create_customer
from tests.support.errors import assert_http_error
from tests.support.tenants import Tenant

COUNT = 24
Page = dict[str, Any]


def get_page(api: TestClient, tenant: Tenant, path: str = "/customers", **params: Any) -> Page:
    reply = api.get(path, params=params, headers=tenant.headers)
    assert reply.status_code == 200, reply.text
    page: Page = reply.json()
    return page


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [item["id"] for item in items]


def walk_forward(
    api: TestClient, tenant: Tenant, *, path: str = "/customers", **params: Any
) -> list[Page]:
    """Every page from the first, following ``end_cursor`` with ``after``."""
    pages = [get_page(api, tenant, path, **params)]
    while pages[-1]["has_next_page"]:
        assert len(pages) <= COUNT + 1, "the walk does not end"
        pages.append(get_page(api, tenant, path, **params, after=pages[-1]["end_cursor"]))
    return pages


def walk_backward(
    api: TestClient, tenant: Tenant, *, before: str, path: str = "/customers", **params: Any
) -> list[Page]:
    """Every page before ``before``, following ``start_cursor`` with ``before``, as fetched."""
    pages = [get_page(api, tenant, path, **params, before=before)]
    while pages[-1]["has_previous_page"]:
        assert len(pages) <= COUNT + 1, "the walk does not end"
        pages.append(get_page(api, tenant, path, **params, before=pages[-1]["start_cursor"]))
    return pages


def assert_forward_pages(pages: list[Page], *, expected: list[str], limit: int) -> None:
    """The pages cover ``expected`` in order, each full but the last, with exact flags."""
    assert len(pages) == max(1, math.ceil(len(expected) / limit))
    assert [item_id for page in pages for item_id in ids(page["data"])] == expected
    for index, page in enumerate(pages):
        is_last = index == len(pages) - 1
        assert page["has_previous_page"] is (index > 0)
        assert page["has_next_page"] is (not is_last)
        if not is_last:
            assert len(page["data"]) == limit
        if page["data"]:
            assert page["start_cursor"]
            assert page["end_cursor"]
        else:
            assert (page["start_cursor"], page["end_cursor"]) == ("", "")


def timestamp_at(value: str, *, offset: timedelta) -> str:
    """The same instant as ``value``, written with another UTC offset (RFC 3339)."""
    instant = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return instant.astimezone(timezone(offset)).isoformat(timespec="microseconds")


def shifted(value: str, *, microseconds: int) -> str:
    instant = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return (instant + timedelta(microseconds=microseconds)).isoformat(timespec="microseconds")


def altered(cursor: str, index: int) -> str:
    """``cursor`` with one character changed (a middle one, so the decoded bytes change)."""
    replacement = "A" if cursor[index] != "A" else "B"
    return cursor[:index] + replacement + cursor[index + 1 :]


@pytest.fixture
def created(api: TestClient, tenant: Tenant) -> list[dict[str, Any]]:
    """COUNT customers, in the order they were created (oldest first)."""
    return [
        create_customer(api, tenant, name=f"Customer {index:02d}", email=f"c{index}@acme.com")
        for index in range(COUNT)
    ]


@pytest.fixture
def newest_first(created: list[dict[str, Any]]) -> list[str]:
    return ids(created[::-1])


@pytest.fixture
def small(api: TestClient, tenant: Tenant) -> list[dict[str, Any]]:
    """8 customers, oldest first: enough for the tests that do not walk a long list."""
    return [create_customer(api, tenant, name=f"Small {index}") for index in range(8)]


# Order and walks


def test_list_is_newest_first(
    api: TestClient, tenant: Tenant, created: list[dict[str, Any]]
) -> None:
    page = get_page(api, tenant)

    assert page["data"] == created[::-1]
    assert (page["has_next_page"], page["has_previous_page"]) == (False, False)


def test_forward_and_backward_walks_cover_the_list_once(
    api: TestClient, tenant: Tenant, newest_first: list[str]
) -> None:
    for limit in (1, 5, 10, COUNT - 1, COUNT, 100):
        pages = walk_forward(api, tenant, limit=limit)
        assert_forward_pages(pages, expected=newest_first, limit=limit)
        last = pages[-1]
        if len(pages) == 1:
            continue

        backward = walk_backward(api, tenant, limit=limit, before=last["start_cursor"])

        walked = [item_id for page in reversed(backward) for item_id in ids(page["data"])]
        assert walked + ids(last["data"]) == newest_first, limit
        for index, page in enumerate(backward):
            is_top = index == len(backward) - 1
            assert page["has_next_page"] is True, (limit, index)
            assert page["has_previous_page"] is (not is_top), (limit, index)
            if not is_top:
                assert len(page["data"]) == limit, (limit, index)


def test_before_the_second_page_is_the_first_page(
    api: TestClient, tenant: Tenant, small: list[dict[str, Any]]
) -> None:
    first = get_page(api, tenant, limit=3)
    second = get_page(api, tenant, limit=3, after=first["end_cursor"])

    again = get_page(api, tenant, limit=3, before=second["start_cursor"])

    assert again == first
    assert ids(second["data"]) == ids(small[::-1])[3:6]


def test_before_a_middle_cursor_returns_the_items_just_newer(
    api: TestClient, tenant: Tenant, small: list[dict[str, Any]]
) -> None:
    whole = get_page(api, tenant, limit=6)
    # The end cursor of a 6-item page is the position of the 6th item.
    page = get_page(api, tenant, limit=3, before=whole["end_cursor"])

    assert ids(page["data"]) == ids(small[::-1])[2:5]
    assert (page["has_previous_page"], page["has_next_page"]) == (True, True)


def test_after_the_last_item_is_an_empty_page(
    api: TestClient, tenant: Tenant, small: list[dict[str, Any]]
) -> None:
    whole = get_page(api, tenant)

    page = get_page(api, tenant, after=whole["end_cursor"])

    assert page == {
        "data": [],
        "start_cursor": "",
        "end_cursor": "",
        "has_next_page": False,
        "has_previous_page": True,
    }


def test_before_the_first_item_is_an_empty_page(
    api: TestClient, tenant: Tenant, small: list[dict[str, Any]]
) -> None:
    whole = get_page(api, tenant)

    page = get_page(api, tenant, before=whole["start_cursor"])

    assert page == {
        "data": [],
        "start_cursor": "",
        "end_cursor": "",
        "has_next_page": True,
        "has_previous_page": False,
    }


def test_empty_list(api: TestClient, tenant: Tenant) -> None:
    assert get_page(api, tenant, limit=1) == {
        "data": [],
        "start_cursor": "",
        "end_cursor": "",
        "has_next_page": False,
        "has_previous_page": False,
    }


def test_a_single_page_cursors_are_its_first_and_last_items(
    api: TestClient, tenant: Tenant, small: list[dict[str, Any]]
) -> None:
    newest_first = ids(small[::-1])
    page = get_page(api, tenant, limit=4)

    after_start = get_page(api, tenant, limit=1, after=page["start_cursor"])
    after_end = get_page(api, tenant, limit=1, after=page["end_cursor"])

    assert ids(after_start["data"]) == [newest_first[1]]
    assert ids(after_end["data"]) == [newest_first[4]]


def test_default_limit_is_100(api: TestClient, tenant: Tenant) -> None:
    made = [
        create_customer(api, tenant, name=f"Bulk {index}", email=f"bulk{index}@acme.com")
        for index in range(101)
    ]

    first = get_page(api, tenant)
    second = get_page(api, tenant, after=first["end_cursor"])

    assert ids(first["data"]) == ids(made[:0:-1])
    assert first["has_next_page"] is True
    assert ids(second["data"]) == [made[0]["id"]]
    assert (second["has_next_page"], second["has_previous_page"]) == (False, True)
    assert get_page(api, tenant, limit=100) == first


# Stability under writes


def test_forward_walk_is_stable_while_customers_are_created(
    api: TestClient, tenant: Tenant, newest_first: list[str]
) -> None:
    pages = [get_page(api, tenant, limit=7)]
    newcomers = []
    while pages[-1]["has_next_page"]:
        newcomers.append(create_customer(api, tenant, name=f"New {len(pages)}"))
        pages.append(get_page(api, tenant, limit=7, after=pages[-1]["end_cursor"]))

    assert_forward_pages(pages, expected=newest_first, limit=7)
    assert ids(get_page(api, tenant, limit=len(newcomers))["data"]) == ids(newcomers[::-1])


def test_backward_page_finds_customers_created_since(
    api: TestClient, tenant: Tenant, small: list[dict[str, Any]]
) -> None:
    newest_first = ids(small[::-1])
    first = get_page(api, tenant, limit=3)
    assert first["has_previous_page"] is False
    newer = [create_customer(api, tenant, name=f"Newer {index}") for index in range(3)]

    page = get_page(api, tenant, limit=3, before=first["start_cursor"])
    again = get_page(api, tenant, limit=3, after=first["end_cursor"])

    assert ids(page["data"]) == ids(newer[::-1])
    assert (page["has_previous_page"], page["has_next_page"]) == (False, True)
    assert ids(again["data"]) == newest_first[3:6]
    assert again["has_previous_page"] is True


def test_cursor_stays_valid_after_its_customer_is_archived(
    api: TestClient, tenant: Tenant, small: list[dict[str, Any]]
) -> None:
    newest_first = ids(small[::-1])
    first = get_page(api, tenant, limit=3)
    archive_customer(api, tenant, customer_id=newest_first[2])
    archive_customer(api, tenant, customer_id=newest_first[3])

    page = get_page(api, tenant, limit=3, after=first["end_cursor"])

    assert ids(page["data"]) == newest_first[4:7]
    assert page["has_previous_page"] is True


def test_flags_count_only_listed_customers(
    api: TestClient, tenant: Tenant, small: list[dict[str, Any]]
) -> None:
    newest_first = ids(small[::-1])
    # Archive the oldest and the newest: without include_archived they are not "more items".
    archive_customer(api, tenant, customer_id=newest_first[-1])
    archive_customer(api, tenant, customer_id=newest_first[0])
    active = newest_first[1:-1]

    pages = walk_forward(api, tenant, limit=len(active))
    with_archived = walk_forward(api, tenant, limit=len(active), include_archived="true")
    top = get_page(api, tenant, limit=3, before=get_page(api, tenant, limit=3)["end_cursor"])

    assert_forward_pages(pages, expected=active, limit=len(active))
    assert_forward_pages(with_archived, expected=newest_first, limit=len(active))
    assert ids(top["data"]) == active[:2]
    assert top["has_previous_page"] is False


# Filters, alone and with cursors


def test_created_at_bounds_are_inclusive_and_exact(
    api: TestClient, tenant: Tenant, created: list[dict[str, Any]]
) -> None:
    start, end = created[5]["created_at"], created[12]["created_at"]

    both = get_page(api, tenant, created_at_start=start, created_at_end=end)
    only_start = get_page(api, tenant, created_at_start=start)
    only_end = get_page(api, tenant, created_at_end=end)
    same = get_page(api, tenant, created_at_start=end, created_at_end=end)

    assert ids(both["data"]) == ids(created[12:4:-1])
    assert ids(only_start["data"]) == ids(created[:4:-1])
    assert ids(only_end["data"]) == ids(created[12::-1])
    assert same["data"] == [created[12]]


def test_created_at_bounds_one_microsecond_off_exclude_the_object(
    api: TestClient, tenant: Tenant, created: list[dict[str, Any]]
) -> None:
    start = shifted(created[5]["created_at"], microseconds=1)
    end = shifted(created[12]["created_at"], microseconds=-1)

    page = get_page(api, tenant, created_at_start=start, created_at_end=end)

    assert ids(page["data"]) == ids(created[11:5:-1])


def test_created_at_bounds_accept_any_offset(
    api: TestClient, tenant: Tenant, created: list[dict[str, Any]]
) -> None:
    for offset in [timedelta(0), timedelta(hours=5, minutes=30), timedelta(hours=-8)]:
        start = timestamp_at(created[3]["created_at"], offset=offset)
        end = timestamp_at(created[6]["created_at"], offset=offset)

        page = get_page(api, tenant, created_at_start=start, created_at_end=end)

        assert ids(page["data"]) == ids(created[6:2:-1]), offset


def test_created_at_filter_with_cursors(
    api: TestClient, tenant: Tenant, created: list[dict[str, Any]]
) -> None:
    window = {
        "created_at_start": created[4]["created_at"],
        "created_at_end": created[20]["created_at"],
    }
    expected = ids(created[20:3:-1])

    pages = walk_forward(api, tenant, limit=4, **window)
    backward = walk_backward(api, tenant, limit=4, before=pages[-1]["start_cursor"], **window)

    # Newer and older customers exist outside the window: the flags ignore them.
    assert_forward_pages(pages, expected=expected, limit=4)
    walked = [item_id for page in reversed(backward) for item_id in ids(page["data"])]
    assert walked + ids(pages[-1]["data"]) == expected
    assert backward[-1]["has_previous_page"] is False


def test_window_of_exactly_one_page_has_no_next_page(
    api: TestClient, tenant: Tenant, created: list[dict[str, Any]]
) -> None:
    page = get_page(
        api,
        tenant,
        limit=5,
        created_at_start=created[10]["created_at"],
        created_at_end=created[14]["created_at"],
    )

    assert ids(page["data"]) == ids(created[14:9:-1])
    assert (page["has_next_page"], page["has_previous_page"]) == (False, False)


def test_a_cursor_is_not_bound_to_the_filters(
    api: TestClient, tenant: Tenant, created: list[dict[str, Any]]
) -> None:
    unfiltered = get_page(api, tenant, limit=10)  # created[23] .. created[14]
    window = {"created_at_end": created[19]["created_at"]}

    page = get_page(api, tenant, limit=3, after=unfiltered["end_cursor"], **window)

    assert ids(page["data"]) == ids(created[13:10:-1])
    assert (page["has_previous_page"], page["has_next_page"]) == (True, True)


@pytest.fixture
def named(api: TestClient, tenant: Tenant) -> dict[str, str]:
    names = [
        "Straße Holdings",
        "STRASSE GmbH",
        "Hauptstrasse AG",
        "Acme 100% Corp",
        "a_c Partners",
        "abc Partners",
        "Back\\slash Ltd",
        "A/B Testing",
        "O'Brien & Sons",
        'The "Quoted" Co',
        "Ελληνική Εταιρεία",
        "Plain",
    ]
    return {name: create_customer(api, tenant, name=name)["id"] for name in names}


COMPANY_NAME_QUERIES = [
    ("STRASSE", ["Straße Holdings", "STRASSE GmbH", "Hauptstrasse AG"]),
    ("straße", ["Straße Holdings", "STRASSE GmbH", "Hauptstrasse AG"]),
    ("Strasse g", ["STRASSE GmbH"]),
    ("ΕΛΛΗΝΙΚΉ", ["Ελληνική Εταιρεία"]),
    ("%", ["Acme 100% Corp"]),
    ("0% c", ["Acme 100% Corp"]),
    ("a%c", []),
    ("_", ["a_c Partners"]),
    ("a_c", ["a_c Partners"]),
    ("\\", ["Back\\slash Ltd"]),
    ("k\\s", ["Back\\slash Ltd"]),
    ("/", ["A/B Testing"]),
    ("a/b", ["A/B Testing"]),
    ("a//b", []),
    ("'", ["O'Brien & Sons"]),
    ("o'brien &", ["O'Brien & Sons"]),
    ('"quoted"', ['The "Quoted" Co']),
    ("partners", ["a_c Partners", "abc Partners"]),
    ("no such company", []),
]


def test_company_name_is_a_case_insensitive_literal_substring(
    api: TestClient, tenant: Tenant, named: dict[str, str]
) -> None:
    for query, expected in COMPANY_NAME_QUERIES:
        page = get_page(api, tenant, company_name=query)

        matching = {named[name] for name in expected}
        newest_first = [item_id for item_id in reversed(named.values()) if item_id in matching]
        assert ids(page["data"]) == newest_first, query


def test_empty_company_name_is_no_filter(
    api: TestClient, tenant: Tenant, named: dict[str, str]
) -> None:
    assert ids(get_page(api, tenant, company_name="")["data"]) == list(named.values())[::-1]


def test_company_name_filter_with_cursors(
    api: TestClient, tenant: Tenant, created: list[dict[str, Any]]
) -> None:
    # "Customer 1" matches Customer 1 and Customer 10..19.
    expected = [
        customer["id"] for customer in created[::-1] if "customer 1" in customer["name"].lower()
    ]
    assert len(expected) == 10

    pages = walk_forward(api, tenant, limit=3, company_name="customer 1")
    backward = walk_backward(
        api, tenant, limit=3, company_name="CUSTOMER 1", before=pages[-1]["start_cursor"]
    )

    assert_forward_pages(pages, expected=expected, limit=3)
    walked = [item_id for page in reversed(backward) for item_id in ids(page["data"])]
    assert walked + ids(pages[-1]["data"]) == expected


def test_filters_combine(api: TestClient, tenant: Tenant, created: list[dict[str, Any]]) -> None:
    page = get_page(
        api,
        tenant,
        company_name="Customer 1",
        created_at_start=created[12]["created_at"],
        created_at_end=created[21]["created_at"],
    )

    assert ids(page["data"]) == ids(created[19:11:-1])


def test_company_name_of_255_characters_is_accepted(api: TestClient, tenant: Tenant) -> None:
    name = "n" * 255
    customer = create_customer(api, tenant, name=name)

    assert ids(get_page(api, tenant, company_name=name)["data"]) == [customer["id"]]


# Parameter errors


def list_reply(api: TestClient, tenant: Tenant, path: str = "/customers", **params: Any) -> Any:
    return api.get(path, params=params, headers=tenant.headers)


def test_bad_limit_is_a_bad_request(api: TestClient, tenant: Tenant) -> None:
    for limit in ["0", "101", "-1", "abc", "1.5", "", "99999999999999999999999"]:
        reply = list_reply(api, tenant, limit=limit)
        assert_http_error(reply, status=400, code="invalid_parameter", fields={"limit"}, case=limit)


def test_limit_bounds_are_accepted(api: TestClient, tenant: Tenant) -> None:
    newer = create_customer(api, tenant, name="Newer")
    older = create_customer(api, tenant, name="Older")

    assert get_page(api, tenant, limit="1")["data"] == [older]
    assert get_page(api, tenant, limit="100")["data"] == [older, newer]


def test_after_with_before_is_a_bad_request(
    api: TestClient, tenant: Tenant, small: list[dict[str, Any]]
) -> None:
    page = get_page(api, tenant, limit=5)

    reply = list_reply(api, tenant, after=page["end_cursor"], before=page["start_cursor"])

    body = assert_http_error(reply, status=400, code="invalid_parameter")
    assert body["validation_errors"]
    assert set(body["validation_errors"]) <= {"after", "before"}


def test_empty_cursor_means_the_first_page(
    api: TestClient, tenant: Tenant, small: list[dict[str, Any]]
) -> None:
    first = get_page(api, tenant, limit=5)

    for params in [{"after": ""}, {"before": ""}, {"after": "", "before": ""}]:
        assert get_page(api, tenant, limit=5, **params) == first, params
    assert ids(first["data"]) == ids(small[:2:-1])


def test_empty_before_with_a_real_after_is_just_after(
    api: TestClient, tenant: Tenant, small: list[dict[str, Any]]
) -> None:
    first = get_page(api, tenant, limit=3)

    page = get_page(api, tenant, limit=3, after=first["end_cursor"], before="")

    assert ids(page["data"]) == ids(small[::-1])[3:6]


@pytest.mark.parametrize("direction", ["after", "before"])
def test_garbage_and_altered_cursors_are_invalid(
    api: TestClient, tenant: Tenant, small: list[dict[str, Any]], direction: str
) -> None:
    page = get_page(api, tenant, limit=5)
    cursor, other = page["end_cursor"], page["start_cursor"]
    payload, _, signature = cursor.rpartition(".")
    bad_cursors = [
        "abc",
        "!!!",
        "a.b",
        ".",
        "x" * 200,
        "x" * 5000,  # longer than any cursor: still invalid_cursor, not invalid_parameter
        payload,
        cursor[:-3],
        cursor + "A",
        altered(cursor, len(payload) // 2),
        altered(cursor, len(payload) + 1 + len(signature) // 2),
        payload + "." + other.rpartition(".")[2],
        UNKNOWN_CUSTOMER_ID,
        small[3]["created_at"],
    ]
    garbage = list_reply(api, tenant, **{direction: "abc"})
    for bad in bad_cursors:
        reply = list_reply(api, tenant, **{direction: bad})
        assert_http_error(reply, status=400, code="invalid_cursor")
        assert reply.json() == garbage.json(), bad


@pytest.mark.parametrize("direction", ["after", "before"])
def test_another_accounts_cursor_is_invalid_like_garbage(
    api: TestClient, tenant: Tenant, other_tenant: Tenant, direction: str
) -> None:
    create_customer(api, tenant, name="Mine")
    for index in range(3):
        create_customer(api, other_tenant, name=f"Theirs {index}")
    theirs = get_page(api, other_tenant, limit=1)

    reply = list_reply(api, tenant, **{direction: theirs["end_cursor"]})

    assert_http_error(reply, status=400, code="invalid_cursor")
    assert reply.json() == list_reply(api, tenant, **{direction: "abc"}).json()


def test_created_at_start_after_end_is_a_bad_request(
    api: TestClient, tenant: Tenant, small: list[dict[str, Any]]
) -> None:
    reply = list_reply(
        api,
        tenant,
        created_at_start=small[5]["created_at"],
        created_at_end=small[4]["created_at"],
    )

    assert_http_error(reply, status=400, code="invalid_parameter", fields={"created_at_start"})


BAD_TIMESTAMPS = [
    "2024-01-01",
    "yesterday",
    "1704067200",
    "2024-01-01T00:00:00",
    "2024-01-01T00:00:00+0100",
    "2024-13-01T00:00:00Z",
    "2024-02-30T00:00:00Z",
    "2024-01-01T24:00:00Z",
    "2024-01-01T00:00:00+25:00",
    "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-01:00",
    "".join(chr(0x0660 + int(digit)) for digit in "2024") + "-01-01T00:00:00Z",
]


def test_bad_timestamp_is_a_bad_request_naming_the_parameter(
    api: TestClient, tenant: Tenant
) -> None:
    for value in BAD_TIMESTAMPS:
        for name in ("created_at_start", "created_at_end"):
            reply = list_reply(api, tenant, **{name: value})
            assert_http_error(
                reply, status=400, code="invalid_parameter", fields={name}, case=(name, value)
            )


def test_company_name_over_255_characters_is_a_bad_request(api: TestClient, tenant: Tenant) -> None:
    reply = list_reply(api, tenant, company_name="n" * 256)

    assert_http_error(reply, status=400, code="invalid_parameter", fields={"company_name"})


# The same machinery on a customer's users


def create_users(
    api: TestClient, tenant: Tenant, *, customer_id: str, count: int
) -> list[dict[str, Any]]:
    users = []
    for index in range(count):
        reply = api.post(
            f"/customers/{customer_id}/users",
            json={
                "email": f"user{index}@acme.com",
                "first_name": f"User{index}",
                "last_name": "Doe",
            },
            headers=tenant.headers,
        )
        assert reply.status_code == 201, reply.text
        users.append(reply.json())
    return users


@pytest.fixture
def customer_with_users(api: TestClient, tenant: Tenant) -> tuple[str, list[str]]:
    """A customer and its 12 users' ids, newest first."""
    customer_id = create_customer(api, tenant)["id"]
    users = create_users(api, tenant, customer_id=customer_id, count=12)
    return customer_id, ids(users[::-1])


def test_users_walk_forward_and_backward(
    api: TestClient, tenant: Tenant, customer_with_users: tuple[str, list[str]]
) -> None:
    customer_id, newest_first = customer_with_users
    path = f"/customers/{customer_id}/users"

    for limit in (1, 5, 12):
        pages = walk_forward(api, tenant, path=path, limit=limit)
        assert_forward_pages(pages, expected=newest_first, limit=limit)
        if len(pages) == 1:
            continue

        backward = walk_backward(
            api, tenant, path=path, limit=limit, before=pages[-1]["start_cursor"]
        )

        walked = [item_id for page in reversed(backward) for item_id in ids(page["data"])]
        assert walked + ids(pages[-1]["data"]) == newest_first, limit
        flags = [page["has_previous_page"] for page in backward]
        assert flags == [True] * (len(backward) - 1) + [False], limit


def test_users_list_of_a_customer_without_users_is_empty(api: TestClient, tenant: Tenant) -> None:
    customer = create_customer(api, tenant)

    assert get_page(api, tenant, f"/customers/{customer['id']}/users") == {
        "data": [],
        "start_cursor": "",
        "end_cursor": "",
        "has_next_page": False,
        "has_previous_page": False,
    }


def test_users_list_rejects_a_bad_limit(
    api: TestClient, tenant: Tenant, customer_with_users: tuple[str, list[str]]
) -> None:
    customer_id, _ = customer_with_users

    reply = list_reply(api, tenant, f"/customers/{customer_id}/users", limit="101")

    assert_http_error(reply, status=400, code="invalid_parameter", fields={"limit"})


def test_cursors_are_bound_to_their_list(
    api: TestClient, tenant: Tenant, customer_with_users: tuple[str, list[str]]
) -> None:
    customer_id, _ = customer_with_users
    sibling_id = create_customer(api, tenant, name="Sibling")["id"]
    create_users(api, tenant, customer_id=sibling_id, count=2)
    users_path, sibling_path = f"/customers/{customer_id}/users", f"/customers/{sibling_id}/users"
    users_cursor = get_page(api, tenant, users_path, limit=2)["end_cursor"]
    customers_cursor = get_page(api, tenant, limit=1)["end_cursor"]
    mixed_up = [
        ("/customers", users_cursor),
        (users_path, customers_cursor),
        (sibling_path, users_cursor),
    ]

    for path, cursor in mixed_up:
        for direction in ("after", "before"):
            reply = list_reply(api, tenant, path, **{direction: cursor})
            assert_http_error(reply, status=400, code="invalid_cursor")
            assert reply.json() == list_reply(api, tenant, path, **{direction: "abc"}).json()
    # The cursor itself is fine on its own list.
    assert get_page(api, tenant, users_path, after=users_cursor)["has_previous_page"] is True


def test_another_accounts_users_cursor_is_invalid(
    api: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    mine = create_customer(api, tenant)["id"]
    create_users(api, tenant, customer_id=mine, count=2)
    theirs = create_customer(api, other_tenant)["id"]
    create_users(api, other_tenant, customer_id=theirs, count=2)
    their_cursor = get_page(api, other_tenant, f"/customers/{theirs}/users", limit=1)["end_cursor"]

    reply = list_reply(api, tenant, f"/customers/{mine}/users", after=their_cursor)

    assert_http_error(reply, status=400, code="invalid_cursor")


def test_users_of_another_accounts_customer_are_not_found(
    api: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    theirs = create_customer(api, other_tenant)["id"]
    create_users(api, other_tenant, customer_id=theirs, count=1)

    reply = list_reply(api, tenant, f"/customers/{theirs}/users")
    unknown = list_reply(api, tenant, f"/customers/{UNKNOWN_CUSTOMER_ID}/users")

    assert_http_error(reply, status=404, code="not_found", fields=set())
    assert reply.json() == unknown.json()
