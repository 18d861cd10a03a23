"""The HTTP API (FastAPI): ``create_api(app)``."""

from interfaces.api.app import create_api

__all__ = ["create_api"]
