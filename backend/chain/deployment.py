"""The deployment manifest (`deployments/<chainId>.json`) and the exported ABIs (`backend/chain/abi/`).

scripts/deploy.py writes both; the backend reads only these to find and talk to the contracts. Loading checks
each exported ABI against the hash the manifest recorded, so a backend never talks to a contract with an ABI
from another build.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
ABI_DIR = Path(__file__).resolve().parent / "abi"
DEFAULT_MANIFEST_DIR = ROOT / "deployments"
MANIFEST_SCHEMA = 1
CONTRACT_NAMES = ("ServiceCoin", "ActivityRegistry", "Redemption")


class ManifestError(RuntimeError):
    """The manifest is missing, malformed, or does not match the exported ABIs."""


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def abi_sha256(abi: list[dict]) -> str:
    """Hash of an ABI independent of key order and whitespace."""
    return hashlib.sha256(canonical_json(abi)).hexdigest()


def manifest_dir() -> Path:
    return Path(os.environ.get("VB_DEPLOYMENTS_DIR") or DEFAULT_MANIFEST_DIR)


def manifest_path(chain_id: int, directory: str | Path | None = None) -> Path:
    return Path(directory or manifest_dir()) / f"{int(chain_id)}.json"


def write_json_atomic(path: Path, value: Any) -> None:
    """Writes `value` so that a reader sees the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(value, f, indent=2, ensure_ascii=False)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def export_abi(name: str, abi: list[dict], directory: Path = ABI_DIR) -> Path:
    path = directory / f"{name}.json"
    if not path.exists() or json.loads(path.read_text()) != abi:
        write_json_atomic(path, abi)
    return path


def read_manifest(path: str | Path) -> dict | None:
    """The manifest as a dict, or None if there is none; ManifestError if it cannot be read."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise ManifestError(f"{path}: cannot read the manifest: {exc}") from None
    if not isinstance(data, dict) or data.get("schema") != MANIFEST_SCHEMA:
        raise ManifestError(f"{path}: not a deployment manifest of schema {MANIFEST_SCHEMA}")
    return data


@dataclass(frozen=True)
class DeployedContract:
    name: str
    address: str
    block: int
    abi: list[dict]


@dataclass(frozen=True)
class Deployment:
    """What the backend needs to find the contracts: chain id, addresses, ABIs, where to start indexing."""

    chain_id: int
    deployment_block: int
    deployment_block_hash: str
    contracts: dict[str, DeployedContract]
    manifest: dict

    @property
    def coin(self) -> DeployedContract:
        return self.contracts["ServiceCoin"]

    @property
    def registry(self) -> DeployedContract:
        return self.contracts["ActivityRegistry"]

    @property
    def redemption(self) -> DeployedContract:
        return self.contracts["Redemption"]


def load_deployment(path: str | Path, abi_dir: Path = ABI_DIR) -> Deployment:
    """Reads a complete manifest and its ABIs, checking each ABI against the manifest's hash."""
    path = Path(path)
    data = read_manifest(path)
    if data is None:
        raise ManifestError(f"no deployment manifest at {path}; deploy first (tools/deploy)")
    if data.get("status") != "complete":
        raise ManifestError(f"{path}: the deployment is not complete (status {data.get('status')!r}); re-run tools/deploy")
    contracts = {}
    for name in CONTRACT_NAMES:
        entry = data["contracts"][name]
        abi_file = abi_dir / f"{name}.json"
        try:
            abi = json.loads(abi_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ManifestError(f"cannot read the ABI of {name} at {abi_file}: {exc}") from None
        if abi_sha256(abi) != entry["abiSha256"]:
            raise ManifestError(
                f"the ABI of {name} at {abi_file} is not the one deployed on chain {data['chainId']} "
                f"(sha256 {abi_sha256(abi)[:12]}…, manifest {entry['abiSha256'][:12]}…); redeploy or restore the ABI"
            )
        contracts[name] = DeployedContract(name, entry["address"], int(entry["block"]), abi)
    return Deployment(
        chain_id=int(data["chainId"]),
        deployment_block=int(data["deploymentBlock"]),
        deployment_block_hash=data["deploymentBlockHash"],
        contracts=contracts,
        manifest=data,
    )
