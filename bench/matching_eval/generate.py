"""A Busan-like world written from ONE pool of phrasings: areas, offers with noisy tags, needs with graded answers,
and the platform's history (past matches with their outcomes), all from a seed.

    world = generate(load_pool("a"), offers=10_000, needs=300, history=2_000, seed=11)

Offers: ~80 % Korean, 8 % English, 12 % mixed (a Korean sentence with the English phrasing of a talent); one talent
or two; tags from the platform's taxonomy with 25 % missing and 10 % wrong (half of those the look-alike's tag).
Needs: a situation in everyday words (never the category), in Korean. Each need's planted offers: 4 with its talent
near and free, 2 with its talent far, 2 with its talent near but never free then, 4 of the look-alike talent near
and free, 2 of another talent near and free; the rest of the offers are spread at random.
Grades of an offer for a need: 0 without the need's talent; with it 1 + (within 3 km) + (free in one of its slots).
History: past needs (drawn from the first two situations of each talent only, so a third is never seen in history)
matched with an offer, right or look-alike or random, with an outcome that depends on relevance, distance and time:
completed / scheduled (positive), declined / no_show (negative).
"""

from __future__ import annotations

import importlib
import math
import random
from dataclasses import dataclass, replace

from .concepts import CONCEPTS

NEAR_KM, FAR_KM = 3.0, 6.0
ALL_SLOTS = (1 << 21) - 1

# Register of each pool: how an offer and a need are framed (the pools' own words, written apart too).
FRAMES = {
    "a": {
        "offer_ko": ["{x} 가능합니다.", "{x} 재능 나눔합니다.", "{x} 봉사를 희망합니다.", "{x}."],
        "offer_mixed": ["{x} ({en}) 가능합니다.", "{en} 경험 있습니다. {x}."],
        "filler_ko": ["경력 3년입니다.", "시간 약속을 지킵니다.", "주민센터 근처 거주.", "성실히 하겠습니다."],
        "filler_en": ["Reliable and punctual.", "Five years of experience."],
        "need_pre": ["", "", "안녕하세요. ", "해운대구 주민입니다. ", "사하구에 삽니다. "],
        "need_post": [" 도와주실 분을 찾습니다.", " 봉사자가 필요합니다.", " 도움을 요청합니다.", ""],
    },
    "b": {
        "offer_ko": ["{x}", "{x}~ 편하게 불러 주세요", "{x}. 연락 주세요", "동네 분들 {x}"],
        "offer_mixed": ["{x}, {en} 도 돼요", "{en} 해요! {x}"],
        "filler_ko": ["주말엔 시간 많아요", "부산 토박이예요", "무료로 해요", "언제든 카톡 주세요"],
        "filler_en": ["Happy to help out.", "Free of charge, just ask."],
        "need_pre": ["", "", "저기요, ", "동래구 사는데요, ", "급해요! "],
        "need_post": [" 누가 좀 도와주세요ㅠㅠ", " 와 주실 수 있나요?", " 어떡하죠?", ""],
    },
}


def load_pool(name: str) -> dict[str, tuple[list[str], list[str], list[str]]]:
    """concept → (offers ko, offers en, needs) of pool `name` ("a" or "b")."""
    module = importlib.import_module(f"{__package__}.pool_{name}")
    out = {}
    for concept, text in module.POOL.items():
        ko, en, needs = ([p.strip() for p in field.split("/")] for field in text.split("#"))
        out[concept] = (ko, en, needs)
    return out


@dataclass(frozen=True)
class Offer:
    offer_id: int
    text: str
    tags: tuple[str, ...]
    concepts: frozenset[str]
    area: str
    slots: int
    reliability: float
    language: str  # ko, en, mixed


@dataclass(frozen=True)
class Need:
    need_id: int
    text: str
    concept: str
    area: str
    slots: int
    seen_phrasing: bool  # its situation is one the history also has


@dataclass(frozen=True)
class PastMatch:
    need: Need
    offer_id: int
    status: str  # completed, scheduled, declined, no_show


@dataclass
class World:
    pool: str
    areas: dict[str, tuple[float, float]]
    offers: list[Offer]
    needs: list[Need]
    history: list[PastMatch]

    def km(self, a: str, b: str) -> float:
        return haversine_km(self.areas[a], self.areas[b])

    def grades(self, need: Need) -> dict[int, int]:
        """offer id → grade (only offers with the need's talent: others are 0)."""
        return {o.offer_id: 1 + (self.km(need.area, o.area) <= NEAR_KM) + bool(o.slots & need.slots)
                for o in self.offers if need.concept in o.concepts}


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


def random_slots(rng: random.Random, lo: int, hi: int) -> int:
    mask = 0
    for bit in rng.sample(range(21), rng.randint(lo, hi)):
        mask |= 1 << bit
    return mask


