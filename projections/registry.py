"""Which projections exist (投影清单): name → class.

A projection module registers its class with ``@register``; the module must be
listed in ``MODULES`` so that it is imported (one line per projection).
"""

from __future__ import annotations

import importlib
from typing import TypeVar

from projections.base import Projection
from projections.errors import UnknownProjection

#: modules defining the built-in projections, in the order status lists them
MODULES: tuple[str, ...] = (
    "projections.audit_trail.projection",
    "projections.timeliness.projection",
    "projections.scorecards.projection",
    "projections.worklists.projection",
)

P = TypeVar("P", bound=type[Projection])

_classes: dict[str, type[Projection]] = {}


def register(cls: P) -> P:
    """Class decorator: make a projection known by its ``name``."""
    existing = _classes.get(cls.name)
    if existing is not None and existing is not cls:
        raise ValueError(f"projection name {cls.name!r} already used by {existing.__qualname__}")
    _classes[cls.name] = cls
    return cls


def _load() -> dict[str, type[Projection]]:
    for module in MODULES:
        importlib.import_module(module)
    return _classes


def names() -> list[str]:
    return list(_load())


def get(name: str) -> Projection:
    """A fresh instance of the projection called ``name``."""
    classes = _load()
    if name not in classes:
        raise UnknownProjection(name, list(classes))
    return classes[name]()


def resolve(names_given: list[str] | None) -> list[Projection]:
    """The named projections (all registered ones when none are named)."""
    return [get(n) for n in (names_given or names())]
