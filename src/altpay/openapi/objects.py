"""What the document's parts are made of: JSON objects, the extension mark, references."""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]
# Marks what the vendor's API does not have.
EXTENSION = "x-extension"


def ref(section: str, name: str) -> Schema:
    """A reference to ``components.<section>.<name>``."""
    return {"$ref": f"#/components/{section}/{name}"}