def generate(pool_name: str, offers: int = 10_000, needs: int = 300, history: int = 2_000, seed: int = 11) -> World:
    pool, frames = load_pool(pool_name), FRAMES[pool_name]
    rng = random.Random(f"{pool_name}:{seed}")
    areas = {f"busan-{i:02d}": (35.05 + rng.random() * 0.18, 128.95 + rng.random() * 0.22) for i in range(60)}
    codes = sorted(areas)
    km = {(a, b): haversine_km(areas[a], areas[b]) for a in codes for b in codes}
    names = sorted(CONCEPTS)
    out: list[Offer] = []  # noqa: shadowed after shuffling

    def tags_of(skills: list[str]) -> tuple[str, ...]:
        tags = []
        for c in skills:
            r = rng.random()
            if r < 0.25:
                continue  # missing
            if r < 0.35:
                partner = CONCEPTS[c][1]
                c = partner if partner and rng.random() < 0.5 else rng.choice(names)  # wrong
            tags.append(CONCEPTS[c][0])
        return tuple(dict.fromkeys(tags))

    def add_offer(skills: list[str], area: str, slots: int) -> None:
        r = rng.random()
        language = "en" if r < 0.08 else "mixed" if r < 0.20 else "ko"
        parts = []
        for c in skills:
            ko, en, _ = pool[c]
            if language == "en":
                parts.append(rng.choice(en))
            elif language == "mixed":
                parts.append(rng.choice(frames["offer_mixed"]).format(x=rng.choice(ko), en=rng.choice(en)))
            else:
                parts.append(rng.choice(frames["offer_ko"]).format(x=rng.choice(ko)))
        filler = frames["filler_en" if language == "en" else "filler_ko"]
        text = " ".join(parts + ([rng.choice(filler)] if rng.random() < 0.6 else []))
        done, missed = rng.randint(0, 15), rng.choice((0, 0, 0, 1, 2, 4))
        out.append(Offer(len(out) + 1, text, tags_of(skills), frozenset(skills), area, slots,
                         (done + 1) / (done + missed + 2), language))

    def need_text(concept: str, seen_only: bool) -> tuple[str, bool]:
        situations = pool[concept][2]
        i = rng.randrange(2 if seen_only else len(situations))
        return rng.choice(frames["need_pre"]) + situations[i] + rng.choice(frames["need_post"]), i < 2

    eval_needs: list[Need] = []
    for n in range(needs):
        concept, area = rng.choice(names), rng.choice(codes)
        slots = random_slots(rng, 1, 3)
        text, seen = need_text(concept, False)
        eval_needs.append(Need(n + 1, text, concept, area, slots, seen))
        near = [c for c in codes if km[(area, c)] <= NEAR_KM * 0.8]
        far = [c for c in codes if km[(area, c)] >= FAR_KM]
        free = lambda: random_slots(rng, 2, 8) | 1 << rng.choice([b for b in range(21) if slots >> b & 1])  # noqa: E731
        partner = CONCEPTS[concept][1] or rng.choice(names)
        for _ in range(4):
            add_offer([concept], rng.choice(near), free())
        for _ in range(2):
            add_offer([concept], rng.choice(far), free())
        for _ in range(2):
            add_offer([concept], rng.choice(near), random_slots(rng, 3, 9) & ~slots & ALL_SLOTS)
        for _ in range(4):
            add_offer([partner], rng.choice(near), free())
        for _ in range(2):
            add_offer([rng.choice([c for c in names if c != concept])], rng.choice(near), free())
    while len(out) < offers:
        add_offer(rng.sample(names, 1 if rng.random() < 0.8 else 2), rng.choice(codes), random_slots(rng, 2, 9))
    rng.shuffle(out)  # the planted offers get no telling ids
    out = [replace(o, offer_id=i) for i, o in enumerate(out, 1)]
    by_concept: dict[str, list[Offer]] = {c: [] for c in names}
    for o in out:
        for c in o.concepts:
            by_concept[c].append(o)

    past: list[PastMatch] = []
    for h in range(history):
        concept, area = rng.choice(names), rng.choice(codes)
        slots = random_slots(rng, 1, 3)
        text, _ = need_text(concept, True)
        need = Need(-(h + 1), text, concept, area, slots, True)
        r = rng.random()
        pick = concept if r < 0.6 else (CONCEPTS[concept][1] or rng.choice(names)) if r < 0.85 else rng.choice(names)
        offer = rng.choice(by_concept[pick])
        p = 0.85 if concept in offer.concepts else 0.08
        p *= 1.0 if km[(area, offer.area)] <= NEAR_KM else 0.6
        p *= 1.0 if offer.slots & slots else 0.5
        if rng.random() < p:
            status = "completed" if rng.random() < 0.8 else "scheduled"
        else:
            status = "declined" if rng.random() < 0.8 else "no_show"
        past.append(PastMatch(need, offer.offer_id, status))
    return World(pool_name, areas, out, eval_needs, past)
