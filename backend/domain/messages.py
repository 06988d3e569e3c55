"""Error messages in Korean and English, chosen by Accept-Language; the body keeps its shape
{"error": code, "detail": message}. The code never changes with the language, so clients branch on it.

There is one refusal type, `Refusal` (backend/domain/errors.py), and every code has an English and a Korean
sentence in its catalogue. `localized(exc, "ko")` picks the Korean one: from the params when the call site gave
them, else from the English message the call site wrote (matched against the catalogue's English templates, which
recovers the values it names), else the code's Korean sentence without values. Also Korean for pydantic's
validation errors and for the matching engine's explanations (`factor_note`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from string import Formatter

from backend.domain import matching
from backend.domain.errors import CATALOGUE, GENERIC_KO, THINGS_KO, WORDS_KO, Refusal, entry, fields, pick_form

__all__ = ["CATALOGUE", "LANGUAGES", "THINGS_KO", "Refusal", "factor_note", "localized", "pick_language",
           "validation_detail"]

LANGUAGES = ("en", "ko")


def pick_language(accept_language: str | None) -> str:
    """The supported language the client prefers most (q-values honoured); English when none is named."""
    best, best_q = "en", -1.0
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        lang = tag.strip().lower().split("-")[0]
        q = 1.0
        for p in params.split(";"):
            name, _, value = p.strip().partition("=")
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if lang in LANGUAGES and q > best_q:
            best, best_q = lang, q
    return best


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""




# ----------------------------------------------------------------------------------------------- refusals

_PREFIX = r"(?:(?P<_at>[A-Za-z_][\w.]*(?:\[\d+\])*): )?"  # "activities[3]: " put before a message by a batch


@lru_cache(maxsize=1024)
def _pattern(template: str) -> tuple[re.Pattern[str], frozenset[str]]:
    """A regex matching what `template.format(...)` gives, with a group per param (the `!r` ones unquoted later),
    after an optional "path: " prefix."""
    parts, seen, quoted = [_PREFIX], set(), set()
    for literal, name, _spec, conversion in Formatter().parse(template):
        parts.append(re.escape(literal))
        if name is None:
            continue
        if name in seen or not name.isidentifier():
            parts.append(".+?")
        else:
            seen.add(name)
            parts.append(f"(?P<{name}>.+?)")
            if conversion == "r":
                quoted.add(name)
    return re.compile("".join(parts) + r"\Z", re.DOTALL), frozenset(quoted)


def _recover(template: str, text: str) -> dict | None:
    regex, quoted = _pattern(template)
    m = regex.match(text)
    if m is None:
        return None
    found = {k: v for k, v in m.groupdict().items() if v is not None}
    for k in quoted & found.keys():
        v = found[k]
        if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"":
            found[k] = v[1:-1]
    return found


def _korean_form(exc: Refusal, e: dict) -> tuple[str, dict]:
    """The Korean template for the refusal, and the params to fill it with."""
    params = dict(exc.params)
    text = getattr(exc, "given", None)
    if text is None and isinstance(params.get("why"), str):
        text = params["why"]
    if text is not None:
        for en, ko in [*e.get("forms", ()), (e["en"], e["ko"])]:
            found = _recover(en, text)
            if found is not None:
                return ko, {**found, **params}
        return e["ko_plain"], params
    form = pick_form(e, params)
    return (form[1] if form else e["ko_plain"]), params


_COINS = re.compile(r"([\d,.]+) coins?")


def _ko_value(key: str, value: object) -> object:
    if not isinstance(value, str):
        return value
    if key in ("roles", "who"):
        names = [WORDS_KO.get(v.strip(), v.strip()) for v in re.split(r",? or ", value)]
        return " 또는 ".join(names)
    if key in ("status", "current", "new", "role", "kind"):
        return WORDS_KO.get(value, value)
    m = _COINS.fullmatch(value)
    return f"{m.group(1)}코인" if m else value


def _thing_ko(what: str) -> str:
    """ "talent 5" → "5번 재능 나눔"; "ends_at" → "끝나는 시각(ends_at)"; an unknown thing stays as it is."""
    if what in WORDS_KO:
        return WORDS_KO[what]
    for name in sorted(THINGS_KO, key=len, reverse=True):
        if what == name:
            return THINGS_KO[name]
        if what.startswith(name + " "):
            rest = what[len(name) + 1:].strip()
            return f"{rest}번 {THINGS_KO[name]}" if rest.isdigit() else f"{THINGS_KO[name]} {rest}"
    return what


def localized(exc: Refusal, language: str) -> str:
    """The refusal's message in the language ("en" or "ko")."""
    if language != "ko":
        return exc.message
    e = entry(exc.code)
    if e is None:
        return f"{GENERIC_KO.get(exc.status, GENERIC_KO[400])} (오류 코드: {exc.code})"
    template, params = _korean_form(exc, e)
    at = params.pop("_at", None)
    params = {k: _ko_value(k, v) for k, v in params.items()}
    if "what" in params:
        params["what_ko"] = _thing_ko(str(params["what"]))
    if "kind" in params:
        params["kind_ko"] = params["kind"]
    if not fields(template) <= params.keys():
        template = e["ko_plain"]
    text = josa(template.format_map(_Blank(params)))
    return f"{at}: {text}" if at else text


