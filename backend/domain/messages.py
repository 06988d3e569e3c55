"""Error messages in Korean and English, chosen by Accept-Language; the body keeps its shape
{"error": code, "detail": message}. The code never changes with the language, so clients branch on it.

`Refusal(status, code, **params)` is a DomainError whose message comes from the catalogue; older DomainErrors
(with their English message) get the catalogue's Korean sentence for their code when there is one, else stay English.
"""

from __future__ import annotations

from backend.domain.activities import DomainError

LANGUAGES = ("en", "ko")

CATALOGUE: dict[str, dict[str, str]] = {
    # generic, also for the older DomainErrors of the activity workflow (no parameters there)
    "not_found": {"en": "{what} not found", "ko": "{what}을(를) 찾을 수 없습니다"},
    "forbidden": {"en": "{why}", "ko": "권한이 없습니다: {why_ko}"},
    "unauthorized": {"en": "{why}", "ko": "로그인이 필요하거나 인증 정보가 올바르지 않습니다"},
    "invalid_request": {"en": "{why}", "ko": "요청이 올바르지 않습니다: {why_ko}"},
    "chain_unavailable": {"en": "the chain is not reachable; nothing was changed, try again shortly",
                          "ko": "블록체인 노드에 연결할 수 없습니다. 아무것도 바뀌지 않았으니 잠시 후 다시 시도하세요"},
    "invalid_status": {"en": "{why}", "ko": "지금 상태에서는 할 수 없는 요청입니다"},
    "over_centre_cap": {"en": "{why}", "ko": "센터의 이번 기간 발행 한도를 넘습니다"},
    # who may
    "resident_required": {"en": "this is done by a resident signed in with their wallet (GET /siwe/nonce, POST /siwe/verify); you are {who}",
                          "ko": "지갑으로 로그인한 주민만 할 수 있습니다 (GET /siwe/nonce, POST /siwe/verify). 현재: {who}"},
    "staff_required": {"en": "this needs the role {roles}; you are {who}",
                       "ko": "{roles} 역할이 필요합니다. 현재: {who}"},
    # areas and organisations
    "unknown_area": {"en": "area {area!r} is not known: an admin registers it with PUT /areas/{area}",
                     "ko": "'{area}' 지역이 등록되어 있지 않습니다. 관리자가 PUT /areas/{area}로 등록합니다"},
    "unknown_centre": {"en": "centre {centre_id} is not known to this backend",
                       "ko": "{centre_id}번 센터를 찾을 수 없습니다"},
    "no_centre_for_area": {"en": "no centre serves area {area!r} yet: an admin sets a centre's area first",
                           "ko": "'{area}' 지역을 담당하는 센터가 아직 없습니다. 관리자가 먼저 센터의 지역을 정해야 합니다"},
    "not_representative": {"en": "you do not represent organisation {organisation_id}",
                           "ko": "{organisation_id}번 단체의 대표가 아닙니다"},
    # offers, needs, matches
    "invalid_slots": {"en": "{why}", "ko": "가능한 시간이 올바르지 않습니다: 예) mon-morning, sat-evening, weekend"},
    "bad_schedule": {"en": "{why}", "ko": "일정이 올바르지 않습니다: 시작이 끝보다 앞서고, 8시간 이내여야 합니다"},
    "in_past": {"en": "{what} is in the past", "ko": "{what}이(가) 이미 지난 시각입니다"},
    "settlement_needs_centre": {"en": "a need settled as volunteer activity names the centre whose coordinators approve it (centre_id)",
                                "ko": "봉사활동으로 인정받으려면 승인할 센터(centre_id)를 지정해야 합니다"},
    "payment_between_residents": {"en": "payment is for a need between two residents; an organisation's or a project's need is volunteer activity",
                                  "ko": "대가 지급은 주민 사이의 요청에만 쓸 수 있습니다. 단체나 프로젝트의 요청은 봉사활동입니다"},
    "not_owner": {"en": "{what} is not yours", "ko": "본인의 {what_ko}이(가) 아닙니다"},
    "need_not_open": {"en": "need {need_id} is {status}: it takes no more matches",
                      "ko": "{need_id}번 요청은 '{status}' 상태라 더 이상 연결할 수 없습니다"},
    "talent_withdrawn": {"en": "talent {talent_id} is withdrawn", "ko": "{talent_id}번 재능 나눔은 철회되었습니다"},
    "own_talent": {"en": "you cannot be matched with your own need", "ko": "본인의 요청에 본인을 연결할 수 없습니다"},
    "match_exists": {"en": "talent {talent_id} is already matched with need {need_id} (match {match_id})",
                     "ko": "{talent_id}번 재능 나눔은 이미 {need_id}번 요청과 연결되어 있습니다 ({match_id}번)"},
    "not_a_party": {"en": "you are neither side of match {match_id}", "ko": "{match_id}번 연결의 당사자가 아닙니다"},
    "not_beneficiary": {"en": "only the beneficiary of need {need_id} confirms what happened; you are not",
                        "ko": "{need_id}번 요청의 수혜자만 활동을 확인할 수 있습니다"},
    "match_not_proposed": {"en": "match {match_id} is {status}: only a proposed match is accepted or declined",
                           "ko": "{match_id}번 연결은 '{status}' 상태라 수락하거나 거절할 수 없습니다"},
    "already_accepted": {"en": "you have already accepted match {match_id}", "ko": "{match_id}번 연결을 이미 수락했습니다"},
    "match_not_scheduled": {"en": "match {match_id} is {status}: only a scheduled match is confirmed",
                            "ko": "{match_id}번 연결은 '{status}' 상태라 확인할 수 없습니다"},
    "too_early": {"en": "need {need_id} starts at {starts_at}: confirm it after it happened",
                  "ko": "{need_id}번 요청은 {starts_at}에 시작합니다. 활동이 끝난 뒤에 확인하세요"},
    "match_pending": {"en": "need {need_id} has a scheduled match waiting for its beneficiary's confirmation",
                      "ko": "{need_id}번 요청에 수혜자의 확인을 기다리는 활동이 있습니다"},
    "invalid_minutes": {"en": "minutes must be from 1 to {max}", "ko": "시간(분)은 1에서 {max} 사이여야 합니다"},
    # neighbour reports
    "reports_unavailable": {"en": "neighbour reports are switched off: the server has no VB_REPORTS_KEY to seal them",
                            "ko": "이웃 제보 기능이 꺼져 있습니다. 서버에 암호화 키(VB_REPORTS_KEY)가 없습니다"},
    "not_your_area": {"en": "report {report_id} is for another area; only the welfare officers of that area read it",
                      "ko": "{report_id}번 제보는 다른 지역의 것입니다. 해당 지역 복지 담당자만 볼 수 있습니다"},
    "report_unreadable": {"en": "report {report_id} cannot be opened: {why}",
                          "ko": "{report_id}번 제보를 열 수 없습니다 (암호화 키를 확인하세요)"},
    "report_decided": {"en": "report {report_id} is already {status}", "ko": "{report_id}번 제보는 이미 '{status}' 처리되었습니다"},
    # proposals
    "already_supported": {"en": "you already support proposal {proposal_id}", "ko": "{proposal_id}번 제안을 이미 지지했습니다"},
    "own_proposal": {"en": "proposal {proposal_id} is yours: others support it", "ko": "본인의 제안은 지지할 수 없습니다"},
    "proposal_not_open": {"en": "proposal {proposal_id} is {status}", "ko": "{proposal_id}번 제안은 '{status}' 상태입니다"},
}

