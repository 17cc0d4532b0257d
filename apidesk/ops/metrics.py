"""Prometheus metrics: requests and their latency per front door, the key check's decisions by
reason, password hashing (its wait for a turn, its time and CPU time), and the outbox's depth
and age (read from the database when scraped).

With several worker processes (`apidesk serve --workers N`) each process writes its counters
to files in `PROMETHEUS_MULTIPROC_DIR`, which `serve` creates, and a scrape of any worker adds
up all of them. That variable must be set before this module is first imported.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector

from apidesk.domain.notifications.outbox import STATUSES, OutboxState

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

# Labels stay within fixed sets: a caller must not be able to mint new time series.
DOORS = ("management", "portal", "console", "gateway", "ops")
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

REQUESTS = Counter(
    "apidesk_http_requests",
    "HTTP requests answered, by front door, method and status.",
    ["door", "method", "status"],
    registry=None,
)
LATENCY = Histogram(
    "apidesk_http_request_duration_seconds",
    "Time from a request's arrival to its answer's end, by front door.",
    ["door"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=None,
)
GATEWAY = Counter(
    "apidesk_gateway_decisions",
    "Key check answers, by outcome (allowed or refused) and reason code.",
    ["outcome", "reason"],
    registry=None,
)
HASHING_WORK = ("hash", "verify")
HASHING_WAIT = Histogram(
    "apidesk_password_hashing_wait_seconds",
    "Time a password hash or check waited for its turn (a process runs its share of the cores "
    "at once), by work (hash, verify).",
    ["work"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=None,
)
HASHING = Histogram(
    "apidesk_password_hashing_seconds",
    "Time a password hash or check took once it had its turn, by work (hash, verify).",
    ["work"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
    registry=None,
)
HASHING_CPU = Counter(
    "apidesk_password_hashing_cpu_seconds",
    "CPU time of password hashes and checks, by work (hash, verify).",
    ["work"],
    registry=None,
)
_LIVE = (REQUESTS, LATENCY, GATEWAY, HASHING_WAIT, HASHING, HASHING_CPU)


def door_of(path: str) -> str:
    for prefix, door in (
        ("/gateway", "gateway"),
        ("/portal", "portal"),
        ("/console", "console"),
        ("/health", "ops"),
        ("/ready", "ops"),
        ("/metrics", "ops"),
    ):
        if path == prefix or path.startswith(prefix + "/"):
            return door
    return "management"


def observe(path: str, method: str, status: int, seconds: float, reason: str | None) -> None:
    """Count one answered request (called once per request by the request limits)."""
    door = door_of(path)
    REQUESTS.labels(door, method if method in METHODS else "other", str(status)).inc()
    LATENCY.labels(door).observe(seconds)
    if door == "gateway" and reason:
        GATEWAY.labels("allowed" if status == 200 else "refused", _reason_label(reason)).inc()


def observe_hashing(work: str, waited: float, took: float, cpu: float) -> None:
    """Count one password hash or check (`PasswordHashing.observer` in the server)."""
    label = work if work in HASHING_WORK else "other"
    HASHING_WAIT.labels(label).observe(waited)
    HASHING.labels(label).observe(took)
    HASHING_CPU.labels(label).inc(cpu)


def _reason_label(reason: str) -> str:
    # The key check's reason codes are short kebab-case words; anything else is not one.
    if len(reason) <= 40 and reason.replace("-", "").isalpha():
        return reason
    return "other"


class OutboxCollector(Collector):
    """The outbox as the database holds it now, shared by every process and replica."""

    def __init__(self, read: Callable[[], OutboxState], now: Callable[[], datetime]) -> None:
        self.read = read
        self.now = now

    def collect(self) -> Iterator[Metric]:
        state = self.read()
        depth = GaugeMetricFamily(
            "apidesk_outbox_messages", "Messages in the outbox, by status.", labels=["status"]
        )
        for status in STATUSES:
            depth.add_metric([status], state.by_status.get(status, 0))
        yield depth
        age = 0.0
        if state.oldest_waiting is not None:
            age = max(0.0, (self.now() - state.oldest_waiting).total_seconds())
        yield GaugeMetricFamily(
            "apidesk_outbox_oldest_waiting_seconds",
            "Age of the oldest message not yet sent (0 when none waits).",
            value=age,
        )


def exposition(outbox: OutboxCollector) -> bytes:
    """The text every scrape gets: this deployment's counters plus the outbox."""
    registry = CollectorRegistry(auto_describe=False)
    directory = os.environ.get(MULTIPROCESS_DIR)
    if directory:
        MultiProcessCollector(registry, path=directory)
    else:
        for metric in _LIVE:
            registry.register(metric)
        ProcessCollector(registry=registry)
    registry.register(outbox)
    return generate_latest(registry)
