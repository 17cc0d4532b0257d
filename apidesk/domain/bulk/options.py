"""What an import is asked to do."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from apidesk.domain.bulk.rows import Match
from apidesk.errors import Invalid


@dataclass(frozen=True)
class Options:
    match: Match = "id"
    # Invite the pending users of the file who hold no open invitation, one every
    # `invite_interval`; new users without a state start pending.
    invite: bool = False
    invite_interval: timedelta = timedelta(seconds=0.1)
    dry_run: bool = False

    def as_record(self) -> dict[str, Any]:
        return {
            "match": self.match,
            "invite": self.invite,
            "inviteIntervalSeconds": self.invite_interval.total_seconds(),
        }


_PER = {"s": 1, "sec": 1, "second": 1, "min": 60, "minute": 60, "h": 3600, "hour": 3600}
MAX_RATE_PER_SECOND = 1000
# ASCII digits, a few of them: `float()` also reads other scripts' digits, '1_0' and '1e-300',
# whose interval (1e300 s) no timedelta holds (an OverflowError, a traceback).
_AMOUNT = re.compile(r"[0-9]{1,9}(?:\.[0-9]{1,9})?")


def parse_rate(text: str) -> timedelta:
    """The wait between two invitations, from a rate such as `10/s`, `600/min` or `3600/h`
    (a bare number is per second)."""
    count, _, unit = text.strip().partition("/")
    seconds = _PER.get(unit.strip().lower() or "s")
    count = count.strip()
    amount = float(count) if _AMOUNT.fullmatch(count) else 0
    if seconds is None or not amount > 0 or amount / seconds > MAX_RATE_PER_SECOND:
        raise Invalid.field(
            "inviteRate",
            f"'{text}' is not a rate such as 10/s, 600/min or 3600/h (at most "
            f"{MAX_RATE_PER_SECOND}/s).",
        )
    return timedelta(seconds=seconds / amount)