# Korean names of the things "not_found" and "not_owner" speak of.
THINGS_KO = {"need": "요청", "talent": "재능 나눔", "match": "연결", "report": "제보", "proposal": "제안",
             "organisation": "단체", "area": "지역", "centre": "센터", "resident": "주민", "activity": "활동"}


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


class Refusal(DomainError):
    """A refusal whose message comes from the catalogue, in English here and in Korean on request."""

    def __init__(self, http_status: int, code: str, /, **params):
        self.params = params
        super().__init__(http_status, code, CATALOGUE[code]["en"].format_map(_Blank(params)))


def localized(exc: DomainError, language: str) -> str:
    if language == "en":
        return exc.message
    template = CATALOGUE.get(exc.code, {}).get(language)
    if template is None:
        return exc.message
    params = dict(getattr(exc, "params", {}) or {})
    if "what" in params:
        what = str(params["what"])
        head, _, tail = what.partition(" ")
        params.setdefault("what_ko", THINGS_KO.get(head, what))
        params["what"] = f"{THINGS_KO[head]} {tail}".strip() if head in THINGS_KO else what
    elif exc.code == "not_found":  # an older DomainError: "activity 5 not found"
        head, _, tail = exc.message.removesuffix(" not found").partition(" ")
        params["what"] = f"{THINGS_KO.get(head, head)} {tail}".strip()
    params.setdefault("why_ko", params.get("why", ""))  # the English reason beats none
    text = template.format_map(_Blank(params))
    return text.removesuffix(": ").rstrip()


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
