"""The matcher's trained model on disk: one .npz file per database, written by whoever trained (an API process or
`python -m backend.matching_train`) and read at start-up, so a process that starts on the same offers and outcomes
does not train again.

The file holds arrays of strings and numbers only and is read with pickling off: a file changed by hand can at worst
give a wrong model, never run code. It is keyed by what it was trained on (the offers' version counter and the
decided matches' fingerprint); a file that does not match, or cannot be read, is ignored and the model retrained.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from backend.domain.matching import FACTORS, Meaning, TrainReport, Weights

log = logging.getLogger("backend")
FORMAT = 2  # 2: the meaning space keeps its labels' sentence centroids


@dataclass(frozen=True)
class StoredModel:
    mark: tuple[int, ...]  # (offers version, decided matches, newest decided match id) it was trained on
    meaning: Meaning | None
    weights: Weights
    report: TrainReport


def model_file(model_dir: Path, database_url: str) -> Path:
    """The file of one database's model (several databases may share a directory: tests, staging)."""
    key = hashlib.sha256(database_url.encode()).hexdigest()[:16]
    return Path(model_dir) / f"matching-{key}.npz"


def save(path: Path, mark: tuple[int, ...], meaning: Meaning | None, weights: Weights, report: TrainReport) -> None:
    """Writes the model atomically (a reader sees the old file or the new one, never half of one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {"format": FORMAT, "mark": list(mark), "weights": [getattr(weights, f) for f in FACTORS],
            "report": report.__dict__}
    arrays = {"meta": np.array(json.dumps(meta, ensure_ascii=False))}
    if meaning is not None:
        arrays.update({f"meaning_{k}": v for k, v in meaning.to_arrays().items()})
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load(path: Path) -> StoredModel | None:
    """The stored model, or None when there is none or it cannot be read (then the caller trains)."""
    try:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            if meta.get("format") != FORMAT:
                return None
            prefix = "meaning_"
            arrays = {k[len(prefix):]: z[k] for k in z.files if k.startswith(prefix)}
            meaning = Meaning.from_arrays(arrays) if arrays else None
            return StoredModel(tuple(int(x) for x in meta["mark"]), meaning,
                               Weights(*(float(x) for x in meta["weights"])), TrainReport(**meta["report"]))
    except FileNotFoundError:
        return None
    except (OSError, EOFError, ValueError, KeyError, TypeError, zipfile.BadZipFile) as exc:
        log.warning("matching model %s not read (%s): training instead", path, exc)
        return None
