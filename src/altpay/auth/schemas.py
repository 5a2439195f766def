"""What the token endpoint and the credentials commands return."""

from __future__ import annotations

from pydantic import BaseModel, Field


class TokenReply(BaseModel):
    access_token: str = Field(description="A signed JWT (RFC 9068) for the Authorization header.")
    token_type: str = Field(default="Bearer", description="Always Bearer.")
    expires_in: int = Field(description="Seconds until the token expires.")
    scope: str = Field(description="The space-separated scopes granted.")


class AccountOut(BaseModel):
    id: str
    name: str


class NewClientOut(BaseModel):
    client_id: str
    client_secret: str
    account_id: str
    scopes: list[str]


class ClientOut(BaseModel):
    client_id: str
    name: str
    account_id: str
    scopes: list[str]
    created_at: str
    disabled: bool
