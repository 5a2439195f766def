from datetime import UTC, datetime, timedelta
from random import Random

from ulid import ULID

from altpay.core.ids import id_at, is_well_formed, new_id


def test_new_id_is_well_formed() -> None:
    assert is_well_formed("cus", new_id("cus"))


def test_id_at_carries_the_time_and_repeats_with_the_same_rng() -> None:
    at = datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=UTC)

    made = id_at("cus", at, Random(7))

    assert is_well_formed("cus", made)
    assert made == id_at("cus", at, Random(7))
    assert ULID.from_str(made.removeprefix("cus_").upper()).datetime == at.replace(
        microsecond=123000
    )
    later = id_at("cus", at + timedelta(milliseconds=1), Random(7))
    assert made < later
