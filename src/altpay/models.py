"""Every table, gathered in one place so that Alembic sees the whole schema."""

from altpay.auth import models as auth_models
from altpay.core.models import Base
from altpay.customers import models as customer_models
from altpay.idempotency import models as idempotency_models
from altpay.payment_methods import models as payment_method_models
from altpay.sandbox import models as sandbox_models
from altpay.users import models as user_models
from altpay.webhooks import models as webhook_models

metadata = Base.metadata


def unmodelled(table: str) -> bool:
    """A table a migration made with no model: SQLite's company-name trigram index (an FTS5
    table, the shadow tables FTS5 makes for it, and its keys)."""
    return any(
        table == name or table.startswith(f"{name}_") for name in customer_models.UNMODELLED_TABLES
    )


__all__ = [
    "auth_models",
    "customer_models",
    "idempotency_models",
    "metadata",
    "payment_method_models",
    "sandbox_models",
    "unmodelled",
    "user_models",
    "webhook_models",
]
