"""The document's schemas: the vendor's, refined with what the service really validates and sends.

Replies: every field the service always sends is required, with its format; new fields are
marked as extensions (``x-extension``) and the schemas stay open, since new reply fields
arrive without a version bump. Inputs: required fields, ``additionalProperties: false``, and
a pattern per field that accepts exactly what the validator accepts (strings are trimmed
before their length is checked, so a pattern, not ``maxLength``, states the bound).
"""

from __future__ import annotations

from pydantic import BaseModel

from altpay.core.text import MAX_EMAIL_LENGTH
from altpay.customers.schemas import CreateCustomerInput, CustomerReply, PatchCustomerRequest
from altpay.openapi import patterns
from altpay.openapi.objects import EXTENSION, Schema
from altpay.payment_methods.schemas import (
    BRAND_LENGTH,
    AddBankInput,
    AddCardInput,
    CaAccountData,
    ChangeDefaultResponse,
    GetPaymentMethodsReply,
    PaymentMethod,
    UsAccountData,
)
from altpay.users.schemas import CreateCustomerUserInput, CustomerUser
from altpay.webhooks.models import SECRET_LENGTH, STATUSES, URL_LENGTH
from altpay.webhooks.schemas import (
    SECRET_MIN_LENGTH,
    CreateWebhookInput,
    WebhookEvent,
    WebhookSubscription,
)
from altpay.webhooks.topics import NEVER_FIRED, TOPICS

_TEXT_255 = patterns.text(255, required=False)
_EMAIL = {
    "format": "email",
    "pattern": patterns.text(MAX_EMAIL_LENGTH, required=True),
    "description": "A valid e-mail address, at most 254 characters once trimmed.",
}
_CUSTOMER_FIELDS: dict[str, Schema] = {
    "name": {"pattern": patterns.text(255, required=True)},
    "email": _EMAIL,
    "legal_name": {"pattern": _TEXT_255},
    "ein": {
        "pattern": patterns.EIN,
        "description": "Employer Identification Number: 9 digits, with or without the "
        "hyphen; returned as XX-XXXXXXX.",
    },
    "external_id": {"pattern": _TEXT_255},
    "street_address": {"pattern": _TEXT_255},
    "sub_premise": {"pattern": _TEXT_255},
    "city": {"pattern": _TEXT_255},
    "state": {
        "pattern": _TEXT_255,
        "description": "For the US and Canada, a state or province code (e.g. CA, ON).",
    },
    "postal_code": {
        "pattern": _TEXT_255,
        "description": "For the US, 12345 or 12345-6789; for Canada, A1A 1A1.",
    },
    "country": {
        "pattern": patterns.COUNTRY,
        "description": "An ISO 3166-1 alpha-2 or alpha-3 code, in any case; returned upper-case.",
    },
}
_USER_FIELDS: dict[str, Schema] = {
    "email": {**_EMAIL, "description": "Unique among the customer's users, ignoring case."},
    "first_name": {"pattern": patterns.text(100, required=True)},
    "last_name": {"pattern": patterns.text(100, required=True)},
}
_CARD_FIELDS: dict[str, Schema] = {
    "provider": {"pattern": patterns.text(255, required=True), "examples": ["sandbox"]},
    "card_provider_token": {
        "pattern": patterns.text(255, required=True),
        "examples": ["tok_visa", "tok_mastercard_debit"],
        "description": "The provider's token for the card. Sandbox test tokens: tok_visa, "
        "tok_visa_debit, tok_mastercard, tok_mastercard_debit, tok_amex, tok_discover, "
        "tok_interac; tok_expired is card_expired. A card number is never accepted.",
    },
    "custom_name": {"pattern": _TEXT_255},
}


def _digits(low: int, high: int) -> Schema:
    size = f"{{{low}}}" if low == high else f"{{{low},{high}}}"
    return {"pattern": f"^[0-9]{size}$"}


