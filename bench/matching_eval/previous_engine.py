"""A frozen copy of the matcher as it was before the Kiwi engine (n-grams + the 37-talent glossary), kept as the
benchmark's `previous_engine` baseline. Not used by the backend.

Talent ↔ need matching: ranks registered offers (talents, skills, availability, area) for a need, and says why.

No I/O: the store feeds offers in, the API asks for rankings. Five factors, each returned with its contribution
and a note saying why (in English; `note_code` and `note_params` let messages.factor_note say it in Korean):

- **talent**: the share of the need's talents (concepts of the glossary below) the offer has; the text similarity
  when the need names none the glossary knows.
- **text**: BM25 over character n-grams of the offer's and the need's text. Hangul runs give syllable bigrams
  (“요리를” → 요리, 리를), so Korean needs no tokenizer or dictionary; other scripts give trigrams of the padded word
  (“cooking” → ^co, coo, …, ng$), which also absorbs plurals and typos. A small bilingual glossary of talents adds a
  concept token (“요리”, “cooking”, “반찬” → @cooking) so a Korean need finds an English offer and back.
  Normalised by the need's own score against itself, so 1.0 means “says everything the need says”.
- **distance** between the centroids of the two areas: exp(-km / 3): 1 in the same area, 0.37 at 3 km.
- **schedule**: the share of the need's weekly slots (7 days × morning/afternoon/evening) the offer covers.
- **reliability**: (completed + 1) / (completed + no-shows + 2) of the volunteer's past matches: 0.5 when new.

An inverted index over the n-grams keeps a query at 10,000 offers to a few milliseconds: only offers sharing a
term with the need are scored, the text factor first, the other factors for the best text candidates.

The other direction (`MatchIndex.rank_needs`): the open needs that fit one offer, scored exactly as that offer
would be among the need's candidates (the same BM25 statistics of the offers, the same factors and notes), so a
volunteer and a requester see the same score for the same pair. The same relevance gate too: a need is listed only
if the offer would be one of its candidates (a share of its talents, or at least MIN_TEXT of its own text score),
so a need nearby at a good time but about something else is not listed at all.
"""

from __future__ import annotations

import heapq
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

# ----------------------------------------------------------------------------------------------- schedule slots

KST = timezone(timedelta(hours=9))  # Korea keeps no daylight saving time
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
PERIODS = ("morning", "afternoon", "evening")  # 06–12, 12–18, 18–24 local time
ALL_SLOTS = (1 << (len(DAYS) * len(PERIODS))) - 1


def slot_bit(day: int, period: int) -> int:
    return 1 << (day * len(PERIODS) + period)


def parse_slots(names: Iterable[str]) -> int:
    """A weekly availability from slot names like "mon-morning", "sat-evening", "sun" (the whole day) or
    "weekend"/"weekdays"; a ValueError names the first one not understood."""
    mask = 0
    for raw in names:
        name = raw.strip().lower()
        if name in ("any", "anytime"):
            mask |= ALL_SLOTS
            continue
        if name in ("weekend", "weekends"):
            mask |= sum(slot_bit(d, p) for d in (5, 6) for p in range(3))
            continue
        if name == "weekdays":
            mask |= sum(slot_bit(d, p) for d in range(5) for p in range(3))
            continue
        day, _, period = name.partition("-")
        if day not in DAYS or (period and period not in PERIODS):
            raise ValueError(f"{raw!r} is not a slot: use e.g. mon-morning, sat-evening, sun, weekend, weekdays")
        periods = [PERIODS.index(period)] if period else range(3)
        mask |= sum(slot_bit(DAYS.index(day), p) for p in periods)
    return mask


def slot_names(mask: int) -> list[str]:
    return [f"{d}-{p}" for di, d in enumerate(DAYS) for pi, p in enumerate(PERIODS) if mask & slot_bit(di, pi)]


