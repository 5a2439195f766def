"""What a route can raise: what it and every dependency in its tree declare (``raises``).

A route's dependencies are FastAPI's dependant tree (``APIRoute.dependant``): the route's
own function at the root, each ``Depends`` below it, with theirs below them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from altpay.core.errors import AppError, declared_by


def errors_of(route: APIRoute) -> set[type[AppError]]:
    """The errors ``route`` declares, with its dependencies', and a fault (every route's)."""
    return {AppError}.union(*(declared_by(call) for call in calls_of(route)))


def depends_on(route: APIRoute, dependencies: Collection[Callable[..., Any]]) -> bool:
    return any(call in dependencies for call in calls_of(route))


def calls_of(route: APIRoute) -> Iterator[Callable[..., Any]]:
    """The route's function and every dependency it has, at any depth."""
    return (dependant.call for dependant in dependants_of(route) if dependant.call is not None)


def dependants_of(route: APIRoute) -> Iterator[Dependant]:
    pending = [route.dependant]
    while pending:
        dependant = pending.pop()
        yield dependant
        pending.extend(reversed(dependant.dependencies))
