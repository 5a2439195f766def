"""A delivery's headers: the vendor's bearer secret and the Standard Webhooks signature.

The HMAC key of a secret in the scheme's own form (``whsec_`` + base64, what altpay makes) is
its decoded bytes, as the scheme says; any other secret an integrator chose is keyed by its
UTF-8 bytes (``behaviour.md``, "Webhooks").
"""

from __future__ import annotations

from datetime import datetime

from standardwebhooks import Webhook

from altpay.webhooks.service import SECRET_PREFIX


def signer(secret_key: str) -> Webhook:
    if secret_key.startswith(SECRET_PREFIX):
        return Webhook(secret_key)
    return Webhook(secret_key.encode())


def delivery_headers(
    secret_key: str, event_id: str, sent_at: datetime, body: str
) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "Authorization": f"Bearer {secret_key}",
        "webhook-id": event_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": signer(secret_key).sign(event_id, sent_at, body),
    }
