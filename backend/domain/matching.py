"""Talent ↔ need matching: ranks registered offers (talents, tags, availability, area) for a need, and says why.

No I/O: the store feeds offers (and the platform's past matches, to learn from) in, the API asks for rankings.
Five factors, each returned with its contribution and a note saying why (in English; `note_code` and
`note_params` let messages.factor_note say it in Korean):

- **talent**: how close the need and the offer are in meaning, in a space *learned from the platform's own texts*
  (`Meaning`): each word of an offer is associated (positive PMI) with the offer's tags, and each word of a past
  need with the tags of the offer that completed it, so “싱크대 물이 안 내려가요” lands near offers tagged 수도설비
  however they are written. The bilingual glossary below is only a seed: its concepts are labels like the tags,
  and with no data to learn from (a new platform) the talent is the share of the need's glossary talents the
  offer has, as before.
- **text**: BM25 over the words of a morphological analysis (backend/domain/analysis.py: Kiwi's nouns and verb
  stems, stemmed English), normalised by the need's own score.
- **distance** between the centroids of the two areas: exp(-km / 3): 1 in the same area, 0.37 at 3 km.
- **schedule**: the share of the need's weekly slots (7 days × morning/afternoon/evening) the offer covers.
- **reliability**: (completed + 1) / (completed + no-shows + 2) of the volunteer's past matches: 0.5 when new.

**Relevance first.** The relevance of a pair is the weighted mean of talent and text. Below GATE it is not
relevant: distance, schedule and reliability then contribute nothing (their note says so), so an off-topic
volunteer next door at the right time can never score above a relevant one (its score is below
(talent + text weights) × GATE, a relevant one's above it).

**Learning from outcomes** (`MatchIndex.train`): matches completed or scheduled are positive, declined or no-show
negative; a logistic regression over the five factor values fits weights (non-negative, summing to 1), blended
with the fixed `Weights()` at LEARNED_SHARE; the fixed ones alone with fewer than MIN_OUTCOMES outcomes of both
kinds. Training also relearns the meaning space from the offers and the positive matches; `restore` puts back a
stored model without relearning.

Korean words the platform's texts never used are bridged to known ones through the embedding of Kiwi's CoNg
language model (shipped with the model package), so an unseen phrasing is not matched by distance alone. And a
need's whole sentence counts: a small multilingual encoder (backend/domain/sentences.py) places it among the
centroids of the labels' own texts, and the labels it stands out as closest to lift its vector (`Meaning.vector`),
so “엄마 파마가 다 풀렸어요”, sharing no word with any offer, still reaches the hairdressers.

An inverted index over the words and the learned vectors (one matrix product over all offers) keep a query at
10,000 offers to milliseconds (plus ~20 ms the first time a need's sentence is embedded): the candidates are the
best by text, the best by meaning and those sharing a glossary talent; the factors are computed for them only.

The other direction (`MatchIndex.rank_needs`): the open needs that fit one offer, scored exactly as that offer
would be among the need's candidates, so a volunteer and a requester see the same score for the same pair; a need
the offer is not relevant to (below the gate, and sharing no glossary talent or word) is not listed at all.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import numpy as np

from backend.domain.analysis import analyse, morpheme_id, normalise, similarities
from backend.domain.sentences import DIM, PASSAGE, QUERY, encoder

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


_SLOT_NAMES = [(slot_bit(di, pi), f"{d}-{p}") for di, d in enumerate(DAYS) for pi, p in enumerate(PERIODS)]


def slot_names(mask: int) -> list[str]:
    return [name for bit, name in _SLOT_NAMES if mask & bit]


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

# The seed: talents in Korean and English, matched as substrings of the normalised text (요리를, cooking). It is
# one set of labels among the platform's tags, never the only bridge between two phrasings once there is data.
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

_GLOSSARY_TERMS = sorted(((term.lower(), concept) for concept, terms in GLOSSARY.items() for term in terms),
                         key=lambda tc: -len(tc[0]))
_GLOSSARY_RE = re.compile("|".join(re.escape(term) for term, _ in _GLOSSARY_TERMS))
_CONCEPT_OF = {term: concept for term, concept in _GLOSSARY_TERMS}
CONCEPT_TF = 3  # a concept counts like a word said three times: it stands for the whole word, in both languages


def words(text: str) -> list[str]:
    """The words that carry the meaning of a text (Kiwi's nouns and stems, stemmed English)."""
    return list(analyse(text))


def concepts(text: str) -> set[str]:
    """The glossary's talents the text mentions."""
    return {_CONCEPT_OF[m.group(0)] for m in _GLOSSARY_RE.finditer(normalise(text))}


def features(text: str) -> Counter[str]:
    """Term frequencies: the analysed words, and "@concept" for each talent of the seed glossary."""
    tf: Counter[str] = Counter(analyse(text))
    for concept in concepts(text):
        tf["@" + concept] = CONCEPT_TF
    return tf


def tag_label(tag: str) -> str:
    return "#" + normalise(tag).replace(" ", "")


def label_name(label: str) -> str:
    """A label as a person reads it: a tag without its #, a glossary talent by its key."""
    return label[1:]


class Meaning:
    """A meaning space learned from labelled texts: word → association with each label (positive PMI, shrunk for
    rare pairs). A text's vector is the sum of its words' rows (each weighted by idf × its strongest association;
    an unknown Korean word by its bridge) plus OWN_LABEL of its own labels, unit length.

    Labelled texts are the platform's offers (their words, their tags and seed concepts) and its past needs that
    ended well (the need's words, the labels of the offer that did it)."""

    MIN_WORD_DF = 2
    MAX_LABELS = 400
    SHRINK = 2.0
    OWN_LABEL = 0.25  # weight of a text's own tags and seed concepts beside its words (tags are often missing or wrong)
    FOCUS = 1.0  # a word counts by its idf × its strongest association: words said about everything count little

    def __init__(self, labels: list[str], rows: dict[str, np.ndarray], idf: dict[str, float], texts: int,
                 matches: int, centroids: np.ndarray | None = None, centre: np.ndarray | None = None):
        self.labels, self.rows, self.idf = labels, rows, idf
        self.column = {label: i for i, label in enumerate(labels)}
        self.texts, self.matches = texts, matches
        # each label's texts in the sentence encoder's space (their mean, each taken from its kind's mean), unit
        # length (a row of zeros: no text), and the centre a need's sentence vector is taken from; None without the
        # encoder (sentence_centroids)
        self.centroids, self.centre = centroids, centre
        self.sentence_weight = SENTENCE_WEIGHT
        # the commonest known Korean words are the bridge's targets (bounded: a lookup costs ~1.5 µs per target)
        self._vocab = sorted((w for w in rows if morpheme_id(w) is not None), key=lambda w: (idf[w], w))[:BRIDGE_VOCAB]
        self._vocab_ids = [morpheme_id(w) for w in self._vocab]
        self._vocab_rows = np.vstack([rows[w] for w in self._vocab]) if self._vocab else None
        self._bridge_idf = max(idf.values(), default=0.0)
        self._bridged: dict[str, np.ndarray | None] = {}

    def bridge(self, word: str) -> np.ndarray | None:
        """A row for a Korean word the platform's texts never used: the rows of the known words nearest to it in
        Kiwi's language-model embedding, weighted by how much nearer than BRIDGE_MIN they are."""
        if word in self._bridged:
            return self._bridged[word]
        row = None
        wid = morpheme_id(word)
        if wid is not None and self._vocab_rows is not None:
            sims = np.asarray(similarities(wid, self._vocab_ids), dtype=np.float32) - BRIDGE_MIN
            top = np.argsort(-sims)[:BRIDGE_TOP]
            top = top[sims[top] > 0]
            if len(top):
                v = sims[top] @ self._vocab_rows[top]
                norm = float(np.linalg.norm(v))
                row = v / norm if norm > 0 else None
        if len(self._bridged) < 100_000:
            self._bridged[word] = row
        return row

    @classmethod
    def learn(cls, labelled: Iterable[tuple[Iterable[str], Iterable[str]]], matches: int = 0,
              sentences: Iterable[tuple[str, str, Iterable[str]]] = (), compute: bool = True) -> Meaning | None:
        """`labelled`: (words, labels) of each text; `sentences`: (kind, text, labels) of the same texts, whose
        sentence vectors (a bounded sample per label) make each label's centroid (`compute` False: only the vectors
        already computed)."""
        docs = [(set(w), set(lab)) for w, lab in labelled]
        docs = [(w, lab) for w, lab in docs if w and lab]
        if len(docs) < MIN_LABELLED:
            return None
        label_df: Counter[str] = Counter(lab for _, labs in docs for lab in labs)
        labels = [lab for lab, n in label_df.most_common(cls.MAX_LABELS) if n >= 2]
        column = {lab: i for i, lab in enumerate(labels)}
        word_df: Counter[str] = Counter(w for ws, _ in docs for w in ws)
        pair: dict[str, Counter[int]] = {}
        for ws, labs in docs:
            cols = [column[lab] for lab in labs if lab in column]
            if not cols:
                continue
            for w in ws:
                if word_df[w] >= cls.MIN_WORD_DF:
                    pair.setdefault(w, Counter()).update(cols)
        n = len(docs)
        col_df = np.array([label_df[lab] for lab in labels], dtype=np.float64)
        rows, idf = {}, {}
        for w, counts in pair.items():
            row = np.zeros(len(labels), dtype=np.float32)
            for c, k in counts.items():
                pmi = math.log(k * n / (word_df[w] * col_df[c]))
                if pmi > 0:
                    row[c] = pmi * k / (k + cls.SHRINK)
            norm = float(np.linalg.norm(row))
            if norm > 0:
                rows[w] = row / norm
                idf[w] = math.log(1 + n / word_df[w])
        return cls(labels, rows, idf, n, matches, *sentence_centroids(labels, sentences, compute))

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The learned space as plain arrays (strings and numbers only: stored without pickling)."""
        words = list(self.rows)
        return {"labels": np.array(self.labels, dtype=str), "words": np.array(words, dtype=str),
                "rows": np.vstack([self.rows[w] for w in words]).astype(np.float32) if words
                else np.zeros((0, len(self.labels)), dtype=np.float32),
                "idf": np.array([self.idf[w] for w in words], dtype=np.float64),
                "counts": np.array([self.texts, self.matches], dtype=np.int64),
                **({"centroids": self.centroids, "centre": self.centre} if self.centroids is not None else {})}

    @classmethod
    def from_arrays(cls, a: Mapping[str, np.ndarray]) -> Meaning:
        words = [str(w) for w in a["words"]]
        rows = {w: a["rows"][i].astype(np.float32) for i, w in enumerate(words)}
        idf = {w: float(a["idf"][i]) for i, w in enumerate(words)}
        texts, matches = (int(x) for x in a["counts"])
        labels = [str(lab) for lab in a["labels"]]
        centroids = centre = None
        if "centroids" in a and a["centroids"].shape == (len(labels), DIM) and a["centre"].shape == (DIM,):
            centroids, centre = a["centroids"].astype(np.float32), a["centre"].astype(np.float32)
        return cls(labels, rows, idf, texts, matches, centroids, centre)

    def vector(self, tf: Mapping[str, int], own_labels: Iterable[str] = (),
               sentence: np.ndarray | None = None) -> np.ndarray:
        """The text's unit vector over the labels: its words' rows and its own labels; with its `sentence` vector
        (a need's), lifted towards the labels whose texts it stands out as closest to."""
        v = np.zeros(len(self.labels), dtype=np.float32)
        bridged = 0
        for w in tf:
            row = self.rows.get(w)
            if row is not None:
                v += self.idf[w] * (float(row.max()) ** self.FOCUS if self.FOCUS else 1.0) * row
            elif BRIDGE_WEIGHT > 0 and not w.startswith("@") and bridged < BRIDGE_MAX_WORDS:
                bridged += 1  # bounded: a text of many made-up words costs no more than a few lookups
                row = self.bridge(w)
                if row is not None:
                    v += BRIDGE_WEIGHT * self._bridge_idf * row
        weight = max(float(np.linalg.norm(v)), 1.0) * self.OWN_LABEL
        for lab in own_labels:
            c = self.column.get(lab)
            if c is not None:
                v[c] += weight
        norm = float(np.linalg.norm(v))
        v = v / norm if norm > 0 else v
        if sentence is not None and self.centroids is not None and len(self.labels) > 1:
            # closeness to each label's centroid, in standard deviations above the mean over all labels: only the
            # labels that stand out by more than SENTENCE_Z lift the vector (the rest of the scale says little)
            s = self.centroids @ (sentence - self.centre)
            lift = np.maximum((s - s.mean()) / (float(s.std()) + 1e-9) - SENTENCE_Z, 0.0)
            size = float(np.linalg.norm(lift))
            if size > 0:
                v = v + (self.sentence_weight / size) * lift.astype(np.float32)
                v = v / float(np.linalg.norm(v))
        return v

    def shared(self, a: np.ndarray, b: np.ndarray, n: int = 3) -> list[str]:
        """The labels that make two vectors close, strongest first."""
        prod = a * b
        best = np.argsort(-prod)[:n]
        return [label_name(self.labels[i]) for i in best if prod[i] > 0.01]


def sentence_texts(sentences: Iterable[tuple[str, str, Iterable[str]]]) -> dict[str, list[tuple[str, str]]]:
    """The texts whose sentence vectors make each label's centroid: up to CENTROID_TEXTS distinct ones per label, half
    of them needs of good matches (a situation, as a need puts it) when there are enough, the first ones given."""
    needs: dict[str, list[tuple[str, str]]] = {}
    offers: dict[str, list[tuple[str, str]]] = {}
    for kind, text, labels in sentences:
        for lab in labels:
            picked = (needs if kind == QUERY else offers).setdefault(lab, [])
            if len(picked) < CENTROID_TEXTS and (kind, text) not in picked:
                picked.append((kind, text))
    out = {}
    for lab in needs.keys() | offers.keys():
        n, o = needs.get(lab, []), offers.get(lab, [])
        take_needs = max(CENTROID_TEXTS // 2, CENTROID_TEXTS - len(o))
        out[lab] = n[:take_needs] + o[:CENTROID_TEXTS - min(len(n), take_needs)]
    return out


def sentence_centroids(labels: list[str], sentences: Iterable[tuple[str, str, Iterable[str]]], compute: bool = True
                       ) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Each label's centroid in the sentence encoder's space, and the centre a need's vector is taken from (None,
    None without the encoder or texts). Each text is taken from the mean of its kind first: needs share their
    register (“도와주세요”, “…에 삽니다”) and offers theirs, which says nothing of the talent; a need is then taken
    from the needs' mean (the offers' on a platform with no good match yet). `compute` False: from the vectors
    already computed only (a caller holding a lock others wait on)."""
    enc = encoder()
    if enc is None or not labels:
        return None, None
    chosen = sentence_texts(sentences)
    distinct = list(dict.fromkeys(t for lab in labels for t in chosen.get(lab, ())))
    if not distinct:
        return None, None
    rows, centres = {}, {}
    for kind in (QUERY, PASSAGE):
        texts = [t for k, t in distinct if k == kind]
        if not compute:
            known = enc.cached(texts, kind)
            texts = [t for t in texts if t in known]
        if texts:
            vectors = np.vstack([known[t] for t in texts]) if not compute else enc.embed(texts, kind)
            centres[kind] = vectors.mean(axis=0)
            rows.update(zip(((kind, t) for t in texts), vectors - centres[kind]))
    if not rows:
        return None, None
    chosen = {lab: [t for t in texts if t in rows] for lab, texts in chosen.items()}
    centroids = np.zeros((len(labels), DIM), dtype=np.float32)
    for c, lab in enumerate(labels):
        texts = chosen.get(lab)
        if texts:
            mean = np.mean(np.vstack([rows[t] for t in texts]), axis=0)
            size = float(np.linalg.norm(mean))
            if size > 0:
                centroids[c] = mean / size
    centre = centres[QUERY] if QUERY in centres else centres[PASSAGE]
    return centroids, centre.astype(np.float32)


def labels_of(tf: Mapping[str, int], tags: Iterable[str]) -> list[str]:
    """A text's own labels: its tags and its seed concepts."""
    return [tag_label(t) for t in tags if normalise(t)] + [t for t in tf if t.startswith("@")]


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
    tags: tuple[str, ...] = ()  # the volunteer's skill tags, as given


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


def need_sentence(text: str, compute: bool = True) -> np.ndarray | None:
    """A need's sentence vector (cached by its text; `compute` False: only if computed before), or None without
    the encoder."""
    enc = encoder()
    if enc is None:
        return None
    if compute:
        return enc.query(text)
    return enc.cached([text], QUERY).get(text)


def need_doc(need_id: int, query: NeedQuery) -> NeedDoc:
    return NeedDoc(need_id, query, features(query.text))


@dataclass(frozen=True)
class Weights:
    """The factors' weights (summing to 1). These are the fixed ones, chosen on the tuning pool of the evaluation
    set (bench/matching_eval/tune.py): the talent first, nearness and time second."""

    talent: float = 0.55
    text: float = 0.05
    distance: float = 0.2
    schedule: float = 0.17
    reliability: float = 0.03


# The factors' notes: code → English template. Params named in LIST_PARAMS are lists, joined with ", ".
NOTES_EN: dict[str, str] = {
    "talents_none_known": "no talent of the glossary recognised in the need: text similarity stands in",
    "talents_learned": "close in meaning, learned from {texts} of the platform's offers and matches: {shared}",
    "talents_shared": "{shared_n} of the need's {wanted_n} talents: {shared}",
    "talents_missing": "none of the need's talents ({wanted})",
    "text": "how much the talent's description and the need's words have in common",
    "distance_unknown": "area unknown: counted as halfway",
    "distance_km": "{km:.1f} km between {need_area} and {offer_area}",
    "schedule_any": "the need has no fixed time",
    "schedule_unknown": "the offer gives no availability: counted as halfway",
    "schedule_slots": "{covered_n} of {wanted_n} slots: {slots}",
    "reliability": "how well earlier matches were kept: completed against no-shows",
    "below_gate": "not counted: relevance {relevance:.2f} is under {gate:.2f}, so nearness, time and track record do not lift an offer about something else",
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
TEXT_POOL = 300  # the best candidates by text ...
MEANING_POOL = 1000  # ... and by meaning get the other factors computed (a need's sentence spreads its vector over
# a few labels: more offers come close, and the nearest of them must not be cut for being a little less close)
MIN_TEXT = 0.05  # below this share of the need's own text score a word match alone does not make a candidate
MAX_DF_SHARE = 0.1  # words in more offers than this share are too common to rank by
GATE = 0.3  # relevance (weighted mean of talent and text) below which distance, schedule, reliability count 0
SEED_TRUST = 0.6  # with a learned meaning, a shared glossary talent alone counts this much (1.0 without one)
MIN_LABELLED = 50  # labelled texts (offers with tags, good matches) needed to learn a meaning
BRIDGE_MIN = 0.55  # Kiwi embedding similarity above which a known word stands in for an unknown one
BRIDGE_TOP = 5  # the known words nearest to an unknown one that stand in for it
BRIDGE_VOCAB = 4000  # known words an unknown one may be bridged to
BRIDGE_MAX_WORDS = 12  # unknown words bridged per text (each costs about 1 µs per known word the first time)
BRIDGE_WEIGHT = 1.0  # an unknown word's bridged row counts this much of the rarest known word's weight
CENTROID_TEXTS = 32  # texts per label whose sentence vectors make its centroid (each costs ~20 ms once)
SENTENCE_Z = 1.0  # a need's closeness to a label's centroid lifts it only above the mean by this many deviations
SENTENCE_WEIGHT = 1.0  # the lift's length beside the words' unit vector
# Outcomes say whether a match was accepted and kept, which is not all a requester wants first (the right talent,
# then near, then free): on the tuning pool the weights fitted to outcomes alone lost nDCG@10 against the fixed
# ones, so the learned weights are blended in at this share.
LEARNED_SHARE = 0.25
# Before the platform has matches to learn from, the meaning space knows the offers' own words and tags only: a
# need's situation words mostly reach an offer through the words they share. The text factor then counts this
# much more (the weights renormalised), fading out as good matches accumulate (none left at WARM_MATCHES).
COLD_TEXT = 0.2
WARM_MATCHES = 500
MIN_OUTCOMES = 30  # outcomes of each kind needed to learn the weights
AUTO_RELEARN = 1.25  # an untrained index relearns its offers-only meaning space when its offers grew by this
POSITIVE = frozenset({"completed", "scheduled"})
NEGATIVE = frozenset({"declined", "no_show"})
FACTORS = ("talent", "text", "distance", "schedule", "reliability")


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

    def total(self, talent: float, text: float, need: NeedQuery, doc: OfferDoc, relevant: bool = True) -> float:
        """The score: talent and text always; distance, schedule and reliability only for a relevant pair."""
        w = self.weights
        score = w.talent * talent + w.text * text
        if not relevant:
            return score
        km = self.distance_km(need.area, doc.area)
        dist = 0.5 if km is None else math.exp(-km / DISTANCE_SCALE_KM)
        return score + w.distance * dist + w.schedule * self.schedule(need.slots, doc.slots) + w.reliability * doc.reliability

    @staticmethod
    def schedule(need: int, offer: int) -> float:
        if not need:
            return 1.0
        if not offer:
            return 0.5
        return (need & offer).bit_count() / need.bit_count()

    def explain(self, talent: float, talent_note: Note | str, text: float, need: NeedQuery, doc: OfferDoc,
                relevant: bool = True, relevance: float = 1.0, gate: float = 0.0) -> dict[str, Factor]:
        w = self.weights
        km = self.distance_km(need.area, doc.area)
        if km is None:
            dist, dnote = 0.5, note("distance_unknown")
        else:
            dist, dnote = math.exp(-km / DISTANCE_SCALE_KM), note("distance_km", km=km, need_area=need.area,
                                                                  offer_area=doc.area)
        sched = self.schedule(need.slots, doc.slots)
        if not need.slots:
            snote = note("schedule_any")
        elif not doc.slots:
            snote = note("schedule_unknown")
        else:
            snote = note("schedule_slots", covered_n=(need.slots & doc.slots).bit_count(),
                         wanted_n=need.slots.bit_count(), slots=slot_names(need.slots & doc.slots)[:6])
        out = {
            "talent": factor(talent, w.talent, talent_note),
            "text": factor(text, w.text, note("text")),
            "distance": factor(dist, w.distance, dnote),
            "schedule": factor(sched, w.schedule, snote),
            "reliability": factor(doc.reliability, w.reliability, note("reliability")),
        }
        if not relevant:  # shown with their values, but they count for nothing: relevance comes first
            why = note("below_gate", relevance=round(relevance, 4), gate=gate)
            for name in ("distance", "schedule", "reliability"):
                f = out[name]
                out[name] = Factor(f.value, f.weight, 0.0, str(why), why.code, why.params)
        return out


def reliability(completed: int, no_shows: int) -> float:
    return (completed + 1) / (completed + no_shows + 2)


@dataclass(frozen=True)
class Outcome:
    """A past match as training data: the need, the offer, and how it ended (a Match status)."""

    need: NeedQuery
    offer_id: int
    status: str
    # The volunteer's reliability without this outcome (None: the offer's): the record the outcome itself made must
    # not explain it, or the weights learn that reliability predicts what it was computed from.
    reliability: float | None = None


@dataclass(frozen=True)
class TrainReport:
    offers: int
    labelled_texts: int  # offers with a label, and needs of good matches, the meaning was learned from (0: none)
    outcomes: int  # positive and negative outcomes of indexed offers
    learned_weights: bool  # False: too few outcomes, the fixed weights stay
    weights: dict[str, float]


class _Columns:
    """The docs' non-text facts as arrays, for scoring many candidates at once: area (an index into the scorer's
    areas, -1 unknown), weekly slots, reliability, owner (a code, -1 none), offer id. Withdrawn docs are never
    candidates; their rows are zeros."""

    def __init__(self, docs: list[OfferDoc | None], scorer: Scorer):
        self.scorer = scorer
        # every area a doc names, known or not: an unknown area is 0 km from itself, unknown from the others
        self.area_names = sorted(set(scorer.areas) | {d.area for d in docs if d is not None and d.area is not None})
        area_index = {a: i for i, a in enumerate(self.area_names)}
        self._owners: dict[str, int] = {}
        n = len(docs)
        self.area = np.full(n, -1, dtype=np.int64)
        self.slots = np.zeros(n, dtype=np.int64)
        self.reliability = np.zeros(n, dtype=np.float64)
        self.owner = np.full(n, -1, dtype=np.int64)
        self.offer_id = np.zeros(n, dtype=np.int64)
        for d, doc in enumerate(docs):
            if doc is None:
                continue
            self.area[d] = area_index[doc.area] if doc.area is not None else -1
            self.slots[d], self.reliability[d], self.offer_id[d] = doc.slots, doc.reliability, doc.offer_id
            if doc.owner is not None:
                self.owner[d] = self._owners.setdefault(doc.owner, len(self._owners))
        self._distance: dict[str | None, np.ndarray] = {}
        self._schedule: dict[int, np.ndarray] = {}

    def owner_code(self, owner: str) -> int:
        return self._owners.get(owner, -2)

    def distance(self, need_area: str | None) -> np.ndarray:
        """exp(-km / DISTANCE_SCALE_KM) from the need's area to each doc's (0.5 when either is unknown)."""
        cached = self._distance.get(need_area)
        if cached is None:
            by_area = np.array([0.5 if (km := self.scorer.distance_km(need_area, a)) is None
                                else math.exp(-km / DISTANCE_SCALE_KM) for a in self.area_names] + [0.5])
            cached = by_area[self.area]  # -1 picks the trailing 0.5: the doc's area is unknown
            if len(self._distance) < 4096:
                self._distance[need_area] = cached
        return cached

    def schedule(self, need_slots: int) -> np.ndarray:
        """The share of the need's slots each doc covers (1 when the need has none, 0.5 when the doc gives none)."""
        cached = self._schedule.get(need_slots)
        if cached is None:
            if not need_slots:
                cached = np.ones(len(self.slots))
            else:
                covered = np.bitwise_count(self.slots & need_slots) / need_slots.bit_count()
                cached = np.where(self.slots == 0, 0.5, covered)
            if len(self._schedule) < 4096:
                self._schedule[need_slots] = cached
        return cached


class MatchIndex:
    """Offers indexed for ranking against needs; updated in place as offers are added, changed and withdrawn;
    `train` learns the meaning space and the weights from the offers and the past matches."""

    def __init__(self, areas: Mapping[str, tuple[float, float]], weights: Weights | None = None,
                 gate: float = GATE, seed_trust: float = SEED_TRUST, compute_in_queries: bool = True):
        self.scorer = Scorer(areas, fixed_weights(0) if weights is None else weights)
        self.gate, self.seed_trust = gate, seed_trust
        # Whether a query may compute sentence vectors (~20 ms each): a need's, and the labels' texts when it learns
        # the meaning space lazily. False for a caller holding a lock others wait on (the API's OfferMatcher): it
        # computes them beforehand (sentence_texts, relearn_due), and a query uses only vectors already computed.
        self.compute_in_queries = compute_in_queries
        self.meaning: Meaning | None = None
        # Never trained (`train`, `restore`): the meaning space is learned from the offers alone when first needed,
        # and again once the offers have grown by AUTO_RELEARN since (self._auto_at: live offers at the last try).
        self._trained = False
        self._auto_at = 0
        self._docs: list[OfferDoc | None] = []  # internal doc number → offer (None: withdrawn)
        self._tf: list[Counter[str] | None] = []
        self._length: list[int] = []
        self._by_offer: dict[int, int] = {}
        self._postings: dict[str, list[tuple[int, int]]] = {}
        self._df: Counter[str] = Counter()
        self._total_length = 0
        self._dead = 0
        self._cache: dict[str, list[tuple[int, float]]] = {}  # term → [(doc, BM25 tf part)], cleared on change
        self._vec: list[np.ndarray | None] = []  # per doc, in the meaning space
        self._matrix: np.ndarray | None = None  # the vectors stacked, rebuilt when stale
        self._columns: _Columns | None = None  # area, slots, reliability, owner of each doc as arrays, ditto

    def __len__(self) -> int:
        return len(self._by_offer)

    def __contains__(self, offer_id: int) -> bool:
        return offer_id in self._by_offer

    def docs(self) -> list[OfferDoc]:
        return [d for d in self._docs if d is not None]

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
        self._vec.append(self.meaning.vector(tf, labels_of(tf, doc.tags)) if self.meaning else None)
        self._matrix = self._columns = None
        self._cache.clear()

    def remove(self, offer_id: int) -> None:
        n = self._by_offer.pop(offer_id, None)
        if n is None:
            return
        for term in self._tf[n]:
            self._df[term] -= 1
        self._total_length -= self._length[n]
        self._docs[n], self._tf[n], self._vec[n] = None, None, None
        self._dead += 1
        self._matrix = self._columns = None
        self._cache.clear()
        if self._dead > 1000 and self._dead > len(self._by_offer):
            self._compact()

    def _compact(self) -> None:
        alive = self.docs()
        fresh = MatchIndex(self.scorer.areas, self.scorer.weights, self.gate, self.seed_trust, self.compute_in_queries)
        fresh.meaning, fresh._trained, fresh._auto_at = self.meaning, self._trained, self._auto_at
        for d in alive:
            fresh.upsert(d)
        self.__dict__.update(fresh.__dict__)

    # -------------------------------------------------------------------------------------------- learning

    def learn_meaning(self, outcomes: Iterable[Outcome] = (), compute_sentences: bool = True) -> int:
        """Learns the meaning space from the offers (words ↔ tags and seed talents) and the needs of good matches
        (the need's words ↔ the labels of the offer that did it); returns the labelled texts used (0: too few,
        no meaning: the seed glossary alone). `compute_sentences` False: the labels' centroids from the sentence
        vectors already computed only."""
        labelled, sentences, matches = [], [], 0
        for kind, text, words, labels in self._labelled_texts(outcomes):
            labelled.append((words, labels))
            sentences.append((kind, text, labels))
            matches += kind == QUERY
        self.meaning = Meaning.learn(labelled, matches, sentences, compute_sentences)
        for d, doc in enumerate(self._docs):
            self._vec[d] = None if doc is None or self.meaning is None else self.meaning.vector(
                self._tf[d], labels_of(self._tf[d], doc.tags))
        self._matrix = None
        return self.meaning.texts if self.meaning else 0

    def _labelled_texts(self, outcomes: Iterable[Outcome], words: bool = True
                        ) -> list[tuple[str, str, Iterable[str], list[str]]]:
        """(kind, text, words, labels) of what the meaning is learned from: the needs of good matches first (with
        the labels of the offer that did it; most recent first), then the offers (with their own labels). `words`
        False: a need's words are not analysed (left empty)."""
        out = []
        for o in reversed(list(outcomes)):
            d = self._by_offer.get(o.offer_id)
            if d is not None and o.status in POSITIVE:
                out.append((QUERY, o.need.text, features(o.need.text).keys() if words else (),
                            labels_of(self._tf[d], self._docs[d].tags)))
        for d, doc in enumerate(self._docs):
            if doc is not None:
                out.append((PASSAGE, doc.text, self._tf[d].keys(), labels_of(self._tf[d], doc.tags)))
        return out

    def sentence_texts(self, outcomes: Iterable[Outcome] = ()) -> list[tuple[str, str]]:
        """The texts whose sentence vectors learning would need ((kind, text)): embedding them before taking a lock
        (Encoder.embed caches them) keeps the lock's holder from spending seconds on them."""
        chosen = sentence_texts((kind, text, labels) for kind, text, _, labels
                                in self._labelled_texts(outcomes, words=False))
        return list(dict.fromkeys(t for texts in chosen.values() for t in texts))

    def train(self, outcomes: Iterable[Outcome] = ()) -> TrainReport:
        """Relearns the meaning space, then the weights from the outcomes (the fixed weights with too few)."""
        outcomes = list(outcomes)
        texts = self.learn_meaning(outcomes)
        rows, ys = [], []
        for o in outcomes:
            if o.status not in POSITIVE | NEGATIVE or o.offer_id not in self._by_offer:
                continue
            values = self.factor_values(o.need, o.offer_id, o.reliability)
            rows.append([values[f] for f in FACTORS])
            ys.append(1.0 if o.status in POSITIVE else 0.0)
        positives = int(sum(ys))
        learned = positives >= MIN_OUTCOMES and len(ys) - positives >= MIN_OUTCOMES
        fixed = fixed_weights(self.meaning.matches if self.meaning else 0)
        weights = blend(fixed, fit_weights(np.array(rows), np.array(ys)), LEARNED_SHARE) if learned else fixed
        self.scorer = Scorer(self.scorer.areas, weights)
        # Trained on too few texts to learn a meaning space (a platform starting): learn it as offers come.
        self._trained, self._auto_at = self.meaning is not None, len(self)
        return TrainReport(len(self), texts, len(ys), learned, {f: round(getattr(weights, f), 4) for f in FACTORS})

    def restore(self, meaning: Meaning | None, weights: Weights) -> None:
        """Puts back what `train` learned on these same offers and outcomes (a stored model), without relearning:
        the offers' vectors are recomputed in the restored space."""
        self.meaning = meaning
        for d, doc in enumerate(self._docs):
            self._vec[d] = None if doc is None or meaning is None else meaning.vector(
                self._tf[d], labels_of(self._tf[d], doc.tags))
        self._matrix = None
        self.scorer = Scorer(self.scorer.areas, weights)
        self._trained, self._auto_at = meaning is not None, len(self)

    def _meaning_now(self) -> None:
        """An index never trained learns its meaning space from its offers (their words, tags and seed talents)
        when first asked, and again once they have grown by AUTO_RELEARN: a platform that has not trained yet still
        ranks by what its offers say about themselves."""
        if not self.relearn_due():
            return
        self._auto_at = len(self)
        self.learn_meaning(compute_sentences=self.compute_in_queries)

    def relearn_due(self) -> bool:
        """Whether the next query will learn the meaning space from the offers (an index never trained)."""
        if self._trained or len(self) < MIN_LABELLED:
            return False
        return not self._auto_at or len(self) >= self._auto_at * AUTO_RELEARN

    # -------------------------------------------------------------------------------------------- text

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
        than MAX_DF_SHARE of the offers say little and cost the most; they are skipped unless the query has nothing
        else."""
        acc: dict[int, float] = {}
        best = 0.0
        get = acc.get
        for term in ranking_terms(query, self._df, len(self._by_offer)):
            qtf = query[term]
            idf = self._idf(term)
            if idf <= 0:
                continue
            weight = idf * min(qtf, CONCEPT_TF)
            best += weight * (K1 + 1) * qtf / (qtf + K1)
            for d, part in self._weighted(term):
                acc[d] = get(d, 0.0) + weight * part
        return acc, best

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

    # -------------------------------------------------------------------------------------------- ranking

    def _query_vector(self, query: Counter[str], text: str) -> np.ndarray | None:
        """A need's vector in the meaning space (None: no meaning learned), with its sentence vector: computed
        if missing, or (compute_in_queries False) only if computed beforehand, else the words alone."""
        if self.meaning is None:
            return None
        sentence = None
        if self.meaning.centroids is not None:
            sentence = need_sentence(text, compute=self.compute_in_queries)
        return self.meaning.vector(query, labels_of(query, ()), sentence)

    def _word_vector(self, query: Counter[str]) -> np.ndarray | None:
        return self.meaning.vector(query, labels_of(query, ())) if self.meaning is not None else None

    def _matrix_now(self) -> np.ndarray:
        if self._matrix is None:
            width = len(self.meaning.labels) if self.meaning else 0
            zero = np.zeros(width, dtype=np.float32)
            self._matrix = np.vstack([v if v is not None else zero for v in self._vec]) if self._vec else \
                np.zeros((0, width), dtype=np.float32)
        return self._matrix

    def _talent(self, wanted: frozenset[str], d: int, text: float, qv: np.ndarray | None) -> float:
        seed = talent_share(wanted, self._tf[d], text if qv is None else 0.0)
        if qv is None:
            return seed
        vec = self._vec[d]
        learned = max(0.0, float(qv @ vec)) if vec is not None else 0.0
        return min(1.0, max(learned, self.seed_trust * seed))

    def relevance(self, talent: float, text: float) -> float:
        w = self.scorer.weights
        total = w.talent + w.text
        return (w.talent * talent + w.text * text) / total if total > 0 else talent

    def _columns_now(self) -> _Columns:
        if self._columns is None or self._columns.scorer is not self.scorer:
            self._columns = _Columns(self._docs, self.scorer)
        return self._columns

    def rank(self, need: NeedQuery, k: int = 10) -> list[Ranked]:
        """The best `k` offers for the need, best first, each with its factors. The candidates are scored as arrays
        (the same arithmetic as Scorer.total and _talent, one offer at a time, which explain and the exhaustive
        ranker use)."""
        self._meaning_now()
        query = features(need.text)
        acc, best = self.text_scores(query)
        qv = self._query_vector(query, need.text)
        candidates: dict[int, float] = {}
        if acc and best > 0:
            floor = MIN_TEXT * best
            candidates = {d: s for s, d in heapq.nlargest(TEXT_POOL, ((s, d) for d, s in acc.items() if s >= floor))}
        sims = None
        if qv is not None and len(self._vec):
            # einsum, not BLAS: a threaded matrix-vector product stalls for milliseconds on a busy machine
            sims = np.einsum("ij,j->i", self._matrix_now(), qv)
            top = np.argpartition(-sims, min(MEANING_POOL, len(sims) - 1))[:MEANING_POOL]
            for d in top.tolist():
                if sims[d] > 0.05 and self._docs[d] is not None:
                    candidates.setdefault(d, acc.get(d, 0.0))
        wanted = talents_of(query)
        for term in wanted:  # everyone with one of the need's seed talents is a candidate, however they put it
            for d, _ in self._weighted(term):
                candidates.setdefault(d, acc.get(d, 0.0))
        if not candidates:
            return []
        cols = self._columns_now()
        cand = np.fromiter(candidates.keys(), dtype=np.int64, count=len(candidates))
        if need.owner is not None:
            cand = cand[cols.owner[cand] != cols.owner_code(need.owner)]
            if not len(cand):
                return []
        text = np.fromiter((candidates[d] for d in cand.tolist()), dtype=np.float64, count=len(cand))
        text = np.minimum(text / best, 1.0) if best > 0 else np.zeros(len(cand))
        seed = np.zeros(len(cand))
        if wanted:
            position = {d: i for i, d in enumerate(cand.tolist())}
            for term in wanted:
                for d, _ in self._weighted(term):
                    i = position.get(d)
                    if i is not None:
                        seed[i] += 1
            seed /= len(wanted)
        else:
            seed = text if qv is None else seed
        if qv is None:
            talent = seed
        else:
            talent = np.minimum(1.0, np.maximum(np.maximum(sims[cand].astype(np.float64), 0.0), self.seed_trust * seed))
        w = self.scorer.weights
        total = w.talent + w.text
        relevance = (w.talent * talent + w.text * text) / total if total > 0 else talent
        score = w.talent * talent + w.text * text
        context = (w.distance * cols.distance(need.area)[cand] + w.schedule * cols.schedule(need.slots)[cand]
                   + w.reliability * cols.reliability[cand])
        score = score + np.where(relevance >= self.gate, context, 0.0)
        order = np.lexsort((cols.offer_id[cand], -score))[:k]  # best score first, then the lower offer id
        return [self._ranked(need, query, wanted, qv, int(cand[i]), float(score[i]), float(talent[i]), float(text[i]))
                for i in order]

    def factor_values(self, need: NeedQuery, offer_id: int, reliability: float | None = None) -> dict[str, float]:
        """The five factor values of one pair (for learning the weights; `reliability` instead of the offer's)."""
        d = self._by_offer[offer_id]
        query = features(need.text)
        s, best = self.pair_text(query, d)
        text = min(s / best, 1.0) if best > 0 else 0.0
        # the talent as the words give it: a need's sentence vector costs ~20 ms, too much for every past match
        talent = self._talent(talents_of(query), d, text, self._word_vector(query))
        doc, scorer = self._docs[d], self.scorer
        km = scorer.distance_km(need.area, doc.area)
        return {"talent": talent, "text": text, "distance": 0.5 if km is None else math.exp(-km / DISTANCE_SCALE_KM),
                "schedule": scorer.schedule(need.slots, doc.slots),
                "reliability": doc.reliability if reliability is None else reliability}

    def explain(self, need: NeedQuery, offer_id: int) -> Ranked | None:
        """The factors of one offer for the need, wherever it ranks (None: the offer is not indexed)."""
        d = self._by_offer.get(offer_id)
        if d is None:
            return None
        self._meaning_now()
        query = features(need.text)
        return self._pair(need, query, self._query_vector(query, need.text), d)

    def _pair(self, need: NeedQuery, query: Counter[str], qv: np.ndarray | None, d: int) -> Ranked:
        s, best = self.pair_text(query, d)
        wanted = talents_of(query)
        text = min(s / best, 1.0) if best > 0 else 0.0
        talent = self._talent(wanted, d, text, qv)
        doc = self._docs[d]
        score = self.scorer.total(talent, text, need, doc, self.relevance(talent, text) >= self.gate)
        return self._ranked(need, query, wanted, qv, d, score, talent, text)

    def rank_needs(self, offer_id: int, needs: Iterable[NeedDoc], k: int = 10) -> list[RankedNeed]:
        """The best `k` of `needs` for the offer, best first, each scored and explained as the offer would be among
        the need's candidates. A need the offer is not relevant to (below the gate, no seed talent or word of
        MIN_TEXT in common) is left out, as are the offer's owner's own needs. Empty when the offer is not indexed."""
        d = self._by_offer.get(offer_id)
        if d is None:
            return []
        self._meaning_now()
        doc, tf = self._docs[d], self._tf[d]
        scored = []
        for i, nd in enumerate(needs):
            need = nd.query
            if need.owner is not None and need.owner == doc.owner:
                continue
            qv = self._query_vector(nd.tf, need.text)
            r = self._pair(need, nd.tf, qv, d)
            talent, text = r.factors["talent"].value, r.factors["text"].value
            wanted = talents_of(nd.tf)
            if self.relevance(talent, text) < self.gate and text < MIN_TEXT and not any(t in tf for t in wanted):
                continue  # not relevant: distance and time alone do not make a need fit
            scored.append((r.score, -i, nd.need_id, r))
        return [RankedNeed(need_id, r.score, r.factors, r.matched_terms)
                for _, _, need_id, r in heapq.nlargest(k, scored, key=lambda x: (x[0], x[1]))]

    def _ranked(self, need: NeedQuery, query: Counter[str], wanted: frozenset[str], qv: np.ndarray | None, d: int,
                score: float, talent: float, text: float) -> Ranked:
        doc, tf = self._docs[d], self._tf[d]
        shared = sorted(t[1:] for t in wanted if t in tf)
        learned = self.meaning.shared(qv, self._vec[d]) if qv is not None and self._vec[d] is not None else []
        if shared and (qv is None or talent <= self.seed_trust * len(shared) / len(wanted) + 1e-9):
            why = note("talents_shared", shared_n=len(shared), wanted_n=len(wanted), shared=shared)
        elif learned and talent > 0:
            why = note("talents_learned", shared=learned, texts=self.meaning.texts)
        elif not wanted:
            why = note("talents_none_known")
        else:
            why = note("talents_missing", wanted=sorted(t[1:] for t in wanted))
        relevance = self.relevance(talent, text)
        common = sorted(w for w in set(query) & set(tf) if not w.startswith("@") and len(w) > 1)[:8]
        terms = shared + [t for t in learned if t not in shared] + common
        factors = self.scorer.explain(talent, why, text, need, doc, relevance >= self.gate, relevance, self.gate)
        return Ranked(doc.offer_id, round(score, 6), factors, terms)


def fixed_weights(matches: int) -> Weights:
    """The fixed weights for a meaning space learned from `matches` good past matches: the text factor raised by
    COLD_TEXT with none (a new platform), by less with more, not at all from WARM_MATCHES on."""
    boost = COLD_TEXT * max(0.0, 1.0 - matches / WARM_MATCHES)
    w = {f: getattr(Weights(), f) for f in FACTORS}
    w["text"] += boost
    total = sum(w.values())
    return Weights(**{f: round(v / total, 4) for f, v in w.items()})


def blend(fixed: Weights, learned: Weights, share: float) -> Weights:
    """`share` of the learned weights and the rest of the fixed ones (both sum to 1, so does the blend)."""
    return Weights(*(round((1 - share) * getattr(fixed, f) + share * getattr(learned, f), 4) for f in FACTORS))


def fit_weights(x: np.ndarray, y: np.ndarray, l2: float = 0.01, steps: int = 800) -> Weights:
    """Logistic regression of the outcome on the factor values (standardised, gradient descent, L2); the
    coefficients clipped at 0 and scaled to sum 1 are the weights (a factor that does not predict a good outcome
    gets 0). Falls back to Weights() if nothing predicts it."""
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = (x - mean) / std
    w, b = np.zeros(x.shape[1]), 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(z @ w + b)))
        grad = z.T @ (p - y) / len(y) + l2 * w
        w -= 0.5 * grad
        b -= 0.5 * float(np.mean(p - y))
    coef = np.clip(w / std, 0, None)  # per unit of the factor's own 0..1 value
    if coef.sum() <= 0:
        return Weights()
    coef = coef / coef.sum()
    return Weights(*(round(float(c), 4) for c in coef))


def ranking_terms(query: Counter[str], df: Mapping[str, int], n: int) -> list[str]:
    """The query's terms that rank: talents always; words unless in more than MAX_DF_SHARE of the offers (or all of
    them, when nothing else is left)."""
    common = max(MAX_DF_SHARE * n, 50)  # a small index prunes nothing
    terms = [t for t in query if t.startswith("@") or df.get(t, 0) <= common]
    return terms if any(not t.startswith("@") for t in terms) else list(query)


def talents_of(tf: Counter[str]) -> frozenset[str]:
    return frozenset(t for t in tf if t.startswith("@"))


def talent_share(wanted: frozenset[str], offer_tf: Counter[str], text: float) -> float:
    """The share of the need's seed talents the offer has; the text similarity when the need names none we know."""
    if not wanted:
        return text
    return sum(1 for t in wanted if t in offer_tf) / len(wanted)


class BruteForceRanker:
    """The baseline for time: the same index's scoring of every offer on every query, without the candidate
    pruning (every offer gets all the factors)."""

    def __init__(self, index: MatchIndex):
        self.index = index

    def rank(self, need: NeedQuery, k: int = 10) -> list[tuple[float, int]]:
        """(score, offer id) of the best k."""
        ix = self.index
        query = features(need.text)
        qv = ix._query_vector(query, need.text)
        out = []
        for d, doc in enumerate(ix._docs):
            if doc is None or (need.owner is not None and doc.owner == need.owner):
                continue
            r = ix._pair(need, query, qv, d)
            if r.factors["text"].value >= MIN_TEXT or r.factors["talent"].value > 0:
                out.append((r.score, doc.offer_id))
        return heapq.nlargest(k, out)
