"""The management path under load, beside baselines measured in the same run.

    .venv/bin/python bench/api.py [--users 10000] [--databases sqlite,postgresql]
                                  [--duration 8] [--connections 32] [--no-write]
                                  [--figures "PATCH,create user, no"]

For each database it starts `apidesk serve` as a production user would (its default workers,
one per core), seeds N users with `apidesk users import` and a few hundred subscriptions
through the API, then drives it with wrk on loopback: GET a user, a filtered list of 100, the
first page, a user looked up by e-mail (`$filter=email eq`, another one each time), PATCH
(spread over many users, and one hot user), create with and without a password, the gateway
check (valid key, no key), portal sign-in and the console's Users page.
In the same run it serves bench/baseline_app.py with the same server software and workers on
the same database (one indexed row, 100 rows, a single-row UPDATE and commit), before the
figures and again after them, and times argon2id with the configured parameters on every core
before and after. Each figure is shown with p50, p99 and its ratio to its baseline (the mean
of the baseline's two runs), and with the CPU time the server's processes spent per request
beside the baseline's (bench/cpu.py); a figure with any non-2xx/3xx answer is marked invalid.
Results go to docs/benchmarks.md (between the api-bench markers) unless --no-write.
`--figures` keeps only the figures whose names contain one of its comma-separated words (the
three baselines always run); a partial run is printed, never written.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(BENCH))

from api_report import render, write  # noqa: E402
from cpu import cpu_seconds, descendants  # noqa: E402
from hashing import PASSWORD, hash_cpu_ms, hash_rate  # noqa: E402
from support.databases import fresh_postgres_database  # noqa: E402
from support.server import free_port  # noqa: E402
from wrk_runner import Result, wrk  # noqa: E402

SERVICE = "apidesk"
BASE = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/apidesk"
    "/providers/Microsoft.ApiManagement/service/apidesk"
)
V = {"api-version": "2024-05-01"}
SUBSCRIPTIONS = 300
LUA = (BENCH / "api.lua").read_text()
KEYS_LUA = """
local keys = {}
for line in io.lines(os.getenv("KEYS_FILE")) do keys[#keys + 1] = line end
math.randomseed(os.time())
request = function()
  wrk.headers["X-Original-URI"] = "/echo/items"
  wrk.headers["Ocp-Apim-Subscription-Key"] = keys[math.random(#keys)]
  return wrk.format("GET")
end
"""


def _cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "apidesk", *args], env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"apidesk {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


@contextmanager
def _serving(
    command: list[str], env: dict[str, str], ready: str
) -> Iterator[subprocess.Popen[bytes]]:
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for _ in range(600):
            if server.poll() is not None:
                raise SystemExit(f"{command} stopped:\n{server.stderr.read().decode()}")  # type: ignore[union-attr]
            try:
                if httpx.get(ready, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        yield server
    finally:
        server.terminate()
        server.wait(timeout=30)


def service_env(database_url: str, directory: Path, public_url: str) -> dict[str, str]:
    """The environment a bench runs `apidesk serve` and its commands with: this process's,
    on `database_url`, the secret key in `directory`, quiet logs, no cap on portal forms (the
    load comes from one address), and the default workers."""
    env = {
        **os.environ,
        "APIDESK_DATABASE_URL": database_url,
        "APIDESK_SECRET_KEY_FILE": str(directory / "secret.key"),
        "APIDESK_PUBLIC_URL": public_url,
        "APIDESK_LOG_LEVEL": "warning",
        "APIDESK_PORTAL_FORMS_PER_WINDOW": "1000000000",
    }
    env.pop("APIDESK_WORKERS", None)
    return env


def _seed(url: str, env: dict[str, str], directory: Path, users: int, token: str) -> Path:
    """N users by import; an API, a product and subscriptions (their keys in a file); a user
    with a password for the portal."""
    rows = ["id,email,firstName,lastName,groups"]
    rows += [f"u{n},u{n}@example.com,User,N{n},developers" for n in range(users)]
    (directory / "users.csv").write_text("\n".join(rows) + "\n")
    _cli(env, "users", "import", str(directory / "users.csv"), "--service", SERVICE)
    with httpx.Client(
        base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60
    ) as http:

        def put(path: str, properties: dict[str, object]) -> None:
            http.put(BASE + path, params=V, json={"properties": properties}).raise_for_status()

        put("/apis/echo", {"displayName": "Echo", "path": "echo"})
        put("/products/bench", {"displayName": "Bench", "state": "published"})
        http.put(BASE + "/products/bench/apis/echo", params=V).raise_for_status()
        keys = []
        for n in range(min(SUBSCRIPTIONS, users)):
            put(
                f"/subscriptions/s{n}",
                {"scope": "/products/bench", "ownerId": f"/users/u{n}", "displayName": f"s{n}"},
            )
            secrets = http.post(BASE + f"/subscriptions/s{n}/listSecrets", params=V).json()
            keys.append(secrets["primaryKey"])
        put(
            "/users/signer",
            {
                "email": "signer@example.com",
                "firstName": "S",
                "lastName": "I",
                "password": PASSWORD,
            },
        )
    (directory / "keys.txt").write_text("\n".join(keys) + "\n")
    return directory / "keys.txt"


def _form_token(page: httpx.Response) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert match, page.text
    return match.group(1)


def _console_cookie(url: str, env: dict[str, str]) -> str:
    link = _cli(env, "operator", "create", f"bench-{time.time_ns()}@example.com").split()[-1]
    with httpx.Client(base_url=url, timeout=60) as browser:
        page = browser.get(link)
        token = link.split("token=", 1)[1]
        form = {"csrf": _form_token(page), "token": token, "password": PASSWORD}
        browser.post("/console/set-password", data={**form, "confirm": PASSWORD})
        return f"apidesk_console={browser.cookies['apidesk_console']}"


def _portal_form(url: str) -> tuple[str, str]:
    """A sign-in form's token and the cookie it belongs to (no session: it holds)."""
    with httpx.Client(base_url=url, timeout=60) as browser:
        page = browser.get(f"/portal/{SERVICE}/signin")
        cookies = "; ".join(f"{name}={value}" for name, value in browser.cookies.items())
        return _form_token(page), cookies


def database_for(stack: ExitStack, backend: str) -> str:
    """A fresh, empty database of `backend` (sqlite or postgresql) for one run, removed when
    `stack` closes."""
    if backend == "sqlite":
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        return f"sqlite:///{folder / 'bench.db'}"
    return str(stack.enter_context(fresh_postgres_database()))


def measure(
    database_url: str,
    users: int,
    seconds: int,
    connections: int,
    figures: tuple[str, ...] = (),
) -> list[Result]:
    directory = Path(tempfile.mkdtemp(prefix="apidesk-api-bench-"))
    port, baseline_port = free_port(), free_port()
    url, baseline = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{baseline_port}"
    env = {**service_env(database_url, directory, url), "PYTHONPATH": str(BENCH)}
    workers = str(os.cpu_count() or 1)
    serve = [sys.executable, "-m", "apidesk", "serve", "--port", str(port)]
    plain = [sys.executable, "-m", "uvicorn", "--factory", "baseline_app:create_app"]
    plain += ["--port", str(baseline_port), "--workers", workers, "--no-access-log"]
    plain += ["--log-level", "warning"]
    try:
        with ExitStack() as stack:
            apidesk = stack.enter_context(_serving(serve, env, f"{url}/ready"))
            token = _cli(env, "token", "create", "--name", "bench", "--replace").split()[-1]
            keys = _seed(url, env, directory, users, token)
            cookie = _console_cookie(url, env)
            csrf, portal_cookie = _portal_form(url)
            bare = stack.enter_context(_serving(plain, env, f"{baseline}/one"))
            # Each server with its worker processes, for the CPU a request costs it.
            trees = {
                server.pid: [server.pid, *descendants(server.pid)] for server in (apidesk, bare)
            }
            lua = directory / "api.lua"
            lua.write_text(LUA)
            keys_lua = directory / "keys.lua"
            keys_lua.write_text(KEYS_LUA)
            common = {"BASE": BASE, "TOKEN": token, "USERS": str(users), "PASSWORD": PASSWORD}

            def run(
                name: str,
                target: str,
                *extra: str,
                against: str = "",
                refused: bool = False,
                **more: str,
            ) -> Result | None:
                always = name == "warm-up" or name.startswith("baseline")
                if figures and not always and not any(w.lower() in name.lower() for w in figures):
                    return None
                server = trees[bare.pid if target.startswith(f"{baseline}/") else apidesk.pid]
                used = cpu_seconds(server)
                result = wrk(
                    target,
                    seconds,
                    connections,
                    *extra,
                    env={**common, **more},
                    refusals_expected=refused,
                )
                used = cpu_seconds(server) - used
                result.scenario, result.baseline = name, against
                answered = result.requests_per_second * seconds
                result.cpu_ms = used * 1000 / answered if answered else None
                return result

            def api(name: str, mode: str, against: str) -> Result | None:
                return run(name, url + BASE, "-s", str(lua), against=against, MODE=mode)

            one, hundred, update = "1 row", "100 rows", "UPDATE"
            signin_body = f"csrf={csrf}&email=signer%40example.com&password={PASSWORD}"
            run("warm-up", url + BASE, "-s", str(lua), MODE="get")
            everything = [
                run("baseline: one indexed row", f"{baseline}/one"),
                run("baseline: 100 rows", f"{baseline}/hundred"),
                run(
                    "baseline: UPDATE + commit", f"{baseline}/update", "-s", str(BENCH / "post.lua")
                ),
                api("GET user", "get", one),
                api("list users: $filter + $top=100", "list", hundred),
                api("list users: first page ($top=100)", "first", hundred),
                api("list users: $filter email eq, any of N", "lookup", one),
                api("PATCH user (If-Match, spread)", "patch", update),
                api("PATCH user (If-Match, one hot user)", "hot", update),
                api("create user, no password", "create", update),
                api("create user with password", "create-password", "argon2"),
                run(
                    "gateway check: valid key",
                    f"{url}/gateway/{SERVICE}/check",
                    "-s",
                    str(keys_lua),
                    against=one,
                    KEYS_FILE=str(keys),
                ),
                run(
                    "gateway check: no key (401 expected)",
                    f"{url}/gateway/{SERVICE}/check",
                    "-s",
                    str(BENCH / "refused.lua"),
                    against=one,
                    refused=True,
                ),
                run(
                    "portal sign-in",
                    f"{url}/portal/{SERVICE}/signin",
                    "-s",
                    str(BENCH / "post.lua"),
                    against="argon2",
                    BODY=signin_body,
                    COOKIE=portal_cookie,
                    CONTENT_TYPE="application/x-www-form-urlencoded",
                ),
                run(
                    "console: Users page",
                    f"{url}/console/{SERVICE}/users",
                    "-H",
                    f"Cookie: {cookie}",
                    against=one,
                ),
                # The baselines again: the machine drifts over a run, and each ratio is to
                # the mean of a baseline's two runs (`baseline_rates`).
                run("baseline again: one indexed row", f"{baseline}/one"),
                run("baseline again: 100 rows", f"{baseline}/hundred"),
                run(
                    "baseline again: UPDATE + commit",
                    f"{baseline}/update",
                    "-s",
                    str(BENCH / "post.lua"),
                ),
            ]
            return [result for result in everything if result is not None]
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", default="10000")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument(
        "--figures",
        default="",
        help="comma-separated words: run only the figures whose names contain one (and the "
        "baselines); such a run is not written to docs/benchmarks.md",
    )
    args = parser.parse_args()
    figures = tuple(word.strip() for word in args.figures.split(",") if word.strip())
    if figures:
        args.no_write = True
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    before = hash_rate()
    hash_cpu = hash_cpu_ms()
    runs: dict[tuple[str, int], list[Result]] = {}
    for database in args.databases.split(","):
        for users in (int(n) for n in args.users.split(",")):
            print(f"{database}, {users:,} users ...", flush=True)
            with ExitStack() as stack:
                runs[(database, users)] = measure(
                    database_for(stack, database), users, args.duration, args.connections, figures
                )
            for result in runs[(database, users)]:
                mark = "" if result.valid else f"  INVALID ({result.non_2xx} failed)"
                print(f"  {result.scenario}: {result.requests_per_second:,.0f}/s{mark}", flush=True)
    after = hash_rate()
    section = render(runs, (before, after), args, hash_cpu)
    print(section)
    if not args.no_write:
        write(section)
        print("wrote docs/benchmarks.md")
    if any(not result.valid for results in runs.values() for result in results):
        raise SystemExit("some figures are invalid: answers other than 2xx/3xx")


if __name__ == "__main__":
    main()
