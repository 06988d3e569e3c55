"""Request and response bodies. Strict types: 1.5 units or "60" as a string are refused, not coerced."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from annotated_types import Ge, Le
from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr
from pydantic_core import PydanticCustomError

from backend.domain.bounds import BIGINT_MAX, ROW_ID_MAX, UINT256_LIMIT, VOUCHER_ID_MAX

UINT32_MAX = 2**32 - 1
Text = Field(default=None, max_length=2000)

# Every id the API reads, in a path, a query or a body: a number the database's column can hold, else 422 (a larger
# one names no row; given to the database it would fail the request with a 500). `Id` for paths and queries (read
# from text), `StrictId` for bodies (a JSON number, never "5"); `AfterId` pages from after an id, 0 from the start.
Id = Annotated[int, Ge(1), Le(ROW_ID_MAX)]
StrictId = Annotated[StrictInt, Ge(1), Le(ROW_ID_MAX)]
AfterId = Annotated[int, Ge(0), Le(ROW_ID_MAX)]
# Offers are numbered on-chain and kept in 64-bit columns.
OfferId = Annotated[int, Ge(1), Le(BIGINT_MAX)]
StrictOfferId = Annotated[StrictInt, Ge(1), Le(BIGINT_MAX)]
VoucherId = Annotated[int, Ge(1), Le(VOUCHER_ID_MAX)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginIn(Strict):
    username: StrictStr = Field(min_length=1, max_length=64)
    password: StrictStr = Field(min_length=1, max_length=200)


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    # Who signed in, so a page can show the right screens (the token itself stays opaque to it).
    role: str | None = None
    centre_id: int | None = None
    username: str | None = None
    # The session's refresh token (POST /auth/refresh, /auth/logout) and the seconds it has left: it is not extended
    # by refreshing, so a working day ends with a new sign-in.
    refresh_token: str | None = None
    refresh_expires_in: int | None = None
    # The password was set by someone else (a reset): every route but POST /auth/password answers 403
    # password_change_required until the account's owner sets their own.
    password_change_required: bool = False


class PasswordChangeIn(Strict):
    current_password: StrictStr = Field(min_length=1, max_length=200)
    new_password: StrictStr = Field(min_length=10, max_length=200)


class RefreshIn(Strict):
    refresh_token: StrictStr = Field(min_length=1, max_length=1000)


class StaffIn(Strict):
    username: StrictStr = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")
    password: StrictStr = Field(min_length=10, max_length=200)
    role: Literal["admin", "coordinator", "welfare_officer", "provider"]
    centre_id: StrictId | None = None
    address: StrictStr | None = None


class StaffPatch(Strict):
    active: StrictBool | None = Field(default=None, description="false disables the account: its tokens and API keys stop working")
    password: StrictStr | None = Field(default=None, min_length=10, max_length=200,
                                       description="a temporary password: its owner must set their own before anything else")
    role: Literal["admin", "coordinator", "welfare_officer", "provider"] | None = None
    centre_id: StrictId | None = None


class StaffOut(BaseModel):
    id: int
    username: str
    role: str
    centre_id: int | None
    address: str | None
    active: bool
    password_change_required: bool = False


class ApiKeyIn(Strict):
    label: StrictStr = Field(min_length=1, max_length=100)
    scope: Literal["read", "write"] = Field(default="write",
                                            description="read: GET requests only; write: whatever the account may do")
    days: StrictInt | None = Field(default=None, ge=1, le=100_000,
                                   description="how long it works (at most VB_API_KEY_MAX_DAYS, the default)")


class ApiKeyOut(BaseModel):
    """An API key as listed: never its secret (`key` only in the answer that creates it)."""

    id: int
    prefix: str
    label: str
    scope: str
    user_id: int
    username: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None
    key: str | None = None  # shown once, at creation


class ResidentIn(Strict):
    address: StrictStr | None = Field(default=None, description="the wallet address; may be linked later (PATCH)")
    name: StrictStr | None = Field(default=None, max_length=200)
    phone: StrictStr | None = Field(default=None, max_length=40)
    email: StrictStr | None = Field(default=None, max_length=200)
    consent_terms_version: StrictStr | None = Field(default=None, min_length=1, max_length=40,
                                                    pattern=r"^[A-Za-z0-9._-]+$",
                                                    description="the version of the terms the resident agreed to (required)")
    consent_at: AwareDatetime | None = Field(default=None, description="when they agreed (default: now)")
    centre_id: StrictId | None = Field(default=None,
                                       description="the registering centre (a coordinator's own by default)")


class ResidentPatch(Strict):
    address: StrictStr | None = Field(default=None, description="link or change the wallet address")
    name: StrictStr | None = Field(default=None, max_length=200)
    phone: StrictStr | None = Field(default=None, max_length=40)
    email: StrictStr | None = Field(default=None, max_length=200)
    reason: StrictStr | None = Field(default=None, max_length=2000)


class ResidentOut(BaseModel):
    id: int
    member_number: str | None = None
    address: str | None
    name: str | None
    phone: str | None
    email: str | None
    centre_id: int | None = None
    consent_terms_version: str | None = None
    consent_at: datetime | None = None
    registered_by: str | None = None
    created_at: datetime | None = None


class ResidentChangeOut(BaseModel):
    actor: str
    field: str
    before: str | None
    after: str | None
    reason: str | None
    at: datetime


class ActivityIn(Strict):
    centre_id: StrictId
    volunteer: StrictStr = Field(description="the resident's wallet address")
    category: StrictInt = Field(ge=1, le=2**16 - 1)
    units: StrictInt = Field(gt=0, le=UINT32_MAX)
    occurred_at: AwareDatetime
    place: StrictStr | None = Field(default=None, max_length=300)
    description: StrictStr | None = Text
    source: Literal["coordinator", "self_report"] = "coordinator"
    approve: StrictBool = Field(default=False, description="record and approve in one step (a coordinator's own verified record)")


class ActivityItem(Strict):
    """One line of a sheet (POST /activities/batch)."""

    centre_id: StrictId
    volunteer: StrictStr
    category: StrictInt = Field(ge=1, le=2**16 - 1)
    units: StrictInt = Field(gt=0, le=UINT32_MAX)
    occurred_at: AwareDatetime
    place: StrictStr | None = Field(default=None, max_length=300)
    description: StrictStr | None = Text


class ActivityBatchIn(Strict):
    activities: list[ActivityItem] = Field(min_length=1, max_length=500)
    approve: StrictBool = Field(default=False, description="approve them all in the same step")


class ActivityPatch(Strict):
    category: StrictInt | None = Field(default=None, ge=1, le=2**16 - 1)
    units: StrictInt | None = Field(default=None, gt=0, le=UINT32_MAX)
    occurred_at: AwareDatetime | None = None
    place: StrictStr | None = Field(default=None, max_length=300)
    description: StrictStr | None = Text
    reason: StrictStr = Field(min_length=1, max_length=2000)


class ReasonIn(Strict):
    reason: StrictStr = Field(min_length=1, max_length=2000)


class ActivityOut(BaseModel):
    id: int
    centre_id: int
    volunteer: str
    category: int
    units: int
    occurred_at: datetime
    place: str | None
    description: str | None
    status: str
    source: str
    recorded_by: str
    reviewed_by: str | None
    review_reason: str | None
    reward: str | None
    chain_id: str | None
    tx_hash: str | None
    block_number: int | None
    failure: str | None


class AuditOut(BaseModel):
    actor: str
    action: str
    before: dict | None
    after: dict | None
    reason: str | None
    at: datetime


class EventOut(BaseModel):
    block_number: int
    tx_hash: str
    log_index: int
    contract: str
    event: str
    args: dict


class BalanceOut(BaseModel):
    address: str
    balance: str
    indexed_block: int | None


# ---------------------------------------------------------------------------------------------- residents, providers,
# the city. Coin amounts are strings of base units (18 decimals): they do not fit a JSON number.

AMOUNT_PATTERN = r"^[0-9]{1,78}$"


def _uint256(text: str) -> str:
    if int(text) >= UINT256_LIMIT:
        raise PydanticCustomError("less_than", "Input should be less than {lt}", {"lt": "2^256"})
    return text


# Coins in base units as a decimal string (they do not fit a JSON number), below 2^256 (the chain's uint256).
Coins = Annotated[StrictStr, Field(pattern=AMOUNT_PATTERN), AfterValidator(_uint256)]
Amount = Field(description="coins in base units (1 coin = 10^18), as a decimal string")
OptionalAmount = Field(default=None, description="coins in base units, as a decimal string")
# 65 bytes from a key; a smart-contract wallet's (EIP-1271: a Safe's is 65 bytes per owner) may be longer.
SIGNATURE_PATTERN = r"^0x(?:[0-9a-fA-F]{2}){65,1024}$"
Hex65 = Field(pattern=SIGNATURE_PATTERN, description="a signature, 0x-prefixed hex: 65 bytes from a key, or a "
                                                      "smart-contract wallet's own (EIP-1271), up to 1024 bytes")


class SiweNonceOut(BaseModel):
    nonce: str
    expires_at: datetime
    domain: str
    uri: str
    chain_id: int
    # The server's clock now: a page writes it as the message's Issued At, so a phone whose clock is off still signs
    # a message the server accepts.
    issued_at: datetime | None = None


# A wallet not deployed yet wraps its own signature with the call that creates it (EIP-6492): a passkey account's
# runs to a few kilobytes.
SIWE_SIGNATURE_PATTERN = r"^0x(?:[0-9a-fA-F]{2}){65,8192}$"


class SiweVerifyIn(Strict):
    message: StrictStr = Field(min_length=1, max_length=4000)
    signature: StrictStr = Field(pattern=SIWE_SIGNATURE_PATTERN,
                                 description="0x-prefixed hex: 65 bytes from a key, a smart-contract wallet's own "
                                             "(EIP-1271), or one not deployed yet (EIP-6492), up to 8192 bytes")


class ResidentTokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    address: str


class PrepareIn(Strict):
    """What a resident wants to sign; the answer is the EIP-712 typed data (eth_signTypedData_v4)."""

    kind: Literal["redeem", "donate", "pay"]
    offer_id: StrictOfferId | None = None
    max_price: Coins | None = OptionalAmount
    charity: StrictStr | None = None
    payee: StrictStr | None = None
    amount: Coins | None = OptionalAmount
    request_ref: StrictStr | None = Field(default=None, pattern=r"^0x[0-9a-fA-F]{64}$")
    memo: StrictStr | None = Field(default=None, max_length=500,
                                   description="hashed with a random 16-byte salt into request_ref if none is given; "
                                               "the answer then carries request_ref and request_ref_salt")
    valid_for_s: StrictInt = Field(default=3600, ge=60, le=7 * 86400)


class RedeemIn(Strict):
    offer_id: StrictOfferId
    max_price: Coins = Amount
    nonce: StrictInt = Field(ge=0)
    deadline: StrictInt = Field(ge=0, le=2**40)
    signature: StrictStr = Hex65


class DonateIn(Strict):
    charity: StrictStr
    amount: Coins = Amount
    nonce: StrictInt = Field(ge=0)
    deadline: StrictInt = Field(ge=0, le=2**40)
    signature: StrictStr = Hex65


class PayIn(Strict):
    payee: StrictStr
    amount: Coins = Amount
    request_ref: StrictStr = Field(pattern=r"^0x[0-9a-fA-F]{64}$")
    nonce: StrictInt = Field(ge=0)
    deadline: StrictInt = Field(ge=0, le=2**40)
    signature: StrictStr = Hex65


class OperationOut(BaseModel):
    id: int
    kind: str
    state: str
    requested_by: str
    subject: str | None
    params: dict
    tx_hash: str | None
    block_number: int | None
    result: dict | None
    error: str | None
    created_at: datetime


class OfferIn(Strict):
    title: StrictStr = Field(min_length=1, max_length=200)
    description: StrictStr | None = Field(default=None, max_length=2000)
    price: Coins = Amount
    capacity: StrictInt = Field(ge=1, le=UINT32_MAX)


class OfferPatch(Strict):
    title: StrictStr | None = Field(default=None, min_length=1, max_length=200)
    description: StrictStr | None = Field(default=None, max_length=2000)
    price: Coins | None = OptionalAmount
    capacity: StrictInt | None = Field(default=None, ge=1, le=UINT32_MAX)
    active: StrictBool | None = None


class OfferOut(BaseModel):
    offer_id: int
    provider: str
    provider_name: str | None
    title: str | None
    description: str | None
    price: str
    capacity: int
    sold: int
    remaining: int
    active: bool
