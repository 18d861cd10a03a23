"""Request-body limit (请求体大小上限): 413 problem+json before anything parses the body.

A declared ``Content-Length`` over the limit is answered at once, without reading the
body. A body without one (``Transfer-Encoding: chunked``) is read chunk by chunk, at
most limit + 1 bytes are buffered, and the request is answered 413 as soon as it
grows past the limit; a body within the limit is replayed to the application
unchanged. Nothing is stored for a refused request.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from interfaces.api.problems import PAYLOAD_TOO_LARGE, problem_response


class BodyLimit:
    """ASGI middleware refusing HTTP request bodies longer than ``max_bytes``."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                await self.app(scope, _replay([], receive, message), send)
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        await self.app(scope, _replay(chunks, receive), send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("raw_path") or scope.get("path", "").encode()
        response = problem_response(
            PAYLOAD_TOO_LARGE,
            f"the request body exceeds {self.max_bytes:,} bytes (POLICYTRAIL_MAX_REQUEST_BYTES)",
            f"请求体超过 {self.max_bytes:,} 字节上限（POLICYTRAIL_MAX_REQUEST_BYTES）",
            instance=path.decode("latin-1") if isinstance(path, bytes) else str(path),
            max_bytes=self.max_bytes,
            # The rest of the body is never read: the connection cannot be reused.
            headers={"Connection": "close"},
        )
        await response(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # malformed: the server itself refuses such a request
    return None


def _replay(chunks: list[bytes], receive: Receive, last: Message | None = None) -> Receive:
    """A ``receive`` that first answers the buffered body, then the server's own."""
    pending: list[Message] = [
        last if last is not None else {"type": "http.request", "body": b"".join(chunks), "more_body": False}
    ]

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()  # e.g. waits for the client's disconnect

    return replay
