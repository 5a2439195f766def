"""The links from a response to the operations its values feed (OpenAPI's ``links``)."""

from __future__ import annotations

from altpay.openapi.objects import Schema

# Operation -> the links of its success response.
LINKS: dict[str, dict[str, Schema]] = {
    "createCustomer": {
        name: {"operationId": operation, "parameters": {"id": "$response.body#/id"}}
        for name, operation in (
            ("GetCustomer", "getCustomer"),
            ("UpdateCustomer", "updateCustomer"),
            ("ArchiveCustomer", "archiveCustomer"),
            ("ListCustomerUsers", "listCustomerUsers"),
            ("CreateCustomerUser", "createCustomerUser"),
            ("ListPaymentMethods", "listPaymentMethods"),
            ("AddCardPaymentMethod", "addCardPaymentMethod"),
            ("AddBankPaymentMethod", "addBankPaymentMethod"),
        )
    },
    **{
        added: {
            name: {
                "operationId": operation,
                "parameters": {"id": "$request.path.id", "method_id": "$response.body#/id"},
            }
            for name, operation in (
                ("GetPaymentMethod", "getPaymentMethod"),
                ("ChangeDefaultPaymentMethod", "changeDefaultPaymentMethod"),
                ("DeletePaymentMethod", "deletePaymentMethod"),
            )
        }
        for added in ("addCardPaymentMethod", "addBankPaymentMethod")
    },
    "archiveCustomer": {
        "RestoreCustomer": {
            "operationId": "restoreCustomer",
            "parameters": {"id": "$request.path.id"},
        },
        "GetCustomer": {"operationId": "getCustomer", "parameters": {"id": "$request.path.id"}},
    },
    "listCustomers": {
        "NextPage": {
            "operationId": "listCustomers",
            "parameters": {"after": "$response.body#/end_cursor"},
        },
        "ListPaymentMethods": {
            "operationId": "listPaymentMethods",
            "parameters": {"id": "$response.body#/data/0/id"},
        },
    },
    "listPaymentMethods": {
        "GetPaymentMethod": {
            "operationId": "getPaymentMethod",
            "parameters": {"id": "$request.path.id", "method_id": "$response.body#/data/0/id"},
        },
    },
    "listCustomerUsers": {
        "NextPage": {
            "operationId": "listCustomerUsers",
            "parameters": {"id": "$request.path.id", "after": "$response.body#/end_cursor"},
        },
    },
}
