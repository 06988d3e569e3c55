"""Words of a text for matching: Korean by morphological analysis (Kiwi), English by a light stemmer, mixed text
both ways (Kiwi marks Latin runs SL, and those are stemmed).

Kept: nouns (NNG, NNP), roots (XR), numbers written as words aside, verb and adjective stems (VV, VA: 고치 of
고쳐 주세요, 새 of 새는데) and Latin words, stemmed (cleaning → clean, batteries → battery). Particles, endings,
auxiliaries (주, 드리) and English stop words are dropped. Kiwi's model ships as the `kiwipiepy-model` package:
nothing is downloaded at run time. The analyser is loaded once per process (about 2 s) and results are cached.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache

KEEP_TAGS = ("NNG", "NNP", "XR", "VV", "VA", "SL")
STOP_KO = frozenset({"하", "있", "되", "없", "같", "보", "주", "드리", "오", "가", "이", "분", "것", "수", "때", "좀",
                     "저", "나", "우리", "씨", "님", "네", "안녕", "요"})
STOP_EN = frozenset("a an and are as at be but by can do for from have i if in into is it its just me my of on or "
                    "our so than that the their them then there they this to up us was we what when will with you your "
                    "am been any".split())
_SPACE = re.compile(r"\s+")
_kiwi = None
_kiwi_lock = threading.Lock()
_morpheme_ids: dict[str, int] = {}  # a Korean word's morpheme in Kiwi's model (the first tag seen for its form)


def normalise(text: str) -> str:
    """NFKC (full-width letters, compatibility jamo), lower case, single spaces."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text).lower()).strip()


def kiwi():
    global _kiwi
    with _kiwi_lock:
        if _kiwi is None:
            from kiwipiepy import Kiwi

            # One worker thread: texts come one at a time from the process's threads (a pool parallelises only
            # batches), and a pool of one loads in half the CPU (about 2 s instead of 4 with its first reading).
            _kiwi = Kiwi(num_workers=1)
        return _kiwi


def warm() -> None:
    """Loads Kiwi's model and has it read once (seconds of CPU together, the first reading more than the load): done
    at a process's start, so the first resident's search does not pay for it."""
    kiwi().tokenize("이웃을 돕습니다")


def stem_en(word: str) -> str:
    """A light English stemmer: plurals, -ing, -ed, -er(s), -ly (cleaning, cleaned, cleaner → clean)."""
    w = word.lower().strip("'")
    if w.endswith("'s"):
        w = w[:-2]
    if len(w) <= 3:
        return w
    for suffix, repl, minimum in (("ies", "y", 5), ("sses", "ss", 5), ("ings", "", 6), ("ing", "", 5), ("ied", "y", 5),
                                  ("ed", "", 5), ("ers", "", 6), ("er", "", 5), ("ly", "", 5), ("s", "", 4)):
        if w.endswith(suffix) and len(w) >= minimum and not (suffix == "s" and w.endswith(("ss", "us", "is"))):
            w = w[: -len(suffix)] + repl
            if suffix in ("ing", "ed", "ings") and len(w) > 3 and w[-1] == w[-2] and w[-1] not in "lsz":
                w = w[:-1]  # shopping → shop, planned → plan
            break
    return w


@lru_cache(maxsize=100_000)
def analyse(text: str) -> tuple[str, ...]:
    """The words of a text that carry its meaning, in order (repeats kept)."""
    norm = normalise(text)
    if not norm:
        return ()
    out = []
    k = kiwi()
    for token in k.tokenize(norm):
        tag = token.tag.split("-")[0]  # VV-I, VV-R: irregular conjugations
        if tag not in KEEP_TAGS:
            continue
        form = token.form
        if tag == "SL":
            if form in STOP_EN or len(form) < 2:
                continue
            out.append(stem_en(form))
        elif form not in STOP_KO:
            out.append(form)
            _morpheme_ids.setdefault(form, token.id)
    return tuple(out)


def morpheme_id(word: str) -> int | None:
    """Kiwi's id of a Korean word met in an analysed text (None: an English word, or one not met yet)."""
    return _morpheme_ids.get(word)


def similarities(word_id: int, others: list[int]) -> list[float]:
    """Cosine similarities of a morpheme to others in the embedding of Kiwi's CoNg language model (shipped with
    the model package: no download). About 1.5 µs a pair."""
    similarity = kiwi().morpheme_similarity
    return [similarity(word_id, o) for o in others]
