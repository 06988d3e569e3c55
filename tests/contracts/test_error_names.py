"""docs/contracts.md#errors: every error of ours carries its contract's name, is declared once, and the compiled
ABIs hold no unprefixed error that is not OpenZeppelin's own."""

import re
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ERROR = re.compile(r"^\s*error\s+(\w+)\s*\(", re.MULTILINE)
# Same names and meaning as OpenZeppelin's Pausable (not imported): tools that know those recognise them.
PAUSABLE_NAMES = {"EnforcedPause", "ExpectedPause"}
# The contract (and interface) each source file's errors belong to.
PREFIX = {
    "interfaces/IServiceCoin.sol": "ServiceCoin",
    "interfaces/IActivityRegistry.sol": "ActivityRegistry",
    "interfaces/IRedemption.sol": "Redemption",
}


def declared(path: Path) -> list[str]:
    return ERROR.findall(path.read_text(encoding="utf-8"))


def our_sources() -> list[Path]:
    return sorted([*(ROOT / "interfaces").glob("*.sol"), *(ROOT / "contracts").rglob("*.sol")])


def openzeppelin_errors() -> set[str]:
    base = ROOT / "node_modules" / "@openzeppelin" / "contracts"
    return {name for path in base.rglob("*.sol") for name in declared(path)}


def test_every_error_of_ours_is_declared_in_its_interface_with_the_contracts_name():
    for path in our_sources():
        rel = path.relative_to(ROOT).as_posix()
        names = declared(path)
        if rel not in PREFIX:
            assert names == [], f"{rel} declares errors outside the interfaces: {names}"
            continue
        unprefixed = [n for n in names if not n.startswith(PREFIX[rel]) and not (
            rel == "interfaces/IServiceCoin.sol" and n in PAUSABLE_NAMES)]
        assert unprefixed == [], f"{rel}: errors without the prefix {PREFIX[rel]}: {unprefixed}"


def test_no_error_is_declared_twice():
    counts = Counter(name for path in our_sources() for name in declared(path))
    assert [name for name, n in counts.items() if n > 1] == []
    clashes = {name for name in counts if name not in PAUSABLE_NAMES} & openzeppelin_errors()
    assert clashes == set(), f"declared by OpenZeppelin too: {clashes}"


def test_the_compiled_abis_have_only_prefixed_or_openzeppelin_errors(ServiceCoin, ActivityRegistry, Redemption):
    oz = openzeppelin_errors()
    for container, prefix in ((ServiceCoin, "ServiceCoin"), (ActivityRegistry, "ActivityRegistry"),
                              (Redemption, "Redemption")):
        errors = [item["name"] for item in container.abi if item["type"] == "error"]
        assert any(n.startswith(prefix) for n in errors)
        stray = [n for n in errors if not n.startswith(prefix) and n not in oz]
        assert stray == [], f"{prefix}: {stray}"