_BANK_FIELDS: dict[str, Schema] = {
    "us_account_data": {"description": "Required when account_data_type is US; else absent."},
    "ca_account_data": {"description": "Required when account_data_type is CA; else absent."},
    "institution_name": {"pattern": patterns.text(BRAND_LENGTH, required=False)},
    "receiver_name": {"pattern": _TEXT_255},
    "custom_name": {"pattern": _TEXT_255},
}
_US_ACCOUNT_FIELDS: dict[str, Schema] = {
    "routing_number": {
        **_digits(9, 9),
        "description": "ABA routing number: 9 digits whose check digit is valid.",
    },
    "account_number": _digits(4, 17),
}
_CA_ACCOUNT_FIELDS: dict[str, Schema] = {
    "institution_code": _digits(3, 3),
    "transit_number": _digits(5, 5),
    "account_number": _digits(7, 12),
}
_WEBHOOK_FIELDS: dict[str, Schema] = {
    "endpoint_url": {
        "pattern": patterns.text(URL_LENGTH, required=True),
        "format": "uri",
        "description": "https, or http to a loopback address outside production. A host "
        "that resolves to a link-local address is refused; in production, one that resolves "
        "to any address that is not public.",
    },
    "topic": {
        "pattern": patterns.one_of(TOPICS),
        "enum": list(TOPICS),
        "description": "The topic. These are accepted and never fire (altpay has no such "
        f"objects): {', '.join(NEVER_FIRED)}.",
    },
    "secret_key": {
        "pattern": f"^{patterns.TEXT_CHAR}{{{SECRET_MIN_LENGTH},{SECRET_LENGTH}}}$",
        "description": "The key deliveries are signed with; altpay makes one (whsec_…) "
        "when it is absent and returns it once.",
    },
}
TRIMMED = (
    "Strings are trimmed; the bounds and patterns apply to the whole value as sent, "
    "surrounding white space included. Control characters are invalid."
)

# Component name -> the model that validates (inputs) or produces (replies) it.
INPUTS: dict[str, type[BaseModel]] = {
    "CreateCustomerInput": CreateCustomerInput,
    "PatchCustomerRequest": PatchCustomerRequest,
    "CreateCustomerUserInput": CreateCustomerUserInput,
    "AddCardPaymentMethodInput": AddCardInput,
    "AddBankPaymentMethodInput": AddBankInput,
    "USAccountData": UsAccountData,
    "CAAccountData": CaAccountData,
    "CreateWebhookSubscriptionInput": CreateWebhookInput,
}
_INPUT_FIELDS: dict[str, dict[str, Schema]] = {
    "CreateCustomerUserInput": _USER_FIELDS,
    "AddCardPaymentMethodInput": _CARD_FIELDS,
    "AddBankPaymentMethodInput": _BANK_FIELDS,
    "USAccountData": _US_ACCOUNT_FIELDS,
    "CAAccountData": _CA_ACCOUNT_FIELDS,
    "CreateWebhookSubscriptionInput": _WEBHOOK_FIELDS,
}
REPLIES: dict[str, type[BaseModel]] = {
    "CustomerReply": CustomerReply,
    "CustomerUser": CustomerUser,
    "PaymentMethod": PaymentMethod,
    "GetPaymentMethodsReply": GetPaymentMethodsReply,
    "ChangeDefaultResponse": ChangeDefaultResponse,
    "WebhookSubscription": WebhookSubscription,
    "WebhookEvent": WebhookEvent,
}
_REPLY_FIELDS: dict[str, dict[str, Schema]] = {
    "CustomerReply": {
        "id": {"pattern": patterns.prefixed_id("cus")},
        "email": {"format": "email"},
        "ein": {"pattern": r"^(?:[0-9]{2}-[0-9]{7})?$"},
        "country": {"pattern": r"^(?:[A-Z]{2,3})?$"},
        "created_at": {"format": "date-time"},
        "default_payment_method_id": {"pattern": patterns.prefixed_id("pm", optional=True)},
        "archived_at": {
            "type": "string",
            "anyOf": [{"const": ""}, {"format": "date-time"}],
            EXTENSION: True,
        },
    },
    "CustomerUser": {
        "id": {"pattern": patterns.prefixed_id("usr")},
        "email": {"format": "email"},
        "created_at": {"format": "date-time"},
        "job_title": {"const": ""},
        "phone": {"const": ""},
    },
    "PaymentMethod": {
        "id": {"pattern": patterns.prefixed_id("pm")},
        "last4": {"pattern": r"^[0-9]{4}$"},
        "exp_month": {"pattern": r"^(?:0[1-9]|1[0-2])?$"},
        "exp_year": {"pattern": r"^(?:[0-9]{4})?$"},
        "created_at": {"format": "date-time"},
        "custom_name": {"type": "string", EXTENSION: True},
        "funding": {"type": "string", "enum": ["credit", "debit", ""], EXTENSION: True},
        "country": {"type": "string", "enum": ["US", "CA", ""], EXTENSION: True},
    },
    "ChangeDefaultResponse": {"response": {"const": "default payment method changed"}},
    "WebhookEvent": {
        "id": {"pattern": patterns.prefixed_id("evt")},
        "subscription_id": {"pattern": patterns.prefixed_id("whk")},
        "topic": {"enum": list(TOPICS)},
        "status": {"enum": list(STATUSES)},
        "attempts": {"minimum": 0},
        "created_at": {"format": "date-time"},
    },
    "WebhookSubscription": {
        "id": {"pattern": patterns.prefixed_id("whk")},
        "partner_id": {"pattern": patterns.prefixed_id("acct")},
        "created_at": {"format": "date-time"},
        "updated_at": {"format": "date-time"},
        "secret_key": {
            "description": "The secret altpay made: in the creation's response only, and only "
            "when no secret_key was sent."
        },
    },
}


