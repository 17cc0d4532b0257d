"""The HTTP protocols `apidesk serve` runs under uvicorn: uvicorn's own, with a bound on the
size of a request's head (request line and headers).

httptools, uvicorn's default parser, puts no limit on headers and gathers a long one by
concatenation: a 40 MB header held the event loop for seconds before any app saw the request.
These protocols feed a request's head to the parser in slices and refuse it with 431, in the
shape of the front door its path belongs to, once it passes `MAX_HEAD_BYTES`, before it is
complete. Within that bound, the app's own limits (apidesk.app) answer finer-grained 431s.
"""

from __future__ import annotations

import importlib.util
import logging
from typing import Any

import h11
from starlette.responses import Response
from uvicorn.protocols.http.h11_impl import H11Protocol

from apidesk.refusals import refusal, serialized

MAX_HEAD_BYTES = 64 * 1024
_SLICE = 8 * 1024
_START = 4 * 1024
# After a refusal, what the client still sends is read and dropped, up to this much, so that
# the answer reaches it rather than a reset; past it, the connection is cut.
_LINGER_BYTES = 4 * 1024 * 1024

log = logging.getLogger("apidesk.server")


def _path_of(head_start: bytes) -> str:
    """The path in a request line, as far as it arrived."""
    target = head_start.split(b"\r\n", 1)[0].split(b" ")
    raw = target[1] if len(target) > 1 else b"/"
    return raw.split(b"?", 1)[0].decode("latin-1")


class _HeadLimit:
    """Counts the bytes of the request head being read, and refuses past the bound."""

    transport: Any
    _linger: int | None = None

    def _start_head(self) -> None:
        self._head_bytes = 0
        self._head_start = b""

    def _dropped(self, data: bytes) -> bool:
        """True when the request was refused already: `data` is read and dropped."""
        if self._linger is None:
            return False
        self._linger -= len(data)
        if self._linger < 0:
            self.transport.close()
        return True

    def _count(self, piece: bytes) -> bool:
        """Count `piece` of a head; False once the head is too large (and refused)."""
        if len(self._head_start) < _START:
            self._head_start += piece[: _START - len(self._head_start)]
        self._head_bytes += len(piece)
        if self._head_bytes <= MAX_HEAD_BYTES:
            return True
        log.warning("request head larger than %d bytes refused", MAX_HEAD_BYTES)
        self._refuse(
            refusal(
                _path_of(self._head_start),
                431,
                "RequestHeaderFieldsTooLarge",
                f"The request line and headers are larger than {MAX_HEAD_BYTES} bytes.",
            )
        )
        return False

    def _refuse(self, response: Response) -> None:
        """Write `response` as the connection's last answer, and end the connection."""
        self.transport.write(serialized(response, ((b"connection", b"close"),)))
        # Half-close: the answer is complete, and the connection ends when the client is done.
        if self.transport.can_write_eof():
            self.transport.write_eof()
            self._linger = _LINGER_BYTES
        else:  # pragma: no cover - TCP transports can
            self.transport.close()

    # Malformed requests. uvicorn answers whatever its parser refuses (no HTTP/1.1: a space,
    # tab or byte past ASCII in the target, a control character in a header, an unknown
    # method for httptools, a Content-Length that is no number...) through
    # `send_400_response`, with a bare text/plain "Invalid HTTP request received.". Here it is
    # a 400 in the shape of the front door the request names, as the 431 above. Which door is
    # decided from the bytes of the refused request as far as they go: the second word of its
    # request line (`_refused_path`), up to the first space, tab aside, and "?" (a tab or a
    # byte past ASCII stays in the path and still starts with the door's prefix). Paths under
    # /portal and /console get the portal's styled error page, /gateway the key check's
    # answer, and everything else, the management API's ARM paths included (they start at the
    # root, and the management API answers all that no other door owns), the ARM error body.
    _pending: Response | None = None

    def _answering(self) -> bool:
        """True while a request of this connection is being answered."""
        cycle = getattr(self, "cycle", None)
        return cycle is not None and not cycle.response_complete

    def _refused_path(self) -> str:
        if self._answering() and not self._in_later_head():
            # The body of the request being answered was refused: its path is known.
            return str(self.cycle.scope.get("path", "/"))  # type: ignore[attr-defined]
        return _path_of(self._head_start) if self._head_start else "/"

    def _in_later_head(self) -> bool:
        """True when the refused bytes are the head of a request pipelined behind one still
        being answered (rather than the body of that request)."""
        return False

    def send_400_response(self, msg: str) -> None:
        response = refusal(
            self._refused_path(), 400, "BadRequest", "The request is not valid HTTP/1.1."
        )
        if self._answering():
            if self._in_later_head():
                # The request before it is answered first; this answer follows, and ends the
                # connection (`on_response_complete`). What else comes is dropped.
                self._pending = response
                self._linger = _LINGER_BYTES
                return
            if self.cycle.response_started:  # type: ignore[attr-defined]
                # The body of a request already being answered: a second answer would
                # corrupt the first; the connection ends.
                self.transport.close()
                return
        self._refuse(response)

    def on_response_complete(self) -> None:
        super().on_response_complete()  # type: ignore[misc]
        pending, self._pending = self._pending, None
        if pending is not None and not self.transport.is_closing():
            self._linger = None
            self._refuse(pending)


