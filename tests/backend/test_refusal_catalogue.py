"""Every refusal code raised in backend/ and scripts/ has English and Korean, and the Korean is a complete sentence
with or without the values the call sites give; the matching engine's notes in both languages. Pure functions
only: no chain, no app (none of conftest's fixtures)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from backend.domain import errors, messages
from backend.domain.matching import GLOSSARY, TALENTS_KO, Factor, MatchIndex, NeedQuery, OfferDoc, parse_slots
from backend.domain.messages import CATALOGUE, Refusal, factor_note, josa, localized

ROOT = Path(__file__).resolve().parents[2]
CALL = re.compile(r'(Refusal)\(\s*(\d{3}),\s*"([a-z_]+)"')
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def _call_sites() -> list[tuple[str, int, str, str]]:
    """(where, status, code, the call's text after the code) of every call with a literal status and code."""
    sites = []
    for path in sorted([*(ROOT / "backend").rglob("*.py"), *(ROOT / "scripts").rglob("*.py")]):
        text = path.read_text()
        for m in CALL.finditer(text):
            i, depth = m.end(), 1
            while depth:
                depth += {"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1}.get(text[i], 0)
                i += 1
            where = f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, m.start()) + 1}"
            sites.append((where, int(m.group(2)), m.group(3), text[m.end():i - 1]))
    return sites


SITES = _call_sites()
CODES = sorted({code for _, _, code, _ in SITES})


def _params_of(rest: str) -> dict:
    """The keyword arguments a call site passes, each with a stand-in value."""
    names = re.findall(r"(?:^|,)\s*([a-z_]+)=(?!=)", re.sub(r'f?"(?:[^"\\]|\\.)*"', '""', rest))
    return {n: 7 for n in names}


def _message_of(rest: str) -> str | None:
    """The positional English message of a call site, its f-string fields replaced by 7; None when it has none or
    it is not a (concatenation of) string literal(s)."""
    m = re.match(r'\s*,\s*((?:f?"(?:[^"\\]|\\.)*"\s*)+)(?:,|$)', rest)
    if m is None:
        return None
    parts = re.findall(r'(f?)"((?:[^"\\]|\\.)*)"', m.group(1))
    text = "".join(re.sub(r"\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\}", "7", s) if f else s for f, s in parts)
    return text.encode().decode("unicode_escape") if "\\" in text else text


def _check_korean(text: str, context) -> None:
    assert "{" not in text and "}" not in text, context
    assert not text.rstrip().endswith(":"), context
    assert HANGUL.search(text), context


def test_the_scan_finds_the_call_sites():
    assert len(SITES) > 150 and len(CODES) > 100
    assert {"not_found", "need_not_open", "no_change", "invalid_units", "siwe_wrong_domain"} <= set(CODES)


@pytest.mark.parametrize("code", CODES)
def test_every_code_has_english_and_korean(code):
    entry = CATALOGUE.get(code)
    assert entry is not None, f"{code} has no catalogue entry"
    assert entry["en"] and HANGUL.search(entry["ko"]), code
    assert not errors.fields(entry["en_plain"]) and not errors.fields(entry["ko_plain"]), code
    for en, ko in entry.get("forms", ()):
        assert en and HANGUL.search(ko) and errors.fields(ko) <= errors.fields(en) | {"what_ko", "kind_ko"}, (code, en)


@pytest.mark.parametrize("where,status,code,rest", SITES, ids=[s[0] for s in SITES])
def test_korean_is_complete_with_and_without_the_call_sites_values(where, status, code, rest):
    bare = Refusal(status, code)
    assert bare.message and "{" not in bare.message, where
    _check_korean(localized(bare, "ko"), (where, "no params"))
    params = _params_of(rest)
    if params:
        exc = Refusal(status, code, **params)
        assert "{" not in exc.message, where
        _check_korean(localized(exc, "ko"), (where, params))
    message = _message_of(rest)
    if message is not None:
        exc = Refusal(status, code, message, **params)
        assert exc.message == message
        ko = localized(exc, "ko")
        _check_korean(ko, (where, message))
        # the English of the call site is recognised: its Korean is the specific sentence, not the code's plain one
        entry = CATALOGUE[code]
        if entry.get("forms") or errors.fields(entry["en"]):
            template, _ = messages._korean_form(exc, entry)
            assert template != entry["ko_plain"] or template == entry["ko"], (where, message, ko)


def test_both_call_styles_give_english_and_korean():
    exc = Refusal(409, "x", "english")
    assert (exc.status, exc.code, exc.message, exc.params) == (409, "x", "english", {})
    assert HANGUL.search(localized(exc, "ko")) and "x" in localized(exc, "ko") and localized(exc, "en") == "english"
    exc = Refusal(409, "need_not_open", need_id=1, status="filled")
    assert exc.message == "need 1 is filled: it takes no more matches"
    assert localized(exc, "ko") == "1번 요청은 '마감' 상태라 더 이상 연결할 수 없습니다"
    assert isinstance(Refusal(404, "not_found", what="need 5"), Refusal)
    assert localized(Refusal(404, "not_found", what="need 999999"), "ko") == "999999번 요청을 찾을 수 없습니다"