def describe(schema: Schema, model: type[BaseModel]) -> None:
    """Fills in the model's field descriptions where the vendor wrote none."""
    for name, field in model.model_fields.items():
        prop = schema["properties"].get(name)
        if prop is not None and field.description and "description" not in prop:
            prop["description"] = field.description


def _refine_input(schema: Schema, model: type[BaseModel], fields: dict[str, Schema]) -> None:
    nullable = model is PatchCustomerRequest
    for name, refinement in fields.items():
        if name not in schema["properties"]:
            continue
        prop = schema["properties"][name]
        prop.update(refinement)
        # In a patch, null clears a field; the name can be changed but not cleared.
        if nullable and name != "name":
            prop["type"] = ["string", "null"]
    schema["required"] = [name for name, field in model.model_fields.items() if field.is_required()]
    schema["additionalProperties"] = False
    vendor = schema.get("description")
    schema["description"] = f"{vendor}. {TRIMMED}" if vendor else TRIMMED
    describe(schema, model)


def _refine_reply(schema: Schema, model: type[BaseModel], fields: dict[str, Schema]) -> None:
    for name, refinement in fields.items():
        schema["properties"].setdefault(name, {}).update(refinement)
    schema["required"] = list(model.model_fields)
    describe(schema, model)


def _page(schema: Schema) -> None:
    schema["required"] = [
        "data",
        "start_cursor",
        "end_cursor",
        "has_next_page",
        "has_previous_page",
    ]
    schema["description"] = "A page, newest first."


def refine_schemas(schemas: dict[str, Schema]) -> None:
    """Refines the vendor's input, reply and page schemas in place."""
    for name, model in INPUTS.items():
        fields = _INPUT_FIELDS.get(name, _CUSTOMER_FIELDS)
        _refine_input(schemas[name], model, fields)
    for name, model in REPLIES.items():
        _refine_reply(schemas[name], model, _REPLY_FIELDS.get(name, {}))
    _page(schemas["PaginatedResponse-CustomerReply"])
    _page(schemas["PaginatedResponse-CustomerUser"])
    _page(schemas["PaginatedResponse-WebhookSubscription"])
    _page(schemas["PaginatedResponse-WebhookEvent"])
