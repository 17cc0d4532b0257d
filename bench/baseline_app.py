"""The baselines of bench/api.py: bare Starlette routes on the same server software and the
same database as Apidesk, doing the least each kind of request needs (one indexed lookup, one
page of 100 rows, one single-row UPDATE and commit) and returning JSON. They use Apidesk's own
engine set-up (pool, SQLite pragmas), so the ratio shows what Apidesk adds on top of it.

    uvicorn --factory baseline_app:create_app   (APIDESK_DATABASE_URL names the database)
"""

from __future__ import annotations

import os
import random

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from apidesk.storage.database import create_database_engine

ONE = text("SELECT id, name, email, first_name, last_name, state, note FROM users WHERE id = :id")
HUNDRED = text(
    "SELECT id, name, email, first_name, last_name, state, note FROM users "
    "WHERE id >= :id ORDER BY id LIMIT 100"
)


def create_app() -> Starlette:
    engine = create_database_engine(os.environ["APIDESK_DATABASE_URL"])
    with engine.connect() as connection:
        low, high = connection.execute(text("SELECT min(id), max(id) FROM users")).one()

    def one(user_id: int) -> dict[str, object]:
        with engine.connect() as connection:
            row = connection.execute(ONE, {"id": user_id}).one()
        return dict(row._mapping)

    def hundred(start: int) -> list[dict[str, object]]:
        with engine.connect() as connection:
            rows = connection.execute(HUNDRED, {"id": start}).all()
        return [dict(row._mapping) for row in rows]

    def update(user_id: int) -> dict[str, object]:
        with engine.begin() as connection:
            connection.execute(
                text("UPDATE users SET note = :note WHERE id = :id"),
                {"id": user_id, "note": f"n{random.random()}"},
            )
        return {"id": user_id}

    async def get_one(request: Request) -> JSONResponse:
        return JSONResponse(await run_in_threadpool(one, random.randint(low, high)))

    async def get_hundred(request: Request) -> JSONResponse:
        start = random.randint(low, max(low, high - 100))
        return JSONResponse(await run_in_threadpool(hundred, start))

    async def patch_one(request: Request) -> JSONResponse:
        return JSONResponse(await run_in_threadpool(update, random.randint(low, high)))

    return Starlette(
        routes=[
            Route("/one", get_one),
            Route("/hundred", get_hundred),
            Route("/update", patch_one, methods=["POST"]),
        ]
    )