def test_an_english_message_gives_specific_korean():
    cases = {
        Refusal(409, "no_change", "0xAb is already a coordinator of centre 2"): "0xAb은(는) 이미 2번 센터의 코디네이터입니다",
        Refusal(404, "unknown_offer", "offer 12 does not exist"): "12번 상품은 없습니다",
        Refusal(422, "invalid_units", "activities[3]: units must be from 1 to 480 for category 1, got 500"):
            "activities[3]: 1번 분류의 단위 수는 1에서 480 사이여야 합니다 (입력: 500)",
        Refusal(422, "zero_amount", "donate more than 0"): "기부 금액은 0보다 커야 합니다",
        Refusal(422, "zero_amount", "something new"): "금액은 0보다 커야 합니다",  # not recognised: the plain one
        Refusal(422, "bad_schedule", why="a need lasts at most 8 hours; split longer work"):
            "요청 하나는 최대 8시간까지입니다. 더 긴 일은 나누어 등록하세요",
        Refusal(422, "in_past", what="ends_at"): "끝나는 시각(ends_at)이 이미 지났습니다",
        Refusal(403, "staff_required", roles="admin or coordinator", who="provider"): "관리자 또는 코디네이터 역할이 필요합니다. 현재: 제공처",
    }
    for exc, korean in cases.items():
        assert localized(exc, "ko") == korean, exc.message


def test_particles_follow_the_word_before():
    assert josa("요청을(를) 제보을(를) 센터이(가) 서울은(는) 3번(으)로 1(으)로 2와(과)") == "요청을 제보를 센터가 서울은 3번으로 1로 2와"
    assert josa("끝나는 시각(ends_at)이(가)") == "끝나는 시각(ends_at)이" and josa("0xAb이(가)") == "0xAb이(가)"


AREAS = {"banpo1": (37.5045, 127.0050), "banpo2": (37.5080, 126.9960), "sanggye1": (37.6690, 127.0570)}


def test_factor_notes_in_both_languages():
    assert set(TALENTS_KO) == set(GLOSSARY)
    index = MatchIndex(AREAS)
    index.upsert(OfferDoc(1, "반찬 만들기 요리 봉사", "sanggye1", parse_slots(["sat-morning", "sun"]), 0.9, "a"))
    index.upsert(OfferDoc(2, "집수리 도와드려요 요리는 못해요", None, 0, 0.5, "b"))
    need = NeedQuery("도시락 반찬 요리와 집수리 도와주세요", "banpo1", parse_slots(["sat", "mon-evening"]))
    ranked = {r.offer_id: r for r in index.rank(need)}
    assert set(ranked) == {1, 2}
    for r in ranked.values():
        for name, f in r.factors.items():
            en, ko = factor_note(f, "en"), factor_note(f, "ko")
            assert en == f.note and f.note_code, (name, en)
            _check_korean(ko, (name, ko))
            assert not re.search(r"\b(of|the|between|slots|talents|need)\b", ko), ko
    one = ranked[1].factors
    assert one["talent"].note == "1 of the need's 2 talents: cooking"
    assert factor_note(one["talent"], "ko") == "요청한 재능 2가지 중 1가지가 맞습니다: 요리"
    assert re.fullmatch(r"\d+\.\d km between banpo1 and sanggye1", one["distance"].note)
    assert re.fullmatch(r"반포1동과 상계1동 사이 \d+\.\dkm",
                        factor_note(one["distance"], "ko", {"banpo1": "반포1동", "sanggye1": "상계1동"}))
    assert one["schedule"].note == "1 of 4 slots: sat-morning"
    assert factor_note(one["schedule"], "ko") == "요청 시간대 4개 중 1개가 맞습니다: 토요일 오전"
    two = ranked[2].factors
    assert factor_note(two["distance"], "ko") == "지역을 알 수 없어 중간값(0.5)으로 계산했습니다"
    assert factor_note(two["schedule"], "ko") == "가능한 시간을 밝히지 않아 중간값(0.5)으로 계산했습니다"
    # a factor stored as JSON with its English note only (matches proposed before notes had codes)
    stored = {"value": 0.0, "weight": 0.35, "contribution": 0.0, "note": "none of the need's talents (cooking, repair)"}
    assert factor_note(stored, "ko") == "요청한 재능(요리, 집수리)이 하나도 없습니다"
    assert factor_note(Factor(0.5, 0.1, 0.05, "something else"), "ko") == "something else"
    # the score is still the sum of the contributions
    for r in ranked.values():
        assert sum(f.contribution for f in r.factors.values()) == pytest.approx(r.score, abs=1e-6)


HELPERS = {"bad": (422, "invalid_siwe_message"), "unauthorized": (401, "unauthorized"), "_in_future": (422, "in_future")}


def _helper_sites() -> list[tuple[str, str, str]]:
    """(where, helper, message) of the helpers that raise a code with an English message (siwe.bad, deps.unauthorized)."""
    sites = []
    for path in sorted((ROOT / "backend").rglob("*.py")):
        text = path.read_text()
        for m in re.finditer(r"\b(bad|unauthorized)\(((?:f?\"(?:[^\"\\]|\\.)*\"\s*)+)\)", text):
            message = _message_of(", " + m.group(2))
            if message is not None:
                sites.append((f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, m.start()) + 1}", m.group(1), message))
    return sites


@pytest.mark.parametrize("where,helper,message", _helper_sites(), ids=lambda v: str(v)[:40])
def test_the_helpers_english_gives_specific_korean(where, helper, message):
    status, code = HELPERS[helper]
    exc = Refusal(status, code, message)
    template, _ = messages._korean_form(exc, CATALOGUE[code])
    assert template != CATALOGUE[code]["ko_plain"], (where, message)
    _check_korean(localized(exc, "ko"), (where, message))


def test_not_found_names_the_thing_in_korean():
    for what, korean in {"talent 3": "3번 재능 나눔을", "organisation 4": "4번 단체를", "staff account 5": "5번 직원 계정을",
                         "operation 6": "6번 작업을", "voucher 7": "7번 이용권을", "report 8": "8번 제보를"}.items():
        assert localized(Refusal(404, "not_found", what=what), "ko") == f"{korean} 찾을 수 없습니다"
