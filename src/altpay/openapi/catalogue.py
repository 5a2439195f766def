"""The catalogue of HttpError codes: the ``AppError`` classes that have a code of their own.

Each says what its code means (``meaning``); a subclass that only words its message
differently (``CustomerNotFound(NotFound)``) is its parent's code. The catalogue is every
such class the application has imported, in a fixed order: by status, the kit's before
the domains', each module's in the order it defines them. The codes of ``/oauth/token``
are RFC 6749's, ``altpay.auth.errors.OAUTH_ERROR_CODES``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from altpay.core.errors import AppError


def error_classes() -> list[type[AppError]]:
    """Every class of the catalogue, in the order the document lists their codes."""
    return sorted(_with_own_code(AppError), key=_place)


def codes() -> list[str]:
    """The codes of ``HttpError``, in catalogue order."""
    return [kind.code for kind in error_classes()]


def in_catalogue_order(errors: Iterable[type[AppError]]) -> list[type[AppError]]:
    """The catalogue classes whose codes ``errors`` (any AppError classes) carry."""
    carried = {kind.code for kind in errors}
    return [kind for kind in error_classes() if kind.code in carried]


def _with_own_code(kind: type[AppError]) -> Iterator[type[AppError]]:
    if "code" in vars(kind):
        yield kind
    for subclass in kind.__subclasses__():
        yield from _with_own_code(subclass)


def _place(kind: type[AppError]) -> tuple[int, bool, str]:
    # sorted() is stable: within a module, the walk's order is the order of definition.
    return kind.status, kind.__module__ != AppError.__module__, kind.__module__