def slots_between(start: datetime, end: datetime) -> int:
    """The weekly slots a dated interval touches, in Korean time (night hours 00–06 count as the evening before)."""
    if end <= start:
        return 0
    mask, t = 0, start.astimezone(KST)
    stop = end.astimezone(KST)
    while t < stop and mask != ALL_SLOTS:
        shifted = t - timedelta(hours=6)  # 00–06 belongs to the evening of the day before
        period = 0 if t.hour >= 6 and t.hour < 12 else 1 if 12 <= t.hour < 18 else 2
        mask |= slot_bit(shifted.weekday() if t.hour < 6 else t.weekday(), period)
        t = (t + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    return mask


# ----------------------------------------------------------------------------------------------- text features

# Talents in Korean and English. Terms are matched as substrings of the normalised text, so Korean particles
# (요리를, 요리도) and English inflections (cooks, cooking) are covered; single syllables and words with other common
# meanings (기타: guitar / “other”) are left out on purpose.
GLOSSARY: dict[str, tuple[str, ...]] = {
    "cooking": ("요리", "조리", "반찬", "도시락", "급식", "cook", "meal", "lunch box", "kitchen"),
    "cleaning": ("청소", "정리정돈", "방역", "clean", "tidy", "disinfect"),
    "digital": ("컴퓨터", "스마트폰", "키오스크", "인터넷", "디지털", "computer", "smartphone", "kiosk", "internet",
                "digital", "laptop"),
    "coding": ("코딩", "프로그래밍", "웹사이트", "홈페이지", "coding", "programming", "website"),
    "math": ("수학", "산수", "math", "arithmetic"),
    "english": ("영어", "english"),
    "tutoring": ("공부", "과외", "학습", "숙제", "멘토링", "tutor", "homework", "study", "mentor", "lesson"),
    "korean_language": ("한국어", "한글", "korean language", "hangul"),
    "elderly": ("어르신", "노인", "말벗", "독거", "elderly", "senior", "older people", "companionship"),
    "childcare": ("아이 돌봄", "아동", "육아", "보육", "어린이", "child", "kids", "babysit", "toddler"),
    "haircut": ("이발", "미용", "커트", "haircut", "hairdress", "barber"),
    "repair": ("집수리", "수리", "고치", "도배", "전기 배선", "수도", "repair", "fix", "plumb", "wallpaper", "handyman"),
    "farming": ("농사", "농촌", "농장", "수확", "과수원", "모내기", "일손", "farm", "harvest", "orchard", "crop"),
    "delivery": ("배달", "운반", "나르", "delivery", "deliver", "carry"),
    "driving": ("운전", "차량", "이동 지원", "병원 동행", "driving", "drive", "transport", "ride to"),
    "music": ("음악", "악기", "피아노", "노래", "합창", "music", "piano", "guitar", "singing", "choir"),
    "art": ("미술", "그림", "벽화", "art class", "painting", "drawing", "mural"),
    "sewing": ("바느질", "수선", "뜨개", "재봉", "sewing", "mending", "knitting", "tailor"),
    "translation": ("통역", "번역", "translat", "interpret"),
    "counseling": ("상담", "심리", "고민", "counsel", "psycholog", "listening"),
    "health": ("의료", "간호", "건강", "혈압", "medical", "nurse", "nursing", "health", "blood pressure"),
    "exercise": ("운동", "체조", "요가", "스트레칭", "exercise", "yoga", "stretching", "fitness"),
    "gardening": ("텃밭", "원예", "화단", "정원", "garden", "plants", "flower bed"),
    "environment": ("환경", "쓰레기", "분리수거", "줍깅", "플로깅", "litter", "recycling", "plogging", "environment"),
    "photography": ("사진", "촬영", "photo", "camera"),
    "design": ("디자인", "홍보물", "포스터", "전단", "design", "poster", "flyer", "leaflet"),
    "accounting": ("회계", "장부", "세무", "정산", "accounting", "bookkeeping", "tax return"),
    "marketing": ("마케팅", "판매", "온라인 쇼핑몰", "홍보", "marketing", "sales", "online shop", "promotion"),
    "reading": ("독서", "책 읽", "낭독", "동화", "reading", "read aloud", "books", "storytelling"),
    "disability": ("장애인", "활동 보조", "활동보조", "휠체어", "disabilit", "disabled", "wheelchair"),
    "moving": ("이사", "짐 정리", "짐 나르", "moving house", "move house", "boxes"),
    "laundry": ("빨래", "세탁", "이불", "laundry", "washing clothes", "bedding"),
    "snow": ("제설", "눈 치우", "snow"),
    "pets": ("반려동물", "강아지", "고양이", "pet", "dog walk", "cat sitting"),
    "events": ("행사", "축제", "안내 봉사", "event", "festival", "ushering"),
    "legal": ("법률", "계약서", "임대차", "legal", "lawyer", "contract", "tenancy"),
    "food_bank": ("푸드뱅크", "식품 나눔", "나눔 냉장고", "food bank", "food sharing", "food parcel"),
}

# The talents' names in Korean, for the Korean explanations (messages.factor_note).
TALENTS_KO: dict[str, str] = {
    "cooking": "요리", "cleaning": "청소", "digital": "디지털 기기 사용", "coding": "코딩", "math": "수학",
    "english": "영어", "tutoring": "학습 지도", "korean_language": "한국어 교육", "elderly": "어르신 돌봄",
    "childcare": "아이 돌봄", "haircut": "이발·미용", "repair": "집수리", "farming": "농사 일손",
    "delivery": "배달·운반", "driving": "운전·이동 지원", "music": "음악", "art": "미술", "sewing": "바느질·수선",
    "translation": "통역·번역", "counseling": "상담", "health": "건강·의료", "exercise": "운동", "gardening": "원예·텃밭",
    "environment": "환경 정화", "photography": "사진", "design": "디자인", "accounting": "회계", "marketing": "마케팅·판매",
    "reading": "책 읽기", "disability": "장애인 활동 지원", "moving": "이사 돕기", "laundry": "빨래", "snow": "제설",
    "pets": "반려동물 돌봄", "events": "행사 지원", "legal": "법률 도움", "food_bank": "푸드뱅크",
}

_HANGUL = re.compile(r"[\uac00-\ud7a3]+")
_WORD = re.compile(r"[\uac00-\ud7a3]+|[^\W_\uac00-\ud7a3]+")
_SPACE = re.compile(r"\s+")
_GLOSSARY_TERMS = sorted(((term.lower(), concept) for concept, terms in GLOSSARY.items() for term in terms),
                         key=lambda tc: -len(tc[0]))
_GLOSSARY_RE = re.compile("|".join(re.escape(term) for term, _ in _GLOSSARY_TERMS))
_CONCEPT_OF = {term: concept for term, concept in _GLOSSARY_TERMS}
CONCEPT_TF = 3  # a concept counts like a term said three times: it stands for the whole word, in both languages


def normalise(text: str) -> str:
    """NFKC (full-width letters, compatibility jamo), lower case, single spaces."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text).lower()).strip()


def words(text: str) -> list[str]:
    return _WORD.findall(normalise(text))


def word_grams(word: str) -> list[str]:
    if _HANGUL.fullmatch(word):
        return [word] if len(word) == 1 else [word[i:i + 2] for i in range(len(word) - 1)]
    if len(word) <= 2:
        return [word]
    padded = f"^{word}$"
    return [padded[i:i + 3] for i in range(len(padded) - 2)]


def concepts(text: str) -> set[str]:
    """The glossary's talents the text mentions."""
    return {_CONCEPT_OF[m.group(0)] for m in _GLOSSARY_RE.finditer(normalise(text))}


def features(text: str) -> Counter[str]:
    """Term frequencies: character n-grams of every word, and "@concept" for each talent of the glossary."""
    tf: Counter[str] = Counter()
    norm = normalise(text)
    for word in _WORD.findall(norm):
        tf.update(word_grams(word))
    for m in _GLOSSARY_RE.finditer(norm):
        tf["@" + _CONCEPT_OF[m.group(0)]] = CONCEPT_TF
    return tf


# ----------------------------------------------------------------------------------------------- offers, queries


@dataclass(frozen=True)
class OfferDoc:
    """What the matcher knows of an offer. `owner` is whoever must not be matched with their own need."""

    offer_id: int
    text: str
    area: str | None
    slots: int  # weekly availability (0: not given)
    reliability: float = 0.5
    owner: str | None = None


@dataclass(frozen=True)
class NeedQuery:
    text: str
    area: str | None
    slots: int  # weekly slots the need falls in (0: any time)
    owner: str | None = None  # the requester: their own offers are left out


@dataclass(frozen=True)
class NeedDoc:
    """A need to rank for an offer: its query and its terms (need_doc makes them, outside any lock)."""

    need_id: int
    query: NeedQuery
    tf: Counter[str]


def need_doc(need_id: int, query: NeedQuery) -> NeedDoc:
    return NeedDoc(need_id, query, features(query.text))


@dataclass(frozen=True)
class Weights:
    talent: float = 0.35
    text: float = 0.15
    distance: float = 0.25
    schedule: float = 0.2
    reliability: float = 0.05


# The factors' notes: code → English template. Params named in LIST_PARAMS are lists, joined with ", ".
NOTES_EN: dict[str, str] = {
    "talents_none_known": "no talent of the glossary recognised in the need: text similarity stands in",
    "talents_shared": "{shared_n} of the need's {wanted_n} talents: {shared}",
    "talents_missing": "none of the need's talents ({wanted})",
    "text": "how much the talent's description and the need's words have in common",
    "distance_unknown": "area unknown: counted as halfway",
    "distance_km": "{km:.1f} km between {need_area} and {offer_area}",
    "schedule_any": "the need has no fixed time",
    "schedule_unknown": "the offer gives no availability: counted as halfway",
    "schedule_slots": "{covered_n} of {wanted_n} slots: {slots}",
    "reliability": "how well earlier matches were kept: completed against no-shows",
}
LIST_PARAMS = frozenset({"shared", "wanted", "slots"})


@dataclass(frozen=True)
class Note:
    """A factor's note as a code of NOTES_EN and its params; str() is the English sentence."""

    code: str
    params: tuple[tuple[str, object], ...] = ()

    def __str__(self) -> str:
        return NOTES_EN[self.code].format(**{k: ", ".join(v) if k in LIST_PARAMS else v for k, v in self.params})


def note(code: str, **params) -> Note:
    return Note(code, tuple((k, tuple(v) if k in LIST_PARAMS else v) for k, v in params.items()))


@dataclass(frozen=True)
class Factor:
    value: float  # 0..1
    weight: float
    contribution: float  # value × weight; the score is the sum of the contributions
    note: str = ""  # in English
    note_code: str = ""  # a key of NOTES_EN ("" when the note was given as text)
    note_params: tuple[tuple[str, object], ...] = ()


def factor(value: float, weight: float, why: Note | str) -> Factor:
    if isinstance(why, Note):
        return Factor(value, weight, weight * value, str(why), why.code, why.params)
    return Factor(value, weight, weight * value, why)


@dataclass(frozen=True)
class Ranked:
    offer_id: int
    score: float
    factors: dict[str, Factor]
    matched_terms: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RankedNeed:
    """A need ranked for an offer: the same score, factors and shared terms the offer has among its candidates."""

    need_id: int
    score: float
    factors: dict[str, Factor]
    matched_terms: list[str] = field(default_factory=list)


DISTANCE_SCALE_KM = 3.0
K1, B = 1.2, 0.75
TEXT_POOL = 300  # the best text candidates that get the other factors computed
MIN_TEXT = 0.05  # below this share of the need's own text score an offer is not a candidate
MAX_DF_SHARE = 0.1  # n-grams in more offers than this share are too common to rank by


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


class Scorer:
    """The non-text factors, shared by the index and the brute-force baseline."""

    def __init__(self, areas: Mapping[str, tuple[float, float]], weights: Weights = Weights()):
        self.areas, self.weights = areas, weights
        self._km: dict[tuple[str, str], float] = {}

    def distance_km(self, a: str | None, b: str | None) -> float | None:
        if a is None or b is None:
            return None
        if a == b:
            return 0.0
        key = (a, b) if a < b else (b, a)
        km = self._km.get(key)
        if km is None:
            pa, pb = self.areas.get(a), self.areas.get(b)
            if pa is None or pb is None:
                return None
            km = self._km[key] = haversine_km(pa, pb)
        return km

    def total(self, talent: float, text: float, need: NeedQuery, doc: OfferDoc) -> float:
        w = self.weights
        km = self.distance_km(need.area, doc.area)
        dist = 0.5 if km is None else math.exp(-km / DISTANCE_SCALE_KM)
        return (w.talent * talent + w.text * text + w.distance * dist
                + w.schedule * self._schedule(need.slots, doc.slots) + w.reliability * doc.reliability)

    @staticmethod
    def _schedule(need: int, offer: int) -> float:
        if not need:
            return 1.0
        if not offer:
            return 0.5
        return (need & offer).bit_count() / need.bit_count()

    def explain(self, talent: float, talent_note: Note | str, text: float, need: NeedQuery, doc: OfferDoc
                ) -> dict[str, Factor]:
        w = self.weights
        km = self.distance_km(need.area, doc.area)
        if km is None:
            dist, dnote = 0.5, note("distance_unknown")
        else:
            dist, dnote = math.exp(-km / DISTANCE_SCALE_KM), note("distance_km", km=km, need_area=need.area,
                                                                  offer_area=doc.area)
        sched = self._schedule(need.slots, doc.slots)
        if not need.slots:
            snote = note("schedule_any")
        elif not doc.slots:
            snote = note("schedule_unknown")
        else:
            snote = note("schedule_slots", covered_n=(need.slots & doc.slots).bit_count(),
                         wanted_n=need.slots.bit_count(), slots=slot_names(need.slots & doc.slots)[:6])
        return {
            "talent": factor(talent, w.talent, talent_note),
            "text": factor(text, w.text, note("text")),
            "distance": factor(dist, w.distance, dnote),
            "schedule": factor(sched, w.schedule, snote),
            "reliability": factor(doc.reliability, w.reliability, note("reliability")),
        }


def reliability(completed: int, no_shows: int) -> float:
    return (completed + 1) / (completed + no_shows + 2)


class MatchIndex:
    """Offers indexed for ranking against needs; updated in place as offers are added, changed and withdrawn."""

    def __init__(self, areas: Mapping[str, tuple[float, float]], weights: Weights = Weights()):
        self.scorer = Scorer(areas, weights)
        self._docs: list[OfferDoc | None] = []  # internal doc number → offer (None: withdrawn)
        self._tf: list[Counter[str] | None] = []
        self._length: list[int] = []
        self._by_offer: dict[int, int] = {}
        self._postings: dict[str, list[tuple[int, int]]] = {}
        self._df: Counter[str] = Counter()
        self._total_length = 0
        self._dead = 0
        self._cache: dict[str, list[tuple[int, float]]] = {}  # term → [(doc, BM25 tf part)], cleared on change

    def __len__(self) -> int:
        return len(self._by_offer)

    def __contains__(self, offer_id: int) -> bool:
        return offer_id in self._by_offer

    def upsert(self, doc: OfferDoc) -> None:
        self.remove(doc.offer_id)
        tf = features(doc.text)
        n = len(self._docs)
        self._docs.append(doc)
        self._tf.append(tf)
        length = sum(tf.values())
        self._length.append(length)
        self._total_length += length
        self._by_offer[doc.offer_id] = n
        for term, count in tf.items():
            self._postings.setdefault(term, []).append((n, count))
            self._df[term] += 1
        self._cache.clear()

    def remove(self, offer_id: int) -> None:
        n = self._by_offer.pop(offer_id, None)
        if n is None:
            return
        for term in self._tf[n]:
            self._df[term] -= 1
        self._total_length -= self._length[n]
        self._docs[n], self._tf[n] = None, None
        self._dead += 1
        self._cache.clear()
        if self._dead > 1000 and self._dead > len(self._by_offer):
            self._compact()

    def _compact(self) -> None:
        alive = [d for d in self._docs if d is not None]
        fresh = MatchIndex(self.scorer.areas, self.scorer.weights)
        for d in alive:
            fresh.upsert(d)
        self.__dict__.update(fresh.__dict__)

    def _idf(self, term: str) -> float:
        n, df = len(self._by_offer), self._df.get(term, 0)
        return math.log(1 + (n - df + 0.5) / (df + 0.5)) if df else 0.0

    def _weighted(self, term: str) -> list[tuple[int, float]]:
        cached = self._cache.get(term)
        if cached is None:
            avg = self._total_length / max(len(self._by_offer), 1)
            length, docs = self._length, self._docs
            cached = [(d, tf * (K1 + 1) / (tf + K1 * (1 - B + B * length[d] / avg)))
                      for d, tf in self._postings.get(term, ()) if docs[d] is not None]
            self._cache[term] = cached
        return cached

    def text_scores(self, query: Counter[str]) -> tuple[dict[int, float], float]:
        """BM25 score of each doc sharing a term with the query, and the query's score against itself. Terms in more
        than MAX_DF_SHARE of the offers (endings like 니다, ing) say little and cost the most; they are skipped
        unless the query has nothing else."""
        acc: dict[int, float] = {}
        best = 0.0
        get = acc.get
        terms = ranking_terms(query, self._df, len(self._by_offer))
        for term in terms:
            qtf = query[term]
            idf = self._idf(term)
            if idf <= 0:
                continue
            weight = idf * min(qtf, CONCEPT_TF)
            best += weight * (K1 + 1) * qtf / (qtf + K1)
            for d, part in self._weighted(term):
                acc[d] = get(d, 0.0) + weight * part
        return acc, best

    def rank(self, need: NeedQuery, k: int = 10) -> list[Ranked]:
        """The best `k` offers for the need, best first, each with its factors."""
        query = features(need.text)
        acc, best = self.text_scores(query)
        if not acc or best <= 0:
            return []
        floor = MIN_TEXT * best
        candidates = {d: s for s, d in heapq.nlargest(TEXT_POOL, ((s, d) for d, s in acc.items() if s >= floor))}
        wanted = talents_of(query)
        for term in wanted:  # everyone with one of the need's talents is a candidate, however they put it
            for d, _ in self._weighted(term):
                candidates.setdefault(d, acc.get(d, 0.0))
        docs, tfs, scorer, scored = self._docs, self._tf, self.scorer, []
        for d, s in candidates.items():
            doc = docs[d]
            if need.owner is not None and doc.owner == need.owner:
                continue
            text = min(s / best, 1.0)
            talent = talent_share(wanted, tfs[d], text)
            scored.append((scorer.total(talent, text, need, doc), d, talent, text))
        top = heapq.nlargest(k, scored)
        return [self._ranked(need, query, wanted, docs[d], score, talent, text) for score, d, talent, text in top]

    def explain(self, need: NeedQuery, offer_id: int) -> Ranked | None:
        """The factors of one offer for the need, wherever it ranks (None: the offer is not indexed)."""
        d = self._by_offer.get(offer_id)
        if d is None:
            return None
        query = features(need.text)
        s, best = self.pair_text(query, d)
        wanted = talents_of(query)
        text = min(s / best, 1.0) if best > 0 else 0.0
        talent = talent_share(wanted, self._tf[d], text)
        doc = self._docs[d]
        return self._ranked(need, query, wanted, doc, self.scorer.total(talent, text, need, doc), talent, text)

    def pair_text(self, query: Counter[str], d: int) -> tuple[float, float]:
        """What text_scores gives doc `d` and the query's score against itself, computed for `d` alone."""
        n = len(self._by_offer)
        avg = self._total_length / max(n, 1)
        tf, length = self._tf[d], self._length[d]
        score = best = 0.0
        for term in ranking_terms(query, self._df, n):
            qtf = query[term]
            idf = self._idf(term)
            if idf <= 0:
                continue
            weight = idf * min(qtf, CONCEPT_TF)
            best += weight * (K1 + 1) * qtf / (qtf + K1)
            count = tf.get(term)
            if count:
                score += weight * count * (K1 + 1) / (count + K1 * (1 - B + B * length / avg))
        return score, best

    def rank_needs(self, offer_id: int, needs: Iterable[NeedDoc], k: int = 10) -> list[RankedNeed]:
        """The best `k` of `needs` for the offer, best first, each scored and explained as the offer would be among
        the need's candidates. A need the offer would not be a candidate of (none of its talents, under MIN_TEXT of
        its text) is left out, as are the offer's owner's own needs. Empty when the offer is not indexed."""
        d = self._by_offer.get(offer_id)
        if d is None:
            return []
        doc, tf, scorer = self._docs[d], self._tf[d], self.scorer
        scored = []
        for i, nd in enumerate(needs):
            need = nd.query
            if need.owner is not None and need.owner == doc.owner:
                continue
            s, best = self.pair_text(nd.tf, d)
            if best <= 0:
                continue
            wanted = talents_of(nd.tf)
            shares_talent = any(t in tf for t in wanted)
            if s < MIN_TEXT * best and not shares_talent:
                continue  # not relevant: distance and time alone do not make a need fit
            text = min(s / best, 1.0)
            talent = talent_share(wanted, tf, text)
            scored.append((scorer.total(talent, text, need, doc), -i, nd, wanted, talent, text))
        out = []
        for score, _, nd, wanted, talent, text in heapq.nlargest(k, scored, key=lambda x: (x[0], x[1])):
            r = self._ranked(nd.query, nd.tf, wanted, doc, score, talent, text)
            out.append(RankedNeed(nd.need_id, r.score, r.factors, r.matched_terms))
        return out

    def _ranked(self, need: NeedQuery, query: Counter[str], wanted: frozenset[str], doc: OfferDoc, score: float,
                talent: float, text: float) -> Ranked:
        tf = self._tf[self._by_offer[doc.offer_id]]
        shared = sorted(t[1:] for t in wanted if t in tf)
        if not wanted:
            why = note("talents_none_known")
        elif shared:
            why = note("talents_shared", shared_n=len(shared), wanted_n=len(wanted), shared=shared)
        else:
            why = note("talents_missing", wanted=sorted(t[1:] for t in wanted))
        terms = shared + sorted(w for w in set(words(need.text)) & set(words(doc.text)) if len(w) > 1)[:8]
        return Ranked(doc.offer_id, round(score, 6), self.scorer.explain(talent, why, text, need, doc), terms)


def ranking_terms(query: Counter[str], df: Mapping[str, int], n: int) -> list[str]:
    """The query's terms that rank: talents always; n-grams unless in more than MAX_DF_SHARE of the offers (or
    all of them, when nothing else is left)."""
    common = max(MAX_DF_SHARE * n, 50)  # a small index prunes nothing
    terms = [t for t in query if t.startswith("@") or df.get(t, 0) <= common]
    return terms if any(not t.startswith("@") for t in terms) else list(query)


def talents_of(tf: Counter[str]) -> frozenset[str]:
    return frozenset(t for t in tf if t.startswith("@"))


def talent_share(wanted: frozenset[str], offer_tf: Counter[str], text: float) -> float:
    """The share of the need's talents the offer has; the text similarity when the need names none we know."""
    if not wanted:
        return text
    return sum(1 for t in wanted if t in offer_tf) / len(wanted)


class BruteForceRanker:
    """The baseline: the same BM25 and factors, computed for every offer on every query, without an index."""

    def __init__(self, docs: list[OfferDoc], scorer: Scorer):
        self.docs, self.scorer = docs, scorer
        self.tfs = [features(d.text) for d in docs]
        self.lengths = [sum(tf.values()) for tf in self.tfs]
        self.df: Counter[str] = Counter()
        for tf in self.tfs:
            self.df.update(tf.keys())
        self.avg = sum(self.lengths) / max(len(docs), 1)

    def rank(self, need: NeedQuery, k: int = 10) -> list[tuple[float, int]]:
        """(score, offer id) of the best k."""
        n, df = len(self.docs), self.df
        query = features(need.text)
        idf = {t: math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5)) for t in ranking_terms(query, df, n) if df[t]}
        best = sum(idf[t] * min(q, CONCEPT_TF) * (K1 + 1) * q / (q + K1) for t, q in query.items() if t in idf)
        if best <= 0:
            return []
        out, wanted = [], talents_of(query)
        for doc, tf, length in zip(self.docs, self.tfs, self.lengths, strict=True):
            if need.owner is not None and doc.owner == need.owner:
                continue
            s = sum(idf[t] * min(q, CONCEPT_TF) * tf[t] * (K1 + 1) / (tf[t] + K1 * (1 - B + B * length / self.avg))
                    for t, q in query.items() if t in idf and t in tf)
            text = min(s / best, 1.0)
            talent = talent_share(wanted, tf, text)
            if s >= MIN_TEXT * best or talent > 0:
                out.append((self.scorer.total(talent, text, need, doc), doc.offer_id))
        return heapq.nlargest(k, out)
