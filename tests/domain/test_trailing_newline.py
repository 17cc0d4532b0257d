"""Names checked with an anchored pattern must match whole: `$` alone lets a trailing newline
through (`re.match(r"^a$", "a\n")` matches), so every such check uses `fullmatch`."""

from __future__ import annotations

import pytest

from apidesk.domain import fields
from apidesk.domain.apis import service as apis
from apidesk.domain.instances import service as instances
from apidesk.errors import Collection, Invalid

SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"


@pytest.mark.parametrize(
    ("resource_group", "name"), [("rg\n", "shop"), ("rg", "shop\n"), ("rg", "shop")]
)
def test_service_path_names_refuse_a_trailing_newline(resource_group: str, name: str) -> None:
    if "\n" not in resource_group + name:
        instances.check_path(SUBSCRIPTION, resource_group, name)  # the control case passes
        return
    with pytest.raises(Invalid):
        instances.check_path(SUBSCRIPTION, resource_group, name)


@pytest.mark.parametrize(
    ("field", "good", "bad"),
    [
        ("header_name", "X-Key", "X-Key\n"),
        ("query_name", "key", "key\n"),
        ("path", "v1/echo", "v1/echo\n"),
    ],
)
def test_api_names_refuse_a_trailing_newline(field: str, good: str, bad: str) -> None:
    problems = Collection()
    assert fields.check(problems, apis.FIELDS, {field: good}) == {field: good}
    assert not problems.problems
    refused = fields.check(problems, apis.FIELDS, {field: bad})
    assert field not in refused
    assert [p.target for p in problems.problems] == [apis.FIELDS[field].target]