# ----------------------------------------------------------------------------------------------- Korean particles

_PARTICLES = re.compile(r"이\(가\)|은\(는\)|을\(를\)|와\(과\)|\(으\)로")
_DIGIT_BATCHIM = {"0": True, "1": True, "2": False, "3": True, "4": False, "5": False, "6": True, "7": True,
                  "8": True, "9": False}


def _final(text: str) -> tuple[bool, bool] | None:
    """(has a final consonant, that consonant is ㄹ) of the word the text ends with; None when it cannot be told."""
    t = text.rstrip("'\" ")
    while t.endswith(")") and "(" in t:  # "끝나는 시각(ends_at)": the word before the brackets
        t = t[:t.rindex("(")].rstrip()
    if not t:
        return None
    c = t[-1]
    if "가" <= c <= "힣":
        jong = (ord(c) - 0xAC00) % 28
        return jong != 0, jong == 8
    if c.isdigit():
        return _DIGIT_BATCHIM[c], c in "178"
    return None


def josa(text: str) -> str:
    """Resolves the particles written both ways ("이(가)", "은(는)", "을(를)", "와(과)", "(으)로") by the word before."""

    def pick(m: re.Match[str]) -> str:
        final = _final(text[:m.start()])
        if final is None:
            return m.group(0)
        batchim, rieul = final
        p = m.group(0)
        if p == "(으)로":
            return "로" if not batchim or rieul else "으로"
        first, second = {"이(가)": ("이", "가"), "은(는)": ("은", "는"), "을(를)": ("을", "를"),
                         "와(과)": ("과", "와")}[p]
        return first if batchim else second

    return _PARTICLES.sub(pick, text)


# ----------------------------------------------------------------------------------------------- match explanations

NOTES_KO = {
    "talents_none_known": "요청에서 알려진 재능을 찾지 못해 글 내용이 얼마나 비슷한지로 대신합니다",
    "talents_shared": "요청한 재능 {wanted_n}가지 중 {shared_n}가지가 맞습니다: {shared}",
    "talents_missing": "요청한 재능({wanted})이 하나도 없습니다",
    "talents_learned": "이 플랫폼의 재능 글과 매칭 {texts}건에서 배운 뜻이 가깝습니다: {shared}",
    "below_gate": "관련성({relevance})이 기준({gate})보다 낮아 거리·시간·신뢰도는 점수에 넣지 않았습니다",
    "text": "요청 글과 재능 소개에 겹치는 낱말이 얼마나 있는지",
    "distance_unknown": "지역을 알 수 없어 중간값(0.5)으로 계산했습니다",
    "distance_km": "{need_area}와(과) {offer_area} 사이 {km}km",
    "schedule_any": "요청에 정해진 시간이 없습니다",
    "schedule_unknown": "가능한 시간을 밝히지 않아 중간값(0.5)으로 계산했습니다",
    "schedule_slots": "요청 시간대 {wanted_n}개 중 {covered_n}개가 맞습니다: {slots}",
    "reliability": "지난 약속을 얼마나 지켰는지 (완료와 불참 횟수로 계산)",
}
DAYS_KO = dict(zip(matching.DAYS, ("월요일", "화요일", "수요일", "목요일", "금요일", "토요일", "일요일"), strict=True))
PERIODS_KO = dict(zip(matching.PERIODS, ("오전", "오후", "저녁"), strict=True))


