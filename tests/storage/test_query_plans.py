"""Every list page, filter and sort of the management API, the console and the portal is
answered from an index: read from the database's own plan of each statement the request runs
(SQLite's EXPLAIN QUERY PLAN; PostgreSQL's EXPLAIN with sequential scans switched off, so the
plan shows whether an index can answer at all, whatever the table's size). The cases are in
support/plan_cases.py, the data in support/plan_seed.py and the checks in support/plans.py;
bench/query_plans.py shows the same plans at 100,000 users in docs/query-plans.md.

A change that loses an index (a dropped index, a filter compiled to an expression no index
holds, a join that hides the instance) fails here."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from support import plan_cases, plan_seed, plans
from support.databases import Isolated, database_for
from support.inprocess import InProcessServer, in_process_server

USERS = 3_000
CASES = plan_cases.cases(USERS)


@pytest.fixture(scope="module")
def seeded(
    workspace: object, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[InProcessServer, plans.Browsers]]:
    directory = tmp_path_factory.mktemp("plans")
    with database_for(workspace.backend, directory) as url:  # type: ignore[attr-defined]
        isolated = Isolated(url, directory)
        with in_process_server(isolated.database_url, directory, None) as app:
            plan_seed.seed(app, USERS)
            with plans.browsers(app) as who:
                yield app, who


@pytest.mark.parametrize("case", CASES, ids=[f"{c.surface} {c.title}" for c in CASES])
def test_each_list_reads_an_index(
    seeded: tuple[InProcessServer, plans.Browsers], case: plan_cases.Case
) -> None:
    app, who = seeded
    result = plans.run(app, who, case, seqscan=False)
    assert result.status == 200
    shown = "\n".join(f"{s.sql}\n  " + "\n  ".join(s.plan) for s in result.statements)
    if case.uses is None:
        return  # documented as not indexable (docs/query-plans.md); nothing to hold it to
    assert result.statements, "the request read none of the big tables"
    assert result.shows_index, f"no index read matching {case.uses!r}:\n{shown}"
    assert not result.full_scans, f"full scans {result.full_scans}:\n{shown}"
    if case.ordered:
        assert not result.sorts, f"the page is sorted, not read in order:\n{shown}"


def test_the_checks_can_fail() -> None:
    """The plan readers see a full scan and a sort where there is one."""
    assert plans.full_scans(["SCAN users"]) == ["SCAN users"]
    assert plans.full_scans(["SEARCH users USING INDEX ix_users_browse (instance_id=?)"]) == []
    assert plans.full_scans(["Aggregate", "  ->  Seq Scan on subscriptions"]) != []
    unnarrowed = ["Aggregate", "  ->  Index Scan using pk_users on users", "  Filter: (x = 1)"]
    assert plans.full_scans(unnarrowed) != []
    walked = ["Limit", "  ->  Index Scan using pk_users on users", "  Filter: (x = 1)"]
    assert plans.full_scans(walked) == []
    assert plans.sorts(["SEARCH users", "USE TEMP B-TREE FOR ORDER BY"]) != []
    assert plans.sorts(["Limit", "  ->  Sort  (cost=1..2)", "  Sort Key: id"]) != []
    assert plans.sorts(["Limit", "  ->  Incremental Sort  (cost=1..2)", "  Sort Key: id"]) == []
