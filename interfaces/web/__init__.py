"""The managers' dashboard (管理看板): server-rendered pages at ``/`` beside the API.

``create_api`` mounts ``routes()``: the pages (Jinja2 templates, SVG charts drawn on
the server) and their static files, all inside the package (no CDN: the servers have
no internet). The figures come from the same queries as the API's GETs.
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from interfaces.web.pages import STATIC_DIR, router
from interfaces.web.service_standard_worklists import router as service_standard_worklists_router
from interfaces.web.worklists import router as worklists_router


def routes() -> list[BaseRoute]:
    """The dashboard's routes, to add to the API application."""
    return [
        *router.routes,
        *worklists_router.routes,
        *service_standard_worklists_router.routes,
        Mount("/ui/static", StaticFiles(directory=STATIC_DIR), name="ui-static"),
    ]