class H11WithLimits(_HeadLimit, H11Protocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._start_head()

    def _refused_path(self) -> str:
        # h11 parses a pipelined request only once the one before is answered: the bytes it
        # has not processed yet start with the refused request's line.
        unprocessed = bytes(self.conn.trailing_data[0])
        if unprocessed and not self._answering():
            return _path_of(unprocessed)
        return super()._refused_path()

    def data_received(self, data: bytes) -> None:
        if self._dropped(data):
            return
        while data and not self.transport.is_closing():
            if self.conn.their_state is not h11.IDLE:
                self._start_head()
                super().data_received(data)
                return
            piece, data = data[:_SLICE], data[_SLICE:]
            if not self._count(piece):
                self._dropped(data)
                return
            super().data_received(piece)
            if self._linger is not None:  # refused: the parser takes nothing more
                self._dropped(data)
                return


if importlib.util.find_spec("httptools") is not None:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    class HttpToolsWithLimits(_HeadLimit, HttpToolsProtocol):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._start_head()
            self._in_head = True

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._in_head = True

        def on_headers_complete(self) -> None:
            # uvicorn's part first: should it refuse the head (a target that is no ASCII), the
            # head is still the one being read (`_refused_path`).
            super().on_headers_complete()
            self._in_head = False
            self._start_head()

        def on_message_complete(self) -> None:
            super().on_message_complete()
            # Whatever comes next on this connection is the head of another request.
            self._in_head = True

        def data_received(self, data: bytes) -> None:
            if self._dropped(data):
                return
            while data and not self.transport.is_closing():
                if not self._in_head:
                    super().data_received(data)
                    return
                piece, data = data[:_SLICE], data[_SLICE:]
                if not self._count(piece):
                    self._dropped(data)
                    return
                super().data_received(piece)
                if self._linger is not None:  # refused: the parser takes nothing more
                    self._dropped(data)
                    return

        def _in_later_head(self) -> bool:
            return self._in_head

        def _refused_path(self) -> str:
            # The target as far as httptools read it (a later request's, when the head of
            # one read in the same bytes as an earlier request's was refused).
            url: bytes = getattr(self, "url", b"")
            if self._in_head and url:
                return _path_of(b"GET " + url)
            return super()._refused_path()

    PROTOCOL = "apidesk.server:HttpToolsWithLimits"
else:  # pragma: no cover - uvicorn[standard] brings httptools
    PROTOCOL = "apidesk.server:H11WithLimits"

# What every uvicorn this service runs under is given. h11's own bound on an incomplete head
# sits above ours, so that ours answers first, with 431.
OPTIONS: dict[str, Any] = {
    "http": PROTOCOL,
    "h11_max_incomplete_event_size": MAX_HEAD_BYTES + 2 * _SLICE,
}
