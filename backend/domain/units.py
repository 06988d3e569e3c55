"""The coin's unit, written once: 18 decimals, like ether."""

COIN = 10**18  # base units in one coin


def coins_text(base_units: int) -> str:
    """An amount as people read it in a message: whole coins and up to 18 decimals, no trailing zeros ("1.5")."""
    whole, frac = divmod(abs(int(base_units)), COIN)
    text = f"{whole}.{frac:018d}".rstrip("0").rstrip(".") if frac else str(whole)
    return f"-{text}" if base_units < 0 else text
