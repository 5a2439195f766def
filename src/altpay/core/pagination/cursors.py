"""Cursors: positions in a list, signed and bound to one account's one list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from itsdangerous import BadData, URLSafeSerializer

from altpay.core.errors import InvalidCursor
from altpay.core.timestamps import format_timestamp

MAX_CURSOR_LENGTH = 1024


@dataclass(frozen=True, slots=True)
class Position:
    created_at: datetime
    id: str


def list_key(account_id: str, list_name: str) -> str:
    """What a cursor is bound to: one list of one account (a cursor of another is refused)."""
    return f"{account_id}:{list_name}"


class CursorCodec:
    """Signs positions into opaque URL-safe cursors bound to one account and one list."""

    def __init__(self, keys: Sequence[bytes]) -> None:
        # itsdangerous signs with the last key and accepts any: newest last.
        self._keys = list(reversed(keys))

    def _serializer(self, list_key: str) -> URLSafeSerializer:
        return URLSafeSerializer(self._keys, salt=f"altpay.cursor:{list_key}")

    def encode(self, position: Position, list_key: str) -> str:
        return str(
            self._serializer(list_key).dumps([format_timestamp(position.created_at), position.id])
        )

    def decode(self, cursor: str, list_key: str) -> Position:
        try:
            created_at, object_id = self._serializer(list_key).loads(cursor)
            return Position(datetime.fromisoformat(created_at), str(object_id))
        except (BadData, ValueError, TypeError) as error:
            raise InvalidCursor(
                validation_errors={"cursor": "not a cursor of this list"}
            ) from error
