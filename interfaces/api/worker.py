"""One of several server processes (``policytrail serve --workers N``).

uvicorn starts each worker as a fresh process (spawn) and builds its API with
``create_worker_api``: its own application, connection pools and read-your-writes
watcher — the workers share nothing but PostgreSQL. What must run once per
deployment is not started here: the projections run in the supervising ``serve``
process (or in ``policytrail projections run``), and the time-driven commands in
``policytrail tick`` from one scheduler.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from application.adapters.database import resolve_database
from application.app import PolicyTrail
from application.settings import load_settings
from interfaces.api.app import create_api
from interfaces.api.read_models.hooks import ReadModelHooks

#: environment variable through which ``serve`` hands its options to the workers
OPTIONS_ENV = "POLICYTRAIL_SERVE_WORKER_OPTIONS"


def worker_options(*, wait_timeout: float) -> str:
    return json.dumps({"wait_timeout": wait_timeout})


def create_worker_api() -> FastAPI:
    """The API of one worker process (uvicorn factory), closed with the worker."""
    options = json.loads(os.environ.get(OPTIONS_ENV, "{}"))
    settings = load_settings()
    app = PolicyTrail(settings=settings, database=resolve_database(settings))
    hooks = ReadModelHooks(app, run_projections=False)
    api = create_api(
        app,
        wait_for=hooks.wait_for,
        projection_status=hooks.projection_status,
        wait_timeout=float(options.get("wait_timeout", 5.0)),
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            hooks.close()
            app.close()

    api.router.lifespan_context = lifespan
    return api
