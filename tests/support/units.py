"""A unit of work inside a test service, for tests that call the domain directly."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from support.server import ServiceRef

from apidesk.domain.context import Context, InstanceContext, Runtime
from apidesk.domain.instances import service as instances


@contextmanager
def unit(runtime: Runtime, service: ServiceRef, actor: str = "test") -> Iterator[InstanceContext]:
    """A writing unit in `service`, acting as `actor`; it commits when the block ends."""
    with runtime.database.unit_of_work() as session:
        ctx = Context(runtime=runtime, session=session, actor=actor)
        instance = instances.find_by_name(ctx, service.name)
        assert instance is not None
        yield InstanceContext.of(ctx, instance)
