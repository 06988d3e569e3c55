"""Matching benchmark: quality (precision@5) and speed (time per query) of the talent ↔ need ranking.

    python bench/matching.py [--offers 10000] [--needs 500] [--seed 7] [--api N] [--json]

Generates, in the same run, a labelled set: areas with coordinates (a 20 km square, like a Seoul district and its
neighbours), offers and needs written in Korean or English from a talent's phrasings (different words for the same
talent, particles, fillers, typos), weekly availability and a record of past matches. The right answers of a need are
the offers of someone with that talent, within 3 km, free in one of the need's slots: six of them are planted per
need, beside decoys with the same talent that are too far away or never free then, and thousands of others.

Prints precision@5 and p50/p99 milliseconds per query of the index (backend/domain/matching.py), against two
baselines in the same run: the same scoring computed for every offer without an index (time, on a sample of needs)
and text similarity alone (quality).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backend.domain.matching import (  # noqa: E402
    ALL_SLOTS,
    BruteForceRanker,
    MatchIndex,
    NeedQuery,
    OfferDoc,
    Scorer,
    Weights,
    haversine_km,
    reliability,
)

# talent → (Korean phrasings, English phrasings). Several words per talent, not all of them in the glossary.
TALENTS: dict[str, tuple[list[str], list[str]]] = {
    "cooking": (["반찬 만들기", "요리", "도시락 조리", "김장 담그기"], ["cooking", "making side dishes", "preparing lunch boxes", "home meals"]),
    "cleaning": (["집 청소", "정리정돈", "대청소", "방역 소독"], ["house cleaning", "tidying up", "deep cleaning", "disinfecting rooms"]),
    "digital": (["스마트폰 사용법", "키오스크 주문 안내", "컴퓨터 기초", "인터넷 뱅킹"], ["smartphone basics", "using a kiosk", "computer basics", "internet banking"]),
    "coding": (["코딩 교실", "프로그래밍", "홈페이지 제작"], ["coding class", "programming", "building a website"]),
    "math": (["수학 과외", "초등 산수", "중학교 수학"], ["math tutoring", "arithmetic practice", "middle school mathematics"]),
    "english": (["영어 회화", "영어 공부", "영어 동화 읽기"], ["english conversation", "english homework", "english lessons"]),
    "korean_language": (["한국어 수업", "한글 교실", "한국어 회화"], ["korean language class", "learning hangul", "korean language conversation"]),
    "elderly": (["어르신 말벗", "독거노인 안부 확인", "노인 돌봄"], ["companionship for the elderly", "visiting senior neighbours", "checking on older people"]),
    "childcare": (["아이 돌봄", "어린이 놀이 지도", "육아 도움"], ["babysitting", "looking after kids", "toddler care"]),
    "haircut": (["이발 봉사", "미용 봉사", "머리 커트"], ["free haircuts", "barber service", "hairdressing"]),
    "repair": (["집수리", "도배 작업", "수도 고치기", "전기 배선 점검"], ["home repair", "fixing taps and plumbing", "wallpapering", "handyman jobs"]),
    "farming": (["농촌 일손 돕기", "과수원 수확", "모내기"], ["farm work", "orchard harvest", "helping with crops"]),
    "delivery": (["도시락 배달", "물품 운반", "생필품 나르기"], ["delivering groceries", "carrying supplies", "parcel delivery"]),
    "driving": (["병원 동행 운전", "차량 지원", "이동 지원"], ["driving to hospital", "transport with my car", "giving a ride to appointments"]),
    "music": (["피아노 레슨", "노래 교실", "합창 지도"], ["piano lessons", "choir singing", "guitar for beginners"]),
    "art": (["미술 수업", "벽화 그리기", "그림 지도"], ["painting class", "mural painting", "drawing lessons"]),
    "sewing": (["옷 수선", "바느질", "뜨개질 모임"], ["mending clothes", "sewing", "knitting circle"]),
    "translation": (["통역 봉사", "서류 번역", "외국인 통역"], ["interpreting", "translating documents", "translation for migrants"]),
    "counseling": (["고민 상담", "심리 상담", "또래 상담"], ["counseling", "listening to worries", "peer counselling"]),
    "health": (["혈압 측정", "건강 체크", "간호 봉사"], ["blood pressure checks", "health checks", "nursing help"]),
    "exercise": (["요가", "어르신 체조", "스트레칭 교실"], ["yoga", "stretching class", "fitness for seniors"]),
    "gardening": (["텃밭 가꾸기", "화단 정리", "원예 치료"], ["community garden", "flower bed weeding", "growing plants"]),
    "environment": (["쓰레기 줍기", "분리수거 안내", "플로깅"], ["litter picking", "recycling guidance", "plogging"]),
    "photography": (["사진 촬영", "행사 사진", "프로필 사진"], ["photography", "taking event photos", "portrait photos with my camera"]),
    "design": (["홍보물 디자인", "포스터 제작", "전단지 만들기"], ["poster design", "designing flyers", "leaflet layout"]),
    "accounting": (["장부 정리", "회계 도움", "세무 상담"], ["bookkeeping", "accounting help", "tax return help"]),
    "marketing": (["온라인 쇼핑몰 판매", "마케팅 도움", "SNS 홍보"], ["online shop setup", "marketing for a small firm", "sales promotion"]),
    "reading": (["동화 읽어주기", "책 읽기 모임", "낭독 봉사"], ["reading aloud", "storytelling for children", "book club"]),
    "disability": (["장애인 활동 보조", "휠체어 이동 도움", "장애인 나들이"], ["wheelchair assistance", "support for disabled neighbours", "disability outings"]),
    "moving": (["이사 짐 정리", "짐 나르기", "이삿짐 포장"], ["moving house", "packing boxes", "carrying furniture when moving"]),
    "laundry": (["이불 빨래", "세탁 봉사", "빨래 돕기"], ["laundry", "washing bedding", "washing clothes"]),
    "snow": (["제설 작업", "눈 치우기", "골목 제설"], ["clearing snow", "snow shovelling", "salting icy paths after snow"]),
    "pets": (["강아지 산책", "반려동물 돌봄", "고양이 밥 주기"], ["dog walking", "pet sitting", "cat sitting"]),
    "events": (["축제 안내", "행사 진행", "안내 봉사"], ["festival stewarding", "event help", "ushering at events"]),
    "legal": (["임대차 계약서 검토", "법률 상담", "계약서 읽기"], ["legal advice", "reading a tenancy contract", "help with a contract"]),
    "food_bank": (["푸드뱅크 분류", "식품 나눔", "나눔 냉장고 정리"], ["food bank sorting", "food sharing", "packing food parcels"]),
}

FILLER_KO = ["경력 5년입니다", "친절하게 도와드려요", "동네 이웃을 돕고 싶어요", "편하게 연락 주세요", "시간 약속 잘 지킵니다",
             "처음이지만 열심히 하겠습니다", "주민센터 근처에 살아요", "함께해요"]
FILLER_EN = ["five years of experience", "happy to help neighbours", "reliable and on time", "first time volunteering",
             "I live near the community centre", "contact me any time", "glad to give back"]
NEED_KO = ["{t} 도와주실 분 찾습니다", "{t}이 필요해요", "{t} 봉사자를 구합니다", "{t} 가능하신 분 계신가요"]
NEED_EN = ["looking for help with {t}", "need someone for {t}", "volunteer wanted: {t}", "can anyone help with {t}?"]
OFFER_KO = ["{t} 할 수 있어요", "{t} 재능 나눔합니다", "{t} 도와드립니다", "{t} 가능합니다"]
OFFER_EN = ["I can help with {t}", "offering {t}", "{t}, free for neighbours", "experienced in {t}"]
NEAR_KM, FAR_KM = 3.0, 6.0


@dataclass
class Need:
    talent: str
    query: NeedQuery


def typo(rng: random.Random, text: str) -> str:
    """One dropped character now and then, as typed on a phone."""
    if len(text) > 8 and rng.random() < 0.15:
        i = rng.randrange(1, len(text) - 1)
        return text[:i] + text[i + 1:]
    return text


def phrase(rng: random.Random, talent: str, korean: bool, templates: list[str], filler: bool) -> str:
    ko, en = TALENTS[talent]
    text = rng.choice(templates).format(t=rng.choice(ko if korean else en))
    if filler:
        text += ". " + rng.choice(FILLER_KO if korean else FILLER_EN)
    return typo(rng, text)


def random_slots(rng: random.Random, lo: int, hi: int) -> int:
    mask = 0
    for bit in rng.sample(range(ALL_SLOTS.bit_length()), rng.randint(lo, hi)):
        mask |= 1 << bit
    return mask


def generate(n_offers: int, n_needs: int, seed: int):
    rng = random.Random(seed)
    areas = {f"area-{i:02d}": (37.45 + rng.random() * 0.18, 126.90 + rng.random() * 0.227) for i in range(60)}
    codes = sorted(areas)
    km = {(a, b): haversine_km(areas[a], areas[b]) for a in codes for b in codes}
    talents = sorted(TALENTS)
    offers: list[tuple[OfferDoc, set[str]]] = []

    def add_offer(skills: list[str], area: str, slots: int) -> None:
        korean = rng.random() < 0.55
        text = ", ".join(phrase(rng, t, korean, OFFER_KO if korean else OFFER_EN, False) for t in skills)
        text += ". " + rng.choice(FILLER_KO if korean else FILLER_EN)
        done, no_show = rng.randint(0, 20), rng.choice((0, 0, 0, 1, 2, 5))
        offers.append((OfferDoc(len(offers) + 1, text, area, slots, reliability(done, no_show), f"r{len(offers)}"),
                       set(skills)))

    needs: list[Need] = []
    for _ in range(n_needs):
        talent, area = rng.choice(talents), rng.choice(codes)
        korean = rng.random() < 0.6
        slots = random_slots(rng, 1, 3)
        text = phrase(rng, talent, korean, NEED_KO if korean else NEED_EN, rng.random() < 0.5)
        needs.append(Need(talent, NeedQuery(text, area, slots, owner=f"n{len(needs)}")))
        near = [c for c in codes if km[(area, c)] <= NEAR_KM * 0.8]
        far = [c for c in codes if km[(area, c)] >= FAR_KM]
        one_slot = [b for b in range(21) if slots >> b & 1]
        for _ in range(6):  # right answers
            add_offer([talent] + ([rng.choice(talents)] if rng.random() < 0.3 else []), rng.choice(near),
                      random_slots(rng, 2, 8) | 1 << rng.choice(one_slot))
        for _ in range(2):  # decoys: the talent, too far away
            add_offer([talent], rng.choice(far), random_slots(rng, 3, 9) | slots)
        for _ in range(2):  # decoys: the talent, near, never free then
            add_offer([talent], rng.choice(near), random_slots(rng, 3, 9) & ~slots & ALL_SLOTS)
    while len(offers) < n_offers:
        add_offer(rng.sample(talents, rng.choice((1, 1, 2))), rng.choice(codes), random_slots(rng, 2, 9))
    rng.shuffle(offers)
    relevant = []
    for need in needs:
        q = need.query
        relevant.append({doc.offer_id for doc, skills in offers
                         if need.talent in skills and km[(q.area, doc.area)] <= NEAR_KM and doc.slots & q.slots})
    return areas, [doc for doc, _ in offers], needs, relevant


def precision_at_5(ranked: list[list[int]], relevant: list[set[int]]) -> float:
    return statistics.fmean(len(set(r[:5]) & rel) / 5 for r, rel in zip(ranked, relevant, strict=True))


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1)]


def run(n_offers: int, n_needs: int, seed: int, baseline_sample: int) -> dict:
    areas, offers, needs, relevant = generate(n_offers, n_needs, seed)
    t0 = time.perf_counter()
    index = MatchIndex(areas)
    for doc in offers:
        index.upsert(doc)
    build_s = time.perf_counter() - t0
    for need in needs[:20]:  # warm the per-term caches the way a running service has them
        index.rank(need.query, 5)

    times, ranked = [], []
    for need in needs:
        t = time.perf_counter()
        result = index.rank(need.query, 5)
        times.append((time.perf_counter() - t) * 1000)
        ranked.append([r.offer_id for r in result])
    p5 = precision_at_5(ranked, relevant)

    text_only = MatchIndex(areas, Weights(talent=0.0, text=1.0, distance=0.0, schedule=0.0, reliability=0.0))
    for doc in offers:
        text_only.upsert(doc)
    p5_text = precision_at_5([[r.offer_id for r in text_only.rank(n.query, 5)] for n in needs], relevant)

    sample = list(range(0, n_needs, max(1, n_needs // baseline_sample)))[:baseline_sample]
    brute = BruteForceRanker(offers, Scorer(areas))
    brute_times, brute_ranked = [], []
    for i in sample:
        t = time.perf_counter()
        result = brute.rank(needs[i].query, 5)
        brute_times.append((time.perf_counter() - t) * 1000)
        brute_ranked.append([offer_id for _, offer_id in result])
    agreement = statistics.fmean(len(set(brute_ranked[j]) & set(ranked[i])) / 5 for j, i in enumerate(sample))

    p99, brute_p99 = percentile(times, 99), percentile(brute_times, 99)
    return {
        "offers": len(offers), "needs": len(needs), "seed": seed,
        "precision_at_5": round(p5, 4),
        "query_p50_ms": round(percentile(times, 50), 3), "query_p99_ms": round(p99, 3),
        "index_build_s": round(build_s, 3),
        "baseline": {
            "text_only_precision_at_5": round(p5_text, 4),
            "precision_gain_over_text_only": round(p5 / p5_text, 3) if p5_text else None,
            "brute_force_sample": len(sample),
            "brute_force_query_p50_ms": round(percentile(brute_times, 50), 3),
            "brute_force_query_p99_ms": round(brute_p99, 3),
            "brute_force_precision_at_5": round(precision_at_5(brute_ranked, [relevant[i] for i in sample]), 4),
            "index_precision_at_5_same_sample": round(precision_at_5([ranked[i] for i in sample],
                                                                     [relevant[i] for i in sample]), 4),
            "top5_agreement_with_brute_force": round(agreement, 4),
            "speedup_p99": round(brute_p99 / p99, 1) if p99 else None,
        },
        "targets": {"precision_at_5": ">= 0.8", "query_p99_ms": "< 50 at 10,000 offers"},
    }


def run_api(areas: dict, offers: list[OfferDoc], needs: list[Need], samples: int) -> dict:
    """The same data behind the real API (uvicorn, SQLite file, no chain needed): GET /needs/{id}/candidates, timed
    end to end over HTTP, one request at a time."""
    import shutil
    import tempfile
    import threading
    from datetime import UTC, datetime, timedelta

    import httpx
    import uvicorn
    from eth_utils import to_checksum_address

    from backend.api.app import create_app
    from backend.services.security import issue_resident_token
    from backend.config import Settings
    from backend.store.models import Area, TalentOffer, VersionCounter
    from backend.store.models import Need as NeedRow
    from backend.store.db import make_engine, make_session_factory, migrate, transaction
    from backend.store.models import Resident
    from backend.store.sealing import new_key_text

    import logging

    logging.getLogger("backend").setLevel(logging.CRITICAL)  # no chain here, on purpose: candidates need none
    workdir = tempfile.mkdtemp(prefix="vb-bench-matching-")
    url = f"sqlite:///{workdir}/bench.db"
    migrate(url)
    sessions = make_session_factory(make_engine(url))
    start = datetime.now(UTC) + timedelta(days=2)
    with transaction(sessions) as s:
        s.add_all([Area(code=c, name=c, lat=lat, lon=lon) for c, (lat, lon) in areas.items()])
        people = [Resident(address=to_checksum_address(f"0x{i + 1:040x}")) for i in range(len(offers) + len(needs))]
        s.add_all(people)
        s.flush()
        s.add_all([TalentOffer(resident_id=people[i].id, title=o.text[:200], description=o.text, skills=[], area=o.area,
                               availability=o.slots, status="active", version=1) for i, o in enumerate(offers)])
        rows = [NeedRow(resident_id=people[len(offers) + j].id, title=n.query.text[:200], area=n.query.area,
                        starts_at=start, ends_at=start + timedelta(hours=2), people_needed=1, settlement="payment",
                        status="open", created_by="bench") for j, n in enumerate(needs[:samples])]
        s.add_all(rows)
        s.get(VersionCounter, "offers").value = 1
        s.flush()
        asked = [(r.id, people[len(offers) + j].address) for j, r in enumerate(rows)]
    settings = Settings(database_url=url, rpc_url="http://127.0.0.1:9", jwt_secret="bench-" + "x" * 40,
                        reports_key=new_key_text())
    app = create_app(settings)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="error"))
    server.install_signal_handlers = lambda: None
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    times = []
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
        for i, (need_id, address) in enumerate(asked):
            token = issue_resident_token(settings.jwt_secret, settings.jwt_issuer, 600, address)
            t = time.perf_counter()
            r = http.get(f"/needs/{need_id}/candidates", params={"limit": 5}, headers={"Authorization": f"Bearer {token}"})
            elapsed = (time.perf_counter() - t) * 1000
            assert r.status_code == 200, r.text
            if i >= 5:  # the first requests wait for the index to fill at start-up
                times.append(elapsed)
    server.should_exit = True
    thread.join(10)
    app.state.engine.dispose()
    shutil.rmtree(workdir, ignore_errors=True)
    return {"api_requests": len(times), "api_query_p50_ms": round(percentile(times, 50), 3),
            "api_query_p99_ms": round(percentile(times, 99), 3)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--offers", type=int, default=10_000)
    parser.add_argument("--needs", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--baseline-sample", type=int, default=50, help="needs the brute-force baseline is timed on")
    parser.add_argument("--api", type=int, default=0, metavar="N",
                        help="also time GET /needs/{id}/candidates over HTTP for N needs (the real app on SQLite)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if args.offers < args.needs * 10:
        parser.error("--offers must be at least 10 × --needs (each need plants 10 offers)")
    result = run(args.offers, args.needs, args.seed, args.baseline_sample)
    if args.api:
        areas, offers, needs, _ = generate(args.offers, args.needs, args.seed)
        api = run_api(areas, offers, needs, min(args.api + 5, args.needs))
        api["api_overhead_p99_ms"] = round(api["api_query_p99_ms"] - result["query_p99_ms"], 3)
        result["api"] = api
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    b = result["baseline"]
    print(f"{result['offers']:,} offers, {result['needs']} needs (seed {result['seed']})")
    print(f"precision@5        index {result['precision_at_5']:.3f}   text only {b['text_only_precision_at_5']:.3f}"
          f"   ×{b['precision_gain_over_text_only']}")
    print(f"ms per query p50   index {result['query_p50_ms']:.2f}   brute force {b['brute_force_query_p50_ms']:.2f}")
    print(f"ms per query p99   index {result['query_p99_ms']:.2f}   brute force {b['brute_force_query_p99_ms']:.2f}"
          f"   ×{b['speedup_p99']} faster")
    print(f"top-5 agreement with brute force {b['top5_agreement_with_brute_force']:.3f} "
          f"(on {b['brute_force_sample']} needs); index built in {result['index_build_s']} s")
    if "api" in result:
        a = result["api"]
        print(f"over HTTP (GET /needs/{{id}}/candidates, {a['api_requests']} needs): p50 {a['api_query_p50_ms']:.2f} ms, "
              f"p99 {a['api_query_p99_ms']:.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
