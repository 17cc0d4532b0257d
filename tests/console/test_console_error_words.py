"""The console's error pages speak of the console, in its own words, not the portal's."""

from __future__ import annotations

import pytest
from support.console import Person, signed_in_operator
from support.inprocess import InProcessServer
from support.server import ServiceRef

from apidesk.domain.groups import service as groups

STYLED = '<link rel="stylesheet"'


def test_an_unexpected_error_says_the_console_hit_it(
    app: InProcessServer, shop: ServiceRef, person: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    signed_in_operator(app, person)

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("a fault planted by the test")

    monkeypatch.setattr(groups, "list_groups", broken)
    page = person.get(f"/console/{shop.name}/groups")
    assert page.status_code == 500 and STYLED in page.text
    assert "The console hit an unexpected error" in page.text
    assert "portal" not in page.text.lower().split("<main", 1)[1]
