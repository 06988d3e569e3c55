"""The ranges numbers from outside must fall in, written once: the API's types (api/schemas: Id, AfterId, OfferId,
Coins) refuse anything else with 422 before a service, the database or the chain's encoder sees it.

No imports from other backend modules."""

from __future__ import annotations

# The ids of our rows: Integer columns, 32-bit signed in PostgreSQL (SQLite's hold more; the bound is the same on
# both, so an id either names a row or is refused the same way everywhere).
ROW_ID_MAX = 2**31 - 1
# BigInteger columns, 64-bit signed: offer ids (numbered on-chain, uint256 counted from 1), signed sheets' nonces.
BIGINT_MAX = 2**63 - 1
# A voucher is its offer's id and a 32-bit serial (Redemption's voucherId: offerId << 32 | serial), kept as text.
VOUCHER_ID_MAX = BIGINT_MAX << 32 | 0xFFFFFFFF
# Coin amounts are uint256 on-chain: an amount is below this.
UINT256_LIMIT = 2**256
