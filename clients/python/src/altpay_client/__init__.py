"""A typed client for the altpay / Alternative Payments Customers API.

from altpay_client import Client

with Client("http://127.0.0.1:8000", client_id, client_secret) as client:
    for customer in client.customers.list():
        print(customer.id, customer.name)
"""

from altpay_client._client import AsyncClient, Client
from altpay_client._retry import DEFAULT_MAX_RETRIES, RequestSpec
from altpay_client._version import __version__
from altpay_client.errors import (
    AltpayError,
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    ConnectionError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    ValidationError,
)
from altpay_client.models import ChangeDefaultResponse, Customer, CustomerUser, Page, PaymentMethod
from altpay_client.pagination import AsyncPager, SyncPager
from altpay_client.params import (
    BankAccountParams,
    CaAccountData,
    CardParams,
    CustomerCreateParams,
    CustomerUpdateParams,
    UsAccountData,
    UserCreateParams,
)

__all__ = [
    "DEFAULT_MAX_RETRIES",
    "APIStatusError",
    "AltpayError",
    "AsyncClient",
    "AsyncPager",
    "AuthenticationError",
    "BadRequestError",
    "BankAccountParams",
    "CaAccountData",
    "CardParams",
    "ChangeDefaultResponse",
    "Client",
    "ConflictError",
    "ConnectionError",
    "Customer",
    "CustomerCreateParams",
    "CustomerUpdateParams",
    "CustomerUser",
    "NotFoundError",
    "Page",
    "PaymentMethod",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestSpec",
    "ServerError",
    "SyncPager",
    "UsAccountData",
    "UserCreateParams",
    "ValidationError",
    "__version__",
]