def _slot_ko(name: str) -> str:
    day, _, period = name.partition("-")
    return " ".join(x for x in (DAYS_KO.get(day, day), PERIODS_KO.get(period, period)) if x)


def _note_of(factor: matching.Factor | Mapping) -> tuple[str, dict, str]:
    """(note code, params, English note) of a Factor or of a factor stored as a dict ({"note": …, maybe
    "note_code" and "note_params"}); the code is recovered from the English note when it is not there."""
    if isinstance(factor, Mapping):
        note, code, params = factor.get("note", ""), factor.get("note_code", ""), factor.get("note_params") or {}
    else:
        note, code, params = factor.note, factor.note_code, factor.note_params
    params = dict(params)
    if not code:
        for c, en in matching.NOTES_EN.items():
            found = _recover(en, note)
            if found is not None and "_at" not in found:
                code = c
                params = {k: v.split(", ") if k in matching.LIST_PARAMS else v for k, v in found.items()}
                break
    return code, params, note


def factor_note(factor: matching.Factor | Mapping, language: str, area_names: Mapping[str, str] | None = None) -> str:
    """A factor's explanation in the language; `area_names` (code → name) names the areas in Korean when given.
    A note of no known form stays as it is."""
    code, params, note = _note_of(factor)
    if language != "ko" or code not in NOTES_KO:
        return note
    names = area_names or {}
    ko = dict(params)
    for key in ("shared", "wanted") if code.startswith("talents") else ():
        if isinstance(ko.get(key), (list, tuple)):
            ko[key] = ", ".join(matching.TALENTS_KO.get(t, t) for t in ko[key])
    if isinstance(ko.get("slots"), (list, tuple)):
        ko["slots"] = ", ".join(_slot_ko(s) for s in ko["slots"])
    for key in ("need_area", "offer_area"):
        if key in ko:
            ko[key] = names.get(ko[key], ko[key])
    if "km" in ko:
        ko["km"] = f"{float(ko['km']):.1f}"
    template = NOTES_KO[code]
    if not fields(template) <= ko.keys():
        return note
    return josa(template.format(**ko))


# Korean for pydantic's validation errors, by their type.
VALIDATION_KO = {
    "missing": "값이 필요합니다",
    "string_too_short": "{min_length}자 이상이어야 합니다 (공백만으로는 안 됩니다)",
    "string_too_long": "{max_length}자 이하여야 합니다",
    "too_short": "{min_length}개 이상이어야 합니다",
    "too_long": "{max_length}개 이하여야 합니다",
    "extra_forbidden": "알 수 없는 항목입니다",
    "int_type": "정수여야 합니다",
    "string_type": "문자열이어야 합니다",
    "bool_type": "참/거짓 값이어야 합니다",
    "greater_than_equal": "{ge} 이상이어야 합니다",
    "greater_than": "{gt}보다 커야 합니다",
    "less_than_equal": "{le} 이하여야 합니다",
    "less_than": "{lt}보다 작아야 합니다",
    "int_parsing": "정수여야 합니다",
    "string_pattern_mismatch": "형식이 올바르지 않습니다",
    "literal_error": "다음 중 하나여야 합니다: {expected}",
    "timezone_aware": "시간대가 있는 시각이어야 합니다 (예: 2026-11-23T10:00:00+09:00)",
    "datetime_from_date_parsing": "올바른 시각이 아닙니다",
    "json_invalid": "올바른 JSON이 아닙니다",
}


def validation_detail(errors: list[dict], language: str) -> str:
    problems = []
    for e in errors:
        where = ".".join(str(p) for p in e["loc"][1:]) or str(e["loc"][0])
        if language == "ko" and e["type"] in VALIDATION_KO:
            message = VALIDATION_KO[e["type"]].format_map(_Blank({k: v for k, v in (e.get("ctx") or {}).items()}))
        else:
            message = e["msg"]
        problems.append(f"{where}: {message}")
    return "; ".join(problems)
