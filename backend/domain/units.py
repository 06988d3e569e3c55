"""The coin's unit, written once: 18 decimals, like ether."""

COIN = 10**18  # base units in one coin
