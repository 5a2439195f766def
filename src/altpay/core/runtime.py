"""What every domain's requests share for the service's lifetime: built once from settings.

A domain that keeps state of its own for the process (auth's caches) keeps it in its own
folder, beside this, on ``app.state``. A request reaches it through
``altpay.core.http.connections``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from altpay.core.db import Database, open_database
from altpay.core.keys import derive_key
from altpay.core.migrate import head_revision
from altpay.core.pagination import CursorCodec
from altpay.core.settings import Settings, resolve_signing_keys


def cursor_codec(master_keys: Sequence[bytes]) -> CursorCodec:
    """The codec of every list's cursors, signed with keys of their own purpose."""
    return CursorCodec([derive_key(master, "cursor") for master in master_keys])


@dataclass
class Runtime:
    settings: Settings
    database: Database
    cursors: CursorCodec
    schema_revision: str

    @classmethod
    def from_settings(cls, settings: Settings) -> Runtime:
        return cls(
            settings=settings,
            database=open_database(settings),
            cursors=cursor_codec(resolve_signing_keys(settings).all()),
            schema_revision=head_revision(),
        )
