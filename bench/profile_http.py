"""``python -m bench.profile_http [--requests N] [--top K]``: CPU per request of #17's five
pages, measured in-process (no sockets, no client threads): the data of scenario 7b quick,
the API called through ASGI with FastAPI's threadpool short-circuited so that cProfile sees
every frame of one request. Prints CPU ms per request and the costliest functions per page.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import time
from typing import Any

import fastapi.concurrency
import fastapi.dependencies.utils
import fastapi.routing
import starlette.concurrency

from application.settings import load_settings
from bench.harness import BenchContext, bench_database
from bench.scenarios import http
from interfaces.api.app import create_api
from interfaces.api.permissions import Scope
from interfaces.api.tokens import TokenStore


async def _inline(func: Any, *args: Any, **kwargs: Any) -> Any:
    return func(*args, **kwargs)


def _no_threadpool() -> None:
    for module in (starlette.concurrency, fastapi.concurrency, fastapi.dependencies.utils, fastapi.routing):
        if hasattr(module, "run_in_threadpool"):
            module.run_in_threadpool = _inline  # type: ignore[attr-defined]


async def _get(api: Any, path: str, token: str) -> tuple[int, bytes]:
    target, _, query = path.partition("?")
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": target, "raw_path": target.encode(), "query_string": query.encode(),
        "root_path": "", "headers": [(b"host", b"127.0.0.1"), (b"authorization", f"Bearer {token}".encode())],
        "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80),
    }  # fmt: skip
    status, body = 0, bytearray()

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            body.extend(message.get("body", b""))

    await api(scope, receive, send)
    return status, bytes(body)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_http", description=__doc__)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--sort", default="cumulative", help="pstats order: cumulative, tottime…")
    args = parser.parse_args(argv)
    _no_threadpool()
    settings = load_settings()
    with bench_database(settings) as database:
        ctx = BenchContext(
            settings=settings.model_copy(update={"database_url": database.url}), database=database, quick=True
        )
        try:
            app = ctx.fresh_app(clock=http.FixedClock(http.AFTER_THE_DATA), pool_size=4)
            demo_end, _ = http._build(ctx, app, 200, 200)
            http.seed_read_models(ctx, app.settings.read_schema, 20_000)
            number = http.longest_trail(ctx, app.settings.read_schema, demo_end)
            token = TokenStore.for_app(app).create("admin", Scope.parse("all"), name="bench").secret
            api = create_api(app)
            loop = asyncio.new_event_loop()
            for page in http.pages(app.settings.read_schema, number):
                for _ in range(10):  # warm: pools, caches, imports
                    status, body = loop.run_until_complete(_get(api, page.path, token))
                    assert status == 200, (status, body[:300])
                cpu, wall = time.process_time(), time.perf_counter()
                for _ in range(args.requests):
                    loop.run_until_complete(_get(api, page.path, token))
                wall = (time.perf_counter() - wall) / args.requests * 1000
                cpu = (time.process_time() - cpu) / args.requests * 1000
                prof = cProfile.Profile()
                prof.enable()
                for _ in range(args.requests):
                    loop.run_until_complete(_get(api, page.path, token))
                prof.disable()
                out = io.StringIO()
                pstats.Stats(prof, stream=out).sort_stats(args.sort).print_stats(args.top)
                print(f"\n===== {page.label}: GET {page.path}: {cpu:.2f} CPU ms, {wall:.2f} wall ms"
                      f" per request (unprofiled), body {len(body):,} bytes")  # fmt: skip
                print(out.getvalue()[out.getvalue().find("   ncalls") :])
            loop.close()
        finally:
            ctx.close()


if __name__ == "__main__":
    main()
