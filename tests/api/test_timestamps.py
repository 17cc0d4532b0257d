"""`envelope.timestamps` writes a page of dates at once through orjson; every one must read as
`envelope.timestamp` writes it alone (APIM's `YYYY-MM-DDTHH:MM:SS.mmmZ`, in UTC)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from apidesk.api.management.envelope import timestamp, timestamps

ZONES = st.sampled_from(
    [UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-9, minutes=-30))]
)
DATES = st.one_of(
    st.none(),
    st.datetimes(min_value=datetime(1000, 1, 2), max_value=datetime(9999, 12, 30), timezones=ZONES),
)


@given(st.lists(DATES, max_size=20))
def test_a_page_of_dates_reads_as_each_alone(values: list[datetime | None]) -> None:
    assert timestamps(values) == [timestamp(value) for value in values]


def test_whole_seconds_microseconds_and_other_zones() -> None:
    values = [
        datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        datetime(2026, 1, 2, 3, 4, 5, 999_999, tzinfo=UTC),
        datetime(2026, 1, 2, 3, 4, 5, 1_000, tzinfo=timezone(timedelta(hours=2))),
        datetime(999, 12, 31, 23, 0, tzinfo=UTC),
        None,
    ]
    assert timestamps(values) == [
        "2026-01-02T03:04:05.000Z",
        "2026-01-02T03:04:05.999Z",
        "2026-01-02T01:04:05.001Z",
        "0999-12-31T23:00:00.000Z",
        None,
    ]
