"""The one refusal type of the backend, and the catalogue of its codes in English and Korean.

`Refusal(status, code, message=None, /, **params)`: `status` is the HTTP status the API answers with, `code` the
stable error code clients branch on, `message` the English sentence (else the catalogue's English template filled
with `params`). Both call styles work:

    Refusal(409, "no_change", f"{who} is already a coordinator of centre {centre_id}")   # English given
    Refusal(409, "need_not_open", need_id=3, status="filled")                             # from the catalogue

Each catalogue entry has `en` and `ko` templates (they may use the params), `en_plain` and `ko_plain` (complete
sentences without any param, used when the params a template needs are not there) and `forms`: further (en, ko)
pairs for the other sentences raised under the same code. A given English message is matched against the English
templates (forms first, then `en`) to recover the params and pick the Korean sentence: see messages.localized.

No imports from other backend modules: everything else imports this.
"""

from __future__ import annotations

from string import Formatter


class Refusal(Exception):
    """A request the rules refuse; `status` is the HTTP status the API answers with."""

    def __init__(self, status: int, code: str, message: str | None = None, /, **params):
        self.status, self.code, self.params = status, code, params
        self.given = message  # the English sentence of the call site, when it gave one
        self.message = message if message is not None else english(code, params)
        super().__init__(self.message)

    def __repr__(self) -> str:
        return f"Refusal({self.status}, {self.code!r}, {self.message!r})"


def fields(template: str) -> set[str]:
    """The names of the params a template uses."""
    return {name.split(".")[0].split("[")[0] for _, name, _, _ in Formatter().parse(template) if name}


def entry(code: str) -> dict | None:
    return CATALOGUE.get(code)


def pick_form(e: dict, params: dict) -> tuple[str, str] | None:
    """The (en, ko) pair the params fill best: the one using the most params, all given (none: no pair uses any)."""
    best, best_n = None, 0
    for en, ko in [(e["en"], e["ko"]), *e.get("forms", ())]:
        need = fields(en)
        if need and need <= params.keys() and len(need) > best_n:
            best, best_n = (en, ko), len(need)
    return best


def english(code: str, params: dict) -> str:
    """The English message of a refusal raised with params only."""
    e = entry(code)
    if e is None:
        return str(params.get("why") or code.replace("_", " "))
    form = pick_form(e, params)
    if form is None:
        return e.get("en_plain", e["en"])
    return form[0].format(**params)


def _e(en: str, ko: str, en_plain: str | None = None, ko_plain: str | None = None,
       forms: list[tuple[str, str]] | None = None) -> dict:
    d = {"en": en, "ko": ko, "en_plain": en_plain or en, "ko_plain": ko_plain or ko}
    if forms:
        d["forms"] = forms
    return d


# Korean names of the things "not_found" and "not_owner" speak of (longest first when matched).
THINGS_KO = {"need": "요청", "talent": "재능 나눔", "match": "연결", "report": "제보", "proposal": "제안",
             "organisation": "단체", "area": "지역", "centre": "센터", "resident": "주민", "activity": "활동",
             "offer": "상품", "voucher": "이용권", "sheet line": "출석부 줄", "sheet": "출석부", "operation": "작업", "staff account": "직원 계정", "API key": "API 키",
             "programme": "프로그램", "export": "내보내기", "guardian": "보호자", "kiosk": "키오스크",
             "comment": "댓글"}

# Korean for the statuses, roles and fields the messages name (an unknown one stays as it is: it is an identifier).
WORDS_KO = {
    # activities
    "pending_review": "검토 대기", "recorded": "기록됨", "approved": "승인됨", "submitted": "전송됨",
    "failed": "실패", "confirmed": "확정됨", "revoking": "취소 처리 중", "revoked": "취소됨", "rejected": "반려됨",
    # needs, matches, reports, proposals
    "open": "모집 중", "filled": "마감", "done": "완료", "closed": "종료", "proposed": "제안됨",
    "scheduled": "일정 확정", "completed": "완료", "no_show": "불참", "declined": "거절됨", "cancelled": "취소됨",
    "new": "접수", "in_review": "검토 중", "dismissed": "종결", "project": "프로젝트로 진행",
    "active": "활성", "withdrawn": "철회됨",
    # roles
    "admin": "관리자", "coordinator": "코디네이터", "welfare_officer": "복지 담당자", "provider": "제공처",
    "charity": "기부처", "a resident": "주민", "resident": "주민", "anonymous": "로그인하지 않은 사용자",
    # fields
    "ends_at": "끝나는 시각(ends_at)", "starts_at": "시작 시각(starts_at)", "occurred_at": "활동 시각(occurred_at)",
}

# Codes in alphabetical order.
CATALOGUE: dict[str, dict] = {
    "address_cannot_be_removed": _e("a linked wallet address can be changed, not removed",
                                    "연결된 지갑 주소는 바꿀 수는 있지만 지울 수는 없습니다"),
    "address_required": _e("a provider needs its address", "제공처는 지갑 주소(address)를 함께 입력해야 합니다"),
    "address_taken": _e("{address} is the wallet of another resident", "{address}은(는) 다른 주민의 지갑 주소입니다",
                        "the wallet address is another resident's", "다른 주민의 지갑 주소입니다"),
    "already_accepted": _e("you have already accepted match {match_id}", "{match_id}번 연결을 이미 수락했습니다",
                           "you have already accepted this match", "이 연결을 이미 수락했습니다"),
    "already_erased": _e("the link of activity {activity_id} is already erased",
                         "{activity_id}번 활동과 개인을 잇는 정보는 이미 삭제되었습니다",
                         "the link of this activity is already erased", "이 활동과 개인을 잇는 정보는 이미 삭제되었습니다"),
    "already_recorded_that_day": _e(
        "an activity of category {category} is already recorded for this resident on {day}",
        "이 주민은 {day}에 {category}번 분류 활동이 이미 기록되어 있습니다",
        "an activity of this category is already recorded for this resident that day",
        "이 주민은 그날 같은 분류의 활동이 이미 기록되어 있습니다"),
    "already_revoked": _e("activity {activity_id} is already {status}", "{activity_id}번 활동은 이미 '{status}' 상태입니다",
                          "the activity is already revoked", "이 활동은 이미 취소되었습니다"),
    "already_supported": _e("you already support proposal {proposal_id}", "{proposal_id}번 제안을 이미 지지했습니다",
                            "you already support this proposal", "이 제안을 이미 지지했습니다"),
    "ambiguous_resident": _e("several residents of this centre have {identifier}; name them by member number",
                             "이 센터에 {identifier}에 해당하는 주민이 여러 명입니다. 회원번호로 적어 주세요",
                             "several residents of this centre match; name them by member number",
                             "이 센터에 해당하는 주민이 여러 명입니다. 회원번호로 적어 주세요"),
    "api_key_expired": _e("this API key has expired; create a new one (POST /auth/api-keys)",
                          "이 API 키는 유효 기간이 지났습니다. 새 키를 만드세요 (POST /auth/api-keys)"),
    "api_key_lifetime_too_long": _e("an API key lives 1 to {max_days} days: give days within that",
                                    "API 키의 유효 기간은 1일에서 {max_days}일 사이입니다. 그 안에서 days를 정하세요",
                                    "an API key's lifetime (days) is out of bounds",
                                    "API 키의 유효 기간(days)이 허용 범위를 벗어났습니다"),
    "api_key_password_changed": _e("the password of this API key's account has changed since it was made; create a "
                                   "new key (POST /auth/api-keys)",
                                   "이 API 키를 만든 뒤 계정의 비밀번호가 바뀌었습니다. 새 키를 만드세요 "
                                   "(POST /auth/api-keys)"),
    "api_key_read_only": _e("this API key may only read (GET): {method} needs a key of scope write",
                            "이 API 키는 읽기(GET)만 할 수 있습니다. {method} 요청에는 쓰기(write) 범위의 키가 필요합니다",
                            "this API key may only read (GET): this request needs a key of scope write",
                            "이 API 키는 읽기(GET)만 할 수 있습니다. 이 요청에는 쓰기(write) 범위의 키가 필요합니다"),
    "bad_schedule": _e("{why}", "일정이 올바르지 않습니다. 끝나는 시각은 시작 시각보다 뒤여야 하고, 최대 시간을 넘을 수 없습니다",
                       "the schedule is not valid", forms=[
                           ("ends_at must be after starts_at", "끝나는 시각(ends_at)은 시작 시각(starts_at)보다 뒤여야 합니다"),
                           ("a need lasts at most {hours} hours; split longer work",
                            "요청 하나는 최대 {hours}시간까지입니다. 더 긴 일은 나누어 등록하세요")]),
    "bad_units": _e("{units!r} is not a whole number of units", "'{units}'은(는) 올바른 단위 수(자연수)가 아닙니다",
                    "the units are missing or not a whole number", "단위 수가 비어 있거나 자연수가 아닙니다"),
    "cannot_disable_self": _e("an admin cannot disable their own account or change its role",
                              "관리자는 자신의 계정을 비활성화하거나 역할을 바꿀 수 없습니다"),
    "capacity_below_sold": _e("{sold} vouchers are already sold; capacity cannot be less",
                              "이미 {sold}장이 판매되었습니다. 수량을 그보다 적게 줄일 수 없습니다",
                              "capacity cannot be less than the vouchers already sold",
                              "이미 판매된 이용권보다 수량을 적게 줄일 수 없습니다"),
    "category_inactive": _e("category {category} is switched off", "{category}번 분류는 현재 사용이 중지되어 있습니다",
                            "this category is switched off", "이 분류는 현재 사용이 중지되어 있습니다"),
    "centre_exists": _e("a centre with key {key!r} exists", "'{key}' 키를 쓰는 센터가 이미 있습니다",
                        "a centre with this key exists", "같은 키를 쓰는 센터가 이미 있습니다"),
    "centre_required": _e("a {role} belongs to a centre: give centre_id", "{role}은(는) 센터에 속해야 합니다. centre_id를 입력하세요",
                          "this role belongs to a centre: give centre_id",
                          "이 역할은 센터에 속해야 합니다. centre_id를 입력하세요", forms=[
        ("the 1365 hours are a centre's: give centre_id", "1365 실적은 센터별로 다룹니다. centre_id를 입력하세요")]),
    "certificate_too_large": _e("{count} activities are more than one certificate's QR code holds (about {fits}); choose a shorter period",
                                "활동 {count}건은 확인서 한 장의 QR 코드에 다 담을 수 없습니다(약 {fits}건까지). 기간을 더 짧게 고르세요",
                                "too many activities for one certificate; choose a shorter period",
                                "확인서 한 장에 담기에는 활동이 너무 많습니다. 기간을 더 짧게 고르세요"),
    "chain_unavailable": _e("the chain is not reachable; nothing was changed, try again shortly",
                            "블록체인 노드에 연결할 수 없습니다. 아무것도 바뀌지 않았으니 잠시 후 다시 시도하세요"),
    "coin_paused": _e("the city has paused the coin; nothing can be spent until it resumes",
                      "시에서 코인 사용을 일시 중지했습니다. 다시 열릴 때까지 쓸 수 없습니다"),
    "conflict": _e("the request collided with another; retry it", "다른 요청과 동시에 처리되어 충돌했습니다. 다시 시도하세요"),
    "conflicting_filters": _e("give either month or from/to, not both",
                              "month 또는 from/to 중 하나만 입력하세요. 둘을 함께 쓸 수 없습니다"),
    "consent_in_future": _e("consent_at is in the future", "동의 시각(consent_at)이 미래입니다"),
    "consent_required": _e("record the resident's consent to the terms: give consent_terms_version (and consent_at)",
                           "주민의 약관 동의를 기록해야 합니다. 동의한 약관 버전(consent_terms_version)과 동의 시각(consent_at)을 입력하세요"),
    "deadline_too_far": _e("a signed request may be valid at most {seconds} s",
                           "서명한 요청의 유효 시간은 최대 {seconds}초입니다",
                           "the signed request's deadline is too far away", "서명한 요청의 유효 기한이 너무 깁니다"),
    "duplicate": _e("{why}", "중복된 줄입니다", "this line is a duplicate", forms=[
        ("the same resident as line {line}", "{line}번째 줄과 같은 주민입니다"),
        ("already recorded for this category on {day}", "{day}에 같은 분류의 활동이 이미 기록되어 있습니다")]),
    "export_too_large": _e("{why}", "내보낼 자료가 너무 많습니다", "the export is too large", forms=[
        ("centre {centre_id}'s data is more than {max} rows: export it with scripts or a database copy",
         "{centre_id}번 센터의 자료가 {max}줄을 넘습니다. 스크립트나 데이터베이스 사본으로 내보내세요"),
        ("the settlements are more than {max} rows: give a shorter period (from, to)",
         "정산 내역이 {max}줄을 넘습니다. 기간(from, to)을 더 짧게 정하세요")]),
    "forbidden": _e("{why}", "권한이 없습니다", "you may not do this", forms=[
        ("this needs the role {roles}; you are {who}", "{roles} 역할이 필요합니다. 현재 역할: {who}"),
        ("you act for centre {own_centre}, not centre {centre_id}",
         "{own_centre}번 센터 소속이므로 {centre_id}번 센터의 일은 할 수 없습니다"),
        ("sign in with a password to create API keys", "API 키는 비밀번호로 로그인한 뒤에 만들 수 있습니다"),
        ("sign in with a password to change it", "비밀번호는 비밀번호로 로그인한 뒤에 바꿀 수 있습니다"),
        ("this is for residents: sign in with your wallet (GET /siwe/nonce, POST /siwe/verify)",
         "주민만 이용할 수 있습니다. 지갑으로 로그인하세요 (GET /siwe/nonce, POST /siwe/verify)")]),
    "gas_budget_exhausted": _e(
        "centre {centre}'s budget for its residents' gas fees today ({budget} ETH) is used up ({used} ETH); try again "
        "after 00:00 UTC",
        "{centre}번 센터가 오늘 주민 요청의 수수료(가스)로 낼 수 있는 예산({budget} ETH)을 모두 썼습니다 ({used} ETH). "
        "오전 9시(한국 시간) 이후에 다시 시도하세요",
        "the centre's gas budget for today is used up; try again after 00:00 UTC",
        "센터의 오늘 수수료(가스) 예산을 모두 썼습니다. 오전 9시(한국 시간) 이후에 다시 시도하세요"),
    "idempotency_key_reused": _e("this Idempotency-Key was used with another request; use a new key for a new request",
                                 "이 Idempotency-Key는 다른 요청에 이미 쓰였습니다. 새 요청에는 새 키를 쓰세요"),
    "in_flight": _e("activity {activity_id} is {status}; erase its link once the chain has settled it",
                    "{activity_id}번 활동은 '{status}' 상태입니다. 블록체인 처리가 끝난 뒤에 연결 정보를 삭제하세요",
                    "the activity is still being written to the chain; erase its link once it has settled",
                    "활동이 아직 블록체인에 기록되는 중입니다. 처리가 끝난 뒤에 연결 정보를 삭제하세요"),
    "in_future": _e("occurred_at is in the future; record an activity after it happened",
                    "활동 시각(occurred_at)이 미래입니다. 활동이 끝난 뒤에 기록하세요",
                    forms=[("occurred_at is in the future", "활동 시각(occurred_at)이 미래입니다. 활동이 끝난 뒤에 기록하세요"),
                           ("the day {day} is yet to come", "{day}은(는) 아직 오지 않은 날입니다")]),
    "in_past": _e("{what} is in the past", "{what_ko}이(가) 이미 지났습니다", "the time is in the past",
                  "이미 지난 시각입니다"),
    "index_incomplete": _e("{why}", "기록된 이벤트를 아직 집계할 수 없습니다. 새 버전의 작업자(worker)가 시작되면 블록 시각이 채워집니다",
                           "the indexed events cannot be counted yet"),
    "indexer_behind": _e("events are indexed up to block {height}, the period ends at block {to_block}; try again in a moment",
                         "이벤트가 {height}번 블록까지만 반영되었고, 기간은 {to_block}번 블록에서 끝납니다. 잠시 후 다시 시도하세요",
                         "the events of the period are not all indexed yet; try again in a moment",
                         "기간 안의 이벤트가 아직 모두 반영되지 않았습니다. 잠시 후 다시 시도하세요"),
    "coins_locked": _e("{why}", "최근 활동으로 받은 코인은 아직 쓸 수 없습니다",
                       "some of the coins are still locked", "최근 활동으로 받은 코인은 확인 기간이 끝난 뒤에 쓸 수 있습니다", forms=[
                           ("this needs {needed} coins, {available} can be used now ({missing} more): coins of recent "
                            "activity can be used once it can no longer be revoked",
                            "{needed}코인이 필요하지만 지금 쓸 수 있는 코인은 {available}코인입니다 ({missing}코인 부족). 최근 "
                            "활동으로 받은 코인은 확인 기간이 끝난 뒤에 쓸 수 있습니다")]),
    "insufficient_balance": _e("{why}", "잔액이 부족합니다", "the balance is too low", forms=[
        ("you hold {available} base units not yet settled", "아직 정산되지 않은 잔액은 {available} 기본 단위입니다"),
        ("this needs {needed} coins, you have {available} available ({missing} more needed)",
         "잔액이 부족합니다: {needed}코인이 필요하지만 쓸 수 있는 코인은 {available}코인입니다. {missing}코인이 더 필요해요")]),
    "invalid_address": _e("{field}: {value!r} is not an address (0x and 40 hex digits)",
                          "{field}: '{value}'은(는) 올바른 주소가 아닙니다 (0x와 16진수 40자리)",
                          "the address is not valid", "주소가 올바르지 않습니다 (0x와 16진수 40자리)", forms=[
                              ("{field}: {value!r} has a wrong checksum",
                               "{field}: '{value}'의 대소문자 검사값(체크섬)이 맞지 않습니다. 주소를 다시 복사해 넣으세요"),
                              ("{field}: the zero address cannot hold coins", "{field}: 0 주소로는 코인을 받을 수 없습니다")]),
    "invalid_cap": _e("a cap is more than 0 and at most {max} base units", "한도는 0보다 크고 {max} 기본 단위 이하여야 합니다",
                      "the cap is out of range", "한도가 허용 범위를 벗어났습니다"),
    "invalid_category": _e("a category is 1–65535", "분류 번호는 1에서 65535 사이여야 합니다"),
    "invalid_centre": _e("centre: {centre!r} is not a centre id (1, 2, …)",
                         "centre: '{centre}'은(는) 센터 번호가 아닙니다 (1, 2, … 처럼 입력하세요)",
                         "centre is not a centre id (1, 2, …)", "센터 번호가 올바르지 않습니다 (1, 2, … 처럼 입력하세요)"),
    "invalid_filter": _e("{why}", "검색 조건이 올바르지 않습니다", "a filter is not valid", forms=[
        ("action: {action!r} is not an action of the audit log; the actions are {listing}",
         "action: 감사 기록에는 '{action}' 작업이 없습니다. 가능한 작업: {listing}"),
        ("actor: {actor!r} is not a staff account", "actor: 그런 직원 계정이 없습니다 ('{actor}')"),
        ("centre_id: {centre_id} is not a centre", "centre_id: {centre_id}번 센터는 없습니다"),
        ("since must be before until", "시작(since)은 끝(until)보다 앞이어야 합니다"),
        ("limit must be from 1 to {max}", "limit은 1에서 {max} 사이여야 합니다")]),
    "invalid_idempotency_key": _e("Idempotency-Key must be 1 to {max} characters",
                                  "Idempotency-Key는 1자에서 {max}자 사이여야 합니다",
                                  "the Idempotency-Key is too long or empty", "Idempotency-Key가 비어 있거나 너무 깁니다"),
    "invalid_minutes": _e("minutes must be from 1 to {max}", "시간(분)은 1에서 {max} 사이여야 합니다",
                          "minutes are out of range", "시간(분)이 허용 범위를 벗어났습니다"),
    "invalid_month": _e("{name}: {value!r} is not a month; write it as YYYY-MM, e.g. 2026-03",
                        "{name}: '{value}'은(는) 올바른 월이 아닙니다. 2026-03처럼 YYYY-MM 형식으로 입력하세요",
                        "a month is written as YYYY-MM, e.g. 2026-03", "월은 2026-03처럼 YYYY-MM 형식으로 입력하세요"),
    "invalid_payee": _e("you cannot pay yourself", "자기 자신에게는 지급할 수 없습니다"),
    "invalid_period": _e("end must be after start", "끝(end)은 시작(start)보다 뒤여야 합니다", forms=[
        ("from {start} is after to {end}", "시작일(from) {start}이(가) 끝일(to) {end}보다 뒤입니다"),
        ("a period is at most {days} days", "기간은 {days}일까지입니다"),
        ("month {month} is not YYYY-MM", "{month}은(는) YYYY-MM 형식의 달이 아닙니다"),
        ("month {month} has not begun", "{month}은(는) 아직 시작되지 않은 달입니다")]),
    "invalid_price": _e("a price is more than 0 and at most {max} base units", "가격은 0보다 크고 {max} 기본 단위 이하여야 합니다",
                        "the price is out of range", "가격이 허용 범위를 벗어났습니다"),
    "invalid_range": _e("from {from_month} is after to {to_month}",
                        "시작 월(from) {from_month}이(가) 끝 월(to) {to_month}보다 뒤입니다",
                        "from is after to", "시작 월(from)이 끝 월(to)보다 뒤입니다"),
    "invalid_request": _e("{why}", "요청 내용이 올바르지 않습니다. 입력한 값을 확인하세요", "the request is not valid", forms=[
        ("give at least one field to change", "바꿀 항목을 하나 이상 입력하세요"),
        ("q: say what you are looking for", "q: 무엇을 찾는지 입력하세요"),
        ("offer_id is required to redeem", "이용권을 사용하려면 offer_id가 필요합니다"),
        ("charity and amount are required to donate", "기부하려면 기부처(charity)와 금액(amount)이 필요합니다"),
        ("payee and amount are required to pay", "지급하려면 받는 사람(payee)과 금액(amount)이 필요합니다"),
        ("dry_run is true or false", "dry_run은 true 또는 false입니다"),
        ("centre_id is a centre's number", "centre_id는 센터 번호입니다")]),
    "invalid_rule": _e("{why}", "분류 규칙이 올바르지 않습니다", "the rule is not valid", forms=[
        ("coins_per_block does not fit 96 bits", "coins_per_block 값이 너무 큽니다 (96비트 이내)"),
        ("an active rule gives more than 0 coins (set active: false to switch off)",
         "사용 중인 규칙은 0보다 많은 코인을 주어야 합니다 (중지하려면 active: false로 설정하세요)"),
        ("one activity could earn {max_reward} base units under this rule, above the bound fixed at deployment "
         "({bound} per activity)",
         "이 규칙으로는 활동 하나가 {max_reward} 기본 단위까지 받을 수 있어, 배포 때 정한 활동당 상한({bound} 기본 단위)을 "
         "넘습니다")]),
    "invalid_signature": _e("{why}", "서명이 올바르지 않습니다", "the signature is not valid", forms=[
        ("the signature is not hex", "서명이 16진수 형식이 아닙니다"),
        ("a signature is 65 bytes, not {length}", "서명은 65바이트여야 하는데 {length}바이트입니다"),
        ("the signature's s is in the upper half (malleable)", "변조 가능한 형태의 서명입니다 (s 값이 상위 절반)"),
        ("the signature cannot be recovered: {error}", "서명에서 서명자를 확인할 수 없습니다")]),
    "invalid_siwe_message": _e("{why}", "로그인 메시지(SIWE) 형식이 올바르지 않습니다", "the sign-in message is malformed", forms=[
        ("{name}: {value!r} is not an RFC 3339 date-time", "{name}: '{value}'은(는) RFC 3339 날짜·시각이 아닙니다"),
        ("{name}: {value!r} has no time zone", "{name}: '{value}'에 시간대가 없습니다"),
        ("the first line must be '<domain>{header}'",
         "로그인 메시지의 첫 줄 형식이 올바르지 않습니다"),
        ("the domain is missing or malformed", "로그인 메시지의 도메인이 없거나 올바르지 않습니다"),
        ("the address {address!r} is not an EIP-55 checksummed address",
         "'{address}'은(는) EIP-55 형식(대소문자 검사값)의 주소가 아닙니다"),
        ("a blank line must follow the address", "주소 다음에 빈 줄이 있어야 합니다"),
        ("a blank line must precede 'URI:'", "'URI:' 앞에 빈 줄이 있어야 합니다"),
        ("each resource must be a line '- <URI>'", "각 리소스는 '- <URI>' 형식의 한 줄이어야 합니다"),
        ("unexpected line {line!r}", "알 수 없는 줄이 있습니다: '{line}'"),
        ("the field '{field}:' is missing", "'{field}:' 항목이 없습니다"),
        ("Version must be 1, not {version!r}", "Version은 1이어야 합니다 (현재: '{version}')"),
        ("Chain ID: {value!r} is not a number", "Chain ID: '{value}'은(는) 숫자가 아닙니다"),
        ("Nonce must be at least 8 letters or digits", "Nonce는 영문자나 숫자 8자 이상이어야 합니다"),
        ("URI: {value!r} is not an absolute URI", "URI: '{value}'은(는) 완전한 URI가 아닙니다")]),
    "invalid_slots": _e("{why}", "가능한 시간이 올바르지 않습니다. 예) mon-morning, sat-evening, sun, weekend, weekdays",
                        "the availability is not valid", forms=[
                            ("{slot!r} is not a slot: use e.g. mon-morning, sat-evening, sun, weekend, weekdays",
                             "'{slot}'은(는) 알 수 없는 시간대입니다. 예) mon-morning, sat-evening, sun, weekend, weekdays")]),
    "invalid_status": _e("an activity that is {current} cannot become {new}",
                         "'{current}' 상태의 활동은 '{new}' 상태로 바꿀 수 없습니다",
                         "this is not possible in the current state", "지금 상태에서는 할 수 없는 요청입니다"),
    "invalid_transaction_hash": _e("the transaction hash is not valid: 0x and 64 hex digits",
                                   "거래 번호가 올바르지 않습니다. 0x와 16진수 64자리여야 합니다"),
    "invalid_units": _e("units must be from 1 to {max} for category {category}, got {units}",
                        "{category}번 분류의 단위 수는 1에서 {max} 사이여야 합니다 (입력: {units})",
                        "the units are out of range for this category", "이 분류에서 허용하는 단위 수를 벗어났습니다"),
    "login_throttled": _e("too many failed sign-ins; try again in {wait} s",
                          "로그인 실패가 너무 많습니다. {wait}초 뒤에 다시 시도하세요",
                          "too many failed sign-ins; try again later", "로그인 실패가 너무 많습니다. 잠시 후 다시 시도하세요"),
    "length_required": _e("send the file with a Content-Length header", "파일을 Content-Length 헤더와 함께 보내세요"),
    "match_exists": _e("talent {talent_id} is already matched with need {need_id} (match {match_id})",
                       "{talent_id}번 재능 나눔은 이미 {need_id}번 요청과 연결되어 있습니다",
                       "this talent is already matched with this need", "이 재능 나눔은 이미 이 요청과 연결되어 있습니다"),
    "match_not_proposed": _e("match {match_id} is {status}: only a proposed match is accepted or declined",
                             "{match_id}번 연결은 '{status}' 상태라 수락하거나 거절할 수 없습니다",
                             "only a proposed match is accepted or declined", "제안된 상태의 연결만 수락하거나 거절할 수 있습니다"),
    "match_not_scheduled": _e("match {match_id} is {status}: only a scheduled match is confirmed",
                              "{match_id}번 연결은 '{status}' 상태라 확인할 수 없습니다",
                              "only a scheduled match is confirmed", "일정이 확정된 연결만 확인할 수 있습니다"),
    "match_pending": _e("need {need_id} has a scheduled match waiting for its beneficiary's confirmation",
                        "{need_id}번 요청에 수혜자의 확인을 기다리는 활동이 있습니다",
                        "the need has a scheduled match waiting for its beneficiary's confirmation",
                        "이 요청에 수혜자의 확인을 기다리는 활동이 있습니다"),
    "mixed_centres": _e("one sheet is for one centre ({centre_id})",
                        "한 번에 올리는 목록은 한 센터({centre_id}번)의 것이어야 합니다",
                        "one sheet is for one centre", "한 번에 올리는 목록은 한 센터의 것이어야 합니다"),
    "name_mismatch": _e("the sheet says {written!r}, the record says {registered!r}",
                        "출석부의 이름 '{written}'이(가) 등록된 이름 '{registered}'와(과) 다릅니다",
                        "the name differs from the resident's record", "이름이 주민 등록 정보와 다릅니다"),
    "need_not_open": _e("need {need_id} is {status}: it takes no more matches",
                        "{need_id}번 요청은 '{status}' 상태라 더 이상 연결할 수 없습니다",
                        "the need takes no more matches", "이 요청은 더 이상 연결할 수 없습니다"),
    "no_admin_key": _e("the backend holds no admin key (admin.json in VB_KEYSTORE_DIR, or VB_DEV_ADMIN_KEY on a local "
                       "chain): use tools/admin instead",
                       "서버에 관리자 키가 없습니다 (VB_KEYSTORE_DIR의 admin.json). tools/admin을 사용하세요"),
    "no_centre": _e("{why}", "소속 센터가 없습니다", "there is no centre for this", forms=[
        ("you have no activity with a volunteer centre yet, so no centre pays for your requests' gas",
         "아직 자원봉사센터에서 활동한 기록이 없어 요청의 수수료(가스)를 내줄 센터가 없습니다"),
        ("no coordinator has recorded or approved an activity of yours yet, so no centre pays for your requests' gas",
         "아직 코디네이터가 기록하거나 승인한 활동이 없어 요청의 수수료(가스)를 내줄 센터가 없습니다"),
        ("a {role} does not belong to a centre", "{role}은(는) 센터에 속하지 않습니다")]),
    "no_centre_for_area": _e("no centre serves area {area!r} yet: an admin sets a centre's area first",
                             "'{area}' 지역을 담당하는 센터가 아직 없습니다. 관리자가 먼저 센터의 지역을 정해야 합니다",
                             "no centre serves this area yet", "이 지역을 담당하는 센터가 아직 없습니다"),
    "no_change": _e("{why}", "이미 그렇게 되어 있어 바뀌는 것이 없습니다", "nothing changes", forms=[
        ("{address} is already a coordinator of centre {centre_id}", "{address}은(는) 이미 {centre_id}번 센터의 코디네이터입니다"),
        ("{address} is not a coordinator of centre {centre_id}", "{address}은(는) {centre_id}번 센터의 코디네이터가 아닙니다"),
        ("{address} is already a {kind}", "{address}은(는) 이미 {kind_ko}(으)로 등록되어 있습니다"),
        ("{address} is not a {kind}", "{address}은(는) {kind_ko}(으)로 등록되어 있지 않습니다"),
        ("the rate is already {rate} won per coin", "환율이 이미 1코인당 {rate}원입니다"),
        ("offer {offer_id} is already on sale", "{offer_id}번 상품은 이미 판매 중입니다"),
        ("offer {offer_id} is already switched off by the city", "{offer_id}번 상품은 이미 시에서 판매를 중지했습니다"),
        ("nothing to change", "바뀌는 내용이 없습니다"),
        ("the coin is already paused", "코인이 이미 일시 정지되어 있습니다"),
        ("the coin is not paused", "코인이 일시 정지되어 있지 않습니다")]),
    "no_provider_address": _e("your account has no provider address", "계정에 제공처 주소가 등록되어 있지 않습니다"),
    "no_provider_key": _e("the backend holds no key for {address}: add provider-<name>.json to VB_KEYSTORE_DIR (or "
                          "VB_DEV_PROVIDER_KEYS on a local chain)",
                          "서버에 {address}의 키가 없습니다. VB_KEYSTORE_DIR에 provider-<이름>.json을 추가하세요",
                          "the backend holds no key for this provider",
                          "서버에 이 제공처의 키가 없습니다. VB_KEYSTORE_DIR에 provider-<이름>.json을 추가하세요"),
    "nonce_out_of_order": _e("the next request must be signed with nonce {expected}, not {nonce} (GET /me or POST /me/prepare)",
                             "다음 요청은 nonce {expected}(으)로 서명해야 합니다 (받은 값: {nonce}). GET /me 또는 POST /me/prepare로 확인하세요",
                             "the request is signed with the wrong nonce (GET /me or POST /me/prepare)",
                             "요청의 nonce가 순서에 맞지 않습니다. GET /me 또는 POST /me/prepare로 확인하세요"),
    "not_chain_coordinator": _e("{address} is not a coordinator of centre {centre_id} on-chain; the city adds "
                                "coordinators' wallets in the console",
                                "{address}은(는) 블록체인에 등록된 {centre_id}번 센터의 코디네이터 지갑이 아닙니다. 시에 "
                                "지갑 등록을 요청하세요",
                                "the wallet is not a coordinator of the centre on-chain",
                                "블록체인에 등록된 센터 코디네이터 지갑이 아닙니다"),
    "nonce_used": _e("nonce {nonce} was already used on-chain (next is {next}); sign a new request",
                     "nonce {nonce}은(는) 이미 블록체인에서 쓰였습니다 (다음 값: {next}). 요청에 새로 서명하세요",
                     "the nonce was already used on-chain; sign a new request",
                     "이 nonce는 이미 블록체인에서 쓰였습니다. 요청에 새로 서명하세요"),
    "not_a_charity": _e("{address} is not a registered charity", "{address}은(는) 등록된 기부처가 아닙니다",
                        "this is not a registered charity", "등록된 기부처가 아닙니다"),
    "not_a_party": _e("you are neither side of match {match_id}", "{match_id}번 연결의 당사자가 아닙니다",
                      "you are neither side of this match", "이 연결의 당사자가 아닙니다"),
    "not_a_provider": _e("{address} is not a registered provider on-chain (ask the city)",
                         "{address}은(는) 블록체인에 등록된 제공처가 아닙니다 (시에 문의하세요)",
                         "this is not a registered provider on-chain (ask the city)",
                         "블록체인에 등록된 제공처가 아닙니다 (시에 문의하세요)"),
    "not_beneficiary": _e("only the beneficiary of need {need_id} confirms what happened; you are not",
                          "{need_id}번 요청의 수혜자만 활동을 확인할 수 있습니다",
                          "only the beneficiary of the need confirms what happened", "요청의 수혜자만 활동을 확인할 수 있습니다"),
    "not_editable": _e("an activity that is {status} cannot be corrected; once on-chain only revocation remains",
                       "'{status}' 상태의 활동은 고칠 수 없습니다. 블록체인에 기록된 뒤에는 취소만 할 수 있습니다",
                       "this activity cannot be corrected any more", "이 활동은 더 이상 고칠 수 없습니다. 블록체인에 기록된 뒤에는 취소만 할 수 있습니다"),
    "not_found": _e("{what} not found", "{what_ko}을(를) 찾을 수 없습니다", "not found", "찾을 수 없습니다"),
    "not_indexed_yet": _e("the indexer has not indexed the chain yet; try again shortly",
                          "아직 블록체인 기록을 읽어 오지 못했습니다. 잠시 후 다시 시도하세요"),
    "not_on_chain": _e("activity {activity_id} is {status}; only a confirmed activity is revoked (reject or correct it instead)",
                       "{activity_id}번 활동은 '{status}' 상태입니다. 확정된 활동만 취소할 수 있습니다 (대신 반려하거나 고치세요)",
                       "only a confirmed activity is revoked (reject or correct it instead)",
                       "확정된 활동만 취소할 수 있습니다 (대신 반려하거나 고치세요)"),
    "not_owner": _e("{what} is not yours", "본인의 {what_ko}이(가) 아닙니다", "this is not yours", "본인의 것이 아닙니다"),
    "not_representative": _e("you do not represent organisation {organisation_id}", "{organisation_id}번 단체의 대표가 아닙니다",
                             "you do not represent this organisation", "이 단체의 대표가 아닙니다"),
    "not_your_area": _e("report {report_id} is for another area; only the welfare officers of that area read it",
                        "{report_id}번 제보는 다른 지역의 것입니다. 해당 지역 복지 담당자만 볼 수 있습니다",
                        "the report is for another area", "다른 지역의 제보입니다. 해당 지역 복지 담당자만 볼 수 있습니다"),
    "not_your_offer": _e("offer {offer_id} belongs to another provider", "{offer_id}번 상품은 다른 제공처의 것입니다",
                         "the offer belongs to another provider", "다른 제공처의 상품입니다"),
    "not_your_voucher": _e("voucher {voucher_id} is for another provider, not for you",
                           "{voucher_id}번 이용권은 다른 제공처의 것입니다",
                           "the voucher is for another provider", "다른 제공처의 이용권입니다"),
    "nothing_to_change": _e("{why}", "바꿀 항목을 하나 이상 입력하세요", "give at least one field to change", forms=[
        ("give at least one field to correct", "고칠 항목을 하나 이상 입력하세요"),
        ("give active, password, role or centre_id", "active, password, role, centre_id 중 하나 이상을 입력하세요")]),
    "number_out_of_range": _e("a number in the request is too large (an id names one of our records; an amount is "
                              "below 2^256)",
                              "요청에 든 숫자가 너무 큽니다. 번호는 등록된 항목의 번호여야 하고, 금액은 2^256보다 작아야 합니다"),
    "offer_inactive": _e("offer {offer_id} is not active", "{offer_id}번 상품은 현재 판매하지 않습니다",
                         "the offer is not active", "현재 판매하지 않는 상품입니다"),
    "offer_sold_out": _e("offer {offer_id} is sold out ({capacity} vouchers)", "{offer_id}번 상품은 매진되었습니다 (전체 {capacity}장)",
                         "the offer is sold out", "매진된 상품입니다", forms=[
                             ("offer {offer_id} has no voucher left ({capacity} sold or being sold)",
                              "{offer_id}번 상품은 남은 이용권이 없습니다 ({capacity}장 판매 완료 또는 판매 중)")]),
    "over_centre_cap": _e("centre {centre_id} can issue {available} more this period ({remaining} left on-chain, {pending} "
                          "queued); this activity needs {reward}",
                          "{centre_id}번 센터는 이번 기간에 {available}만 더 발행할 수 있습니다 (블록체인 잔여 {remaining}, "
                          "처리 대기 {pending}). 이 활동에는 {reward}이(가) 필요합니다",
                          "the centre's issuing cap for this period is reached", "센터의 이번 기간 발행 한도를 넘습니다", forms=[
                              ("centre {centre_id} can issue {available} more this period; the sheet's lines up to this "
                               "one need {needed}",
                               "{centre_id}번 센터는 이번 기간에 {available}만 더 발행할 수 있는데, 출석부의 이 줄까지 "
                               "{needed}이(가) 필요합니다")]),
    "own_proposal": _e("proposal {proposal_id} is yours: others support it", "본인의 제안은 지지할 수 없습니다",
                       "the proposal is yours: others support it"),
    "own_talent": _e("you cannot be matched with your own need", "본인의 요청에 본인을 연결할 수 없습니다"),
    "password_change_required": _e("your password was reset by someone else: set your own first (POST /auth/password)",
                                   "다른 사람이 비밀번호를 초기화했습니다. 먼저 본인의 새 비밀번호를 정하세요 "
                                   "(POST /auth/password)"),
    "password_unchanged": _e("the new password must differ from the current one",
                             "새 비밀번호는 지금 비밀번호와 달라야 합니다"),
    "payment_between_residents": _e(
        "payment is for a need between two residents; an organisation's or a project's need is volunteer activity",
        "대가 지급은 주민 사이의 요청에만 쓸 수 있습니다. 단체나 프로젝트의 요청은 봉사활동입니다"),
    "period_too_long": _e("a period is at most {days} days", "기간은 최대 {days}일입니다",
                          "the period is too long", "기간이 너무 깁니다"),
    "posting_limited": _e("you have posted {limit} {what}s in the last 24 hours, the most allowed; try again in about "
                          "{minutes} min",
                          "최근 24시간 동안 {what_ko}을(를) {limit}건 올려 한도에 이르렀습니다. {minutes}분쯤 뒤에 다시 "
                          "올려 주세요",
                          "you have posted the most allowed in 24 hours; try again later",
                          "24시간 동안 올릴 수 있는 한도에 이르렀습니다. 나중에 다시 올려 주세요"),
    "price_above_max": _e("offer {offer_id} costs {price}, more than your max_price {max_price}",
                          "{offer_id}번 상품의 가격 {price}이(가) 지정한 최대 가격(max_price) {max_price}보다 높습니다",
                          "the offer costs more than your max_price", "상품 가격이 지정한 최대 가격(max_price)보다 높습니다"),
    "proposal_not_open": _e("proposal {proposal_id} is {status}", "{proposal_id}번 제안은 '{status}' 상태입니다",
                            "the proposal is not open", "이 제안은 지금 진행 중이 아닙니다"),
    "relay_budget_exhausted": _e(
        "the bank's budget for residents' gas fees today ({budget} ETH, all centres together) is used up; try again "
        "after 00:00 UTC",
        "은행이 오늘 모든 센터의 주민 요청 수수료(가스)로 낼 수 있는 예산({budget} ETH)을 모두 썼습니다. "
        "오전 9시(한국 시간) 이후에 다시 시도하세요",
        "the bank's gas budget for today is used up; try again after 00:00 UTC",
        "은행의 오늘 수수료(가스) 예산을 모두 썼습니다. 오전 9시(한국 시간) 이후에 다시 시도하세요"),
    "resident_budget_exhausted": _e(
        "your requests today have used the gas fees the bank pays for one resident per day ({budget} ETH; used "
        "{used} ETH); try again after 00:00 UTC",
        "오늘 요청의 수수료(가스)로 한 사람에게 하루 지원되는 한도({budget} ETH)를 모두 썼습니다 ({used} ETH 사용). "
        "오전 9시(한국 시간) 이후에 다시 시도하세요",
        "your gas budget for today is used up; try again after 00:00 UTC",
        "오늘의 수수료(가스) 지원 한도를 모두 썼습니다. 오전 9시(한국 시간) 이후에 다시 시도하세요"),
    "rate_limited": _e("at most {limit} requests per {window} s; try again in {wait} s",
                       "{window}초에 최대 {limit}건까지 요청할 수 있습니다. {wait}초 뒤에 다시 시도하세요",
                       "too many requests; try again shortly", "요청이 너무 많습니다. 잠시 후 다시 시도하세요"),
    "reason_required": _e("{why}", "사유를 입력하세요", "give the reason", forms=[
        ("give the reason for rejecting", "반려 사유를 입력하세요"),
        ("give the reason for revoking", "취소 사유를 입력하세요")]),
    "refused_by_contract": _e("the contract would refuse this: {why}", "스마트 계약이 이 요청을 거부합니다. 아무것도 바뀌지 않았습니다",
                              "the contract would refuse this"),
    "repeated_parameter": _e("give each filter once: {names}", "각 조건은 한 번만 입력하세요: {names}",
                             "give each filter once", "각 조건은 한 번만 입력하세요"),
    "replayed": _e("this signed request was already submitted; it is not sent twice",
                   "이 서명된 요청은 이미 제출되었습니다. 두 번 보내지 않습니다", forms=[
                       ("this signed request (or another with the same nonce) was already submitted",
                        "이 서명된 요청(또는 같은 nonce의 다른 요청)이 이미 제출되었습니다")]),
    "report_decided": _e("report {report_id} is already {status}", "{report_id}번 제보는 이미 '{status}' 처리되었습니다",
                         "the report is already decided", "이 제보는 이미 처리되었습니다"),
    "report_unreadable": _e("report {report_id} cannot be opened: {why}",
                            "{report_id}번 제보를 열 수 없습니다 (암호화 키를 확인하세요)",
                            "the report cannot be opened", "제보를 열 수 없습니다 (암호화 키를 확인하세요)"),
    "reports_unavailable": _e("neighbour reports are switched off: the server has no VB_REPORTS_KEY to seal them",
                              "이웃 제보 기능이 꺼져 있습니다. 서버에 암호화 키(VB_REPORTS_KEY)가 없습니다"),
    "request_too_large": _e("the request body is larger than {max_bytes} bytes",
                            "요청 본문이 너무 큽니다. 최대 {max_bytes}바이트까지 보낼 수 있습니다",
                            "the request body is too large", "요청 본문이 너무 큽니다"),
    "request_expired": _e("the request's deadline {deadline} has passed (or is within 15 s); sign a new one",
                          "요청의 유효 기한({deadline})이 지났거나 15초 안에 끝납니다. 새로 서명하세요",
                          "the request's deadline has passed; sign a new one", "요청의 유효 기한이 지났습니다. 새로 서명하세요"),
    "resident_in_flight": _e("{count} of resident {resident_id}'s activities or requests are still on their way to the "
                             "chain; forget the resident once they have settled",
                             "{resident_id}번 주민의 활동이나 요청 {count}건이 아직 블록체인에 기록되는 중입니다. 기록이 끝난 "
                             "뒤 다시 해 주세요",
                             "the resident's activities or requests are still on their way to the chain; try again "
                             "once they have settled",
                             "주민의 활동이나 요청이 아직 블록체인에 기록되는 중입니다. 기록이 끝난 뒤 다시 해 주세요"),
    "resident_activity_in_flight": _e(
        "resident {resident_id} has an approved activity on its way to the chain; change the wallet once it is confirmed",
        "{resident_id}번 주민의 승인된 활동이 블록체인에 기록되는 중입니다. 기록이 끝난 뒤에 지갑 주소를 바꾸세요",
        "the resident has an approved activity on its way to the chain; change the wallet once it is confirmed",
        "주민의 승인된 활동이 블록체인에 기록되는 중입니다. 기록이 끝난 뒤에 지갑 주소를 바꾸세요"),
    "resident_exists": _e("a resident with address {address} is registered", "{address} 주소의 주민이 이미 등록되어 있습니다",
                          "this resident is registered", "이미 등록된 주민입니다"),
    "resident_required": _e("this is done by a resident signed in with their wallet (GET /siwe/nonce, POST /siwe/verify); "
                            "you are {who}",
                            "지갑으로 로그인한 주민만 할 수 있습니다 (GET /siwe/nonce, POST /siwe/verify). 현재: {who}",
                            "this is done by a resident signed in with their wallet (GET /siwe/nonce, POST /siwe/verify)",
                            "지갑으로 로그인한 주민만 할 수 있습니다 (GET /siwe/nonce, POST /siwe/verify)"),
    "resident_without_wallet": _e("the resident has no wallet address linked yet: link it first (PATCH /residents/<id>)",
                                  "이 주민은 아직 지갑 주소가 연결되어 있지 않습니다. 먼저 지갑을 연결하세요"),
    "restoring": _e("the database was restored from a backup and its chain state is being rebuilt from the registry's "
                    "events; approvals wait until that is done: try again shortly (recording without approving works)",
                    "데이터베이스를 백업에서 복원하여 블록체인 기록을 다시 맞추는 중입니다. 끝날 때까지 승인은 잠시 멈춥니다. "
                    "잠시 후 다시 시도하세요(승인 없이 기록하는 것은 됩니다)"),
    "reward_too_small": _e("{units} units of category {category} earn nothing (the rule pays per {per})",
                           "{category}번 분류는 {per} 단위마다 보상하므로 {units} 단위로는 받을 보상이 없습니다",
                           "these units earn nothing", "이 단위 수로는 받을 보상이 없습니다"),
    "session_ended": _e("{why}", "로그인 세션이 끝났습니다. 다시 로그인하세요", "the session has ended; sign in again", forms=[
        ("the refresh token is not known; sign in again", "알 수 없는 세션입니다. 다시 로그인하세요"),
        ("this refresh token was already used, so the session may have been copied: it is ended; sign in again",
         "이미 사용된 갱신 토큰입니다. 세션이 복제되었을 수 있어 종료했습니다. 다시 로그인하세요"),
        ("the session was ended; sign in again", "로그아웃되었거나 종료된 세션입니다. 다시 로그인하세요"),
        ("the session has expired; sign in again", "로그인 세션이 만료되었습니다. 다시 로그인하세요"),
        ("the account of this session is disabled", "이 세션의 계정이 비활성화되었습니다")]),
    "self_report_needs_review": _e("a self-report waits for a coordinator; do not approve it in the same step",
                                   "본인이 신고한 활동은 코디네이터의 검토를 기다려야 합니다. 같은 단계에서 승인하지 마세요"),
    "settlement_needs_centre": _e("a need settled as volunteer activity names the centre whose coordinators approve it "
                                  "(centre_id)", "봉사활동으로 인정받으려면 승인할 센터(centre_id)를 지정해야 합니다"),
    "sheet_empty": _e("the sheet has no lines under its header", "출석부에 머리글 아래 줄이 없습니다"),
    "sheet_file_missing": _e("send the sheet as the form field 'file' (multipart/form-data)",
                             "출석부 파일을 'file' 항목으로 보내세요 (multipart/form-data)"),
    "sheet_already_signed": _e("sheet {sheet_id} is already signed; its activities are on their way on-chain",
                               "{sheet_id}번 출석부는 이미 서명되어 블록체인에 기록되는 중입니다",
                               "the sheet is already signed", "이미 서명된 출석부입니다"),
    "sheet_deadline_out_of_range": _e("the signature's deadline must be between {earliest} and {latest}; sign "
                                      "again", "서명의 유효 기한이 맞지 않습니다. 다시 서명하세요",
                                      "the signature's deadline is out of range; sign again",
                                      "서명의 유효 기한이 맞지 않습니다. 다시 서명하세요"),
    "sheet_has_problems": _e("{count} kept line(s) still have a problem: fix or drop them first",
                             "문제가 남은 줄이 {count}개 있습니다. 먼저 고치거나 빼세요",
                             "lines still have problems: fix or drop them first", "문제가 남은 줄이 있습니다. 먼저 고치거나 빼세요"),
    "sheet_no_header": _e("the first row must name the columns: a units column (minutes) and a member number, wallet "
                          "address or phone column (download the template: GET /sheets/template.xlsx)",
                          "첫 줄에 열 이름이 있어야 합니다: 시간(분)·수량 열과, 회원번호·지갑 주소·전화번호 중 하나의 열 "
                          "(양식 내려받기: GET /sheets/template.xlsx)"),
    "sheet_not_draft": _e("sheet {sheet_id} is already {status}", "{sheet_id}번 출석부는 이미 '{status}' 상태입니다",
                          "the sheet is already approved", "이미 승인된 출석부입니다"),
    "sheet_not_for_signing": _e("sheet {sheet_id} has nothing waiting for a coordinator's signature",
                                "{sheet_id}번 출석부에는 코디네이터 서명을 기다리는 활동이 없습니다",
                                "the sheet has nothing waiting for a signature", "서명을 기다리는 활동이 없습니다"),
    "sheet_nothing_to_approve": _e("every line of the sheet is dropped", "출석부의 모든 줄이 빠져 있어 승인할 것이 없습니다"),
    "sheet_too_large": _e("{why}", "파일이 너무 큽니다. 출석부는 1MB까지입니다", "the file is too large", forms=[
        ("a sheet is at most 1 MB", "출석부 파일은 1MB까지입니다"),
        ("a file is at most 1 MB", "파일은 1MB까지입니다"),
        ("the workbook unpacks to more than 30 MB", "엑셀 파일의 압축을 풀면 30MB가 넘습니다")]),
    "sheet_too_long": _e("the sheet has {lines} lines; at most {max}", "출석부가 {lines}줄입니다. 최대 {max}줄까지입니다",
                         "the sheet has too many lines", "출석부의 줄이 너무 많습니다 (최대 500줄)"),
    "sheet_unreadable": _e("{why}", "파일을 읽을 수 없습니다. CSV(UTF-8 또는 CP949) 또는 엑셀(.xlsx) 파일을 올리세요",
                           "the file cannot be read", forms=[
                               ("the file is neither UTF-8 nor CP949/EUC-KR text, nor an .xlsx workbook",
                                "UTF-8이나 CP949/EUC-KR 텍스트, 엑셀(.xlsx) 파일이 아닙니다"),
                               ("the CSV file cannot be read: {error}", "CSV 파일을 읽을 수 없습니다"),
                               ("the file is not a workbook Excel can save (.xlsx)",
                                "엑셀에서 저장한 통합 문서(.xlsx)가 아닙니다")]),
    "siwe_bad_signature": _e("the message names {address} but was signed by another key",
                             "로그인 메시지의 주소 {address}와(과) 서명한 키가 다릅니다",
                             "the signature is malformed", "서명 형식이 올바르지 않습니다"),
    "siwe_expired": _e("the message's Expiration Time has passed; sign in again",
                       "로그인 메시지의 유효 시간(Expiration Time)이 지났습니다. 다시 로그인하세요"),
    "siwe_nonce_expired": _e("the nonce has expired; get a new one from GET /siwe/nonce",
                             "nonce가 만료되었습니다. GET /siwe/nonce로 새로 받으세요"),
    "sheet_signed_by_other": _e("the sheet was signed by {signer}, not by the coordinator's wallet {address}",
                                "출석부에 서명한 지갑({signer})이 코디네이터 지갑({address})과 다릅니다",
                                "the sheet was signed by another wallet", "다른 지갑으로 서명했습니다"),
    "sign_in_busy": _e("too many sign-ins are being checked at once; try again in {wait} s",
                       "지금 로그인 확인이 몰려 있습니다. {wait}초 뒤에 다시 해 주세요",
                       "too many sign-ins are being checked at once; try again shortly",
                       "지금 로그인 확인이 몰려 있습니다. 잠시 뒤에 다시 해 주세요"),
    "siwe_nonce_used": _e("the nonce was already used; get a new one from GET /siwe/nonce",
                          "이미 사용한 nonce입니다. GET /siwe/nonce로 새로 받으세요"),
    "siwe_not_yet_valid": _e("{why}", "로그인 메시지가 아직 유효하지 않습니다. 기기의 시계를 확인하세요",
                             "the message is not valid yet", forms=[
                                 ("the message's Issued At is in the future",
                                  "로그인 메시지의 발급 시각(Issued At)이 미래입니다. 기기의 시계를 확인하세요"),
                                 ("the message's Not Before has not come yet",
                                  "로그인 메시지의 사용 시작 시각(Not Before)이 아직 되지 않았습니다")]),
    "siwe_unknown_nonce": _e("the nonce was not issued by this service; get one from GET /siwe/nonce",
                             "이 서비스가 발급한 nonce가 아닙니다. GET /siwe/nonce로 받으세요"),
    "siwe_wrong_chain": _e("the message is for chain {got}, this service is on chain {expected}",
                           "로그인 메시지는 체인 {got}용인데, 이 서비스는 체인 {expected}를 씁니다",
                           "the message is for another chain", "다른 블록체인용 로그인 메시지입니다"),
    "siwe_wrong_domain": _e("the message is for {got!r}, this service is {expected!r}",
                            "로그인 메시지는 '{got}'용인데, 이 서비스는 '{expected}'입니다",
                            "the message is for another service", "다른 서비스용 로그인 메시지입니다", forms=[
                                ("the message's scheme {scheme!r} is not this service's",
                                 "로그인 메시지의 스킴 '{scheme}'이(가) 이 서비스와 다릅니다")]),
    "siwe_wrong_uri": _e("the message's URI {got!r} is not under {expected!r}",
                         "로그인 메시지의 URI '{got}'이(가) '{expected}' 아래에 있지 않습니다",
                         "the message's URI is not this service's", "로그인 메시지의 URI가 이 서비스와 다릅니다"),
    "staff_required": _e("this needs the role {roles}; you are {who}", "{roles} 역할이 필요합니다. 현재: {who}",
                         "this needs a staff role", "직원 권한이 필요합니다"),
    "talent_withdrawn": _e("talent {talent_id} is withdrawn", "{talent_id}번 재능 나눔은 철회되었습니다",
                           "the talent is withdrawn", "철회된 재능 나눔입니다"),
    "too_early": _e("need {need_id} starts at {starts_at}: confirm it after it happened",
                    "{need_id}번 요청은 {starts_at}에 시작합니다. 활동이 끝난 뒤에 확인하세요",
                    "confirm the need after it happened", "활동이 끝난 뒤에 확인하세요"),
    "too_many_ids": _e("at most {max} ids at once", "한 번에 최대 {max}개까지 확인할 수 있습니다",
                       "too many ids at once", "한 번에 확인할 수 있는 수보다 많습니다"),
    "too_many_open": _e("you have {count} open {what}s, the most allowed; close or withdraw one first",
                        "열려 있는 {what_ko}이(가) {count}건으로 한도에 이르렀습니다. 먼저 하나를 마감하거나 철회하세요",
                        "you have the most open posts of this kind allowed; close or withdraw one first",
                        "열려 있는 글이 한도에 이르렀습니다. 먼저 하나를 마감하거나 철회하세요"),
    "unauthorized": _e("{why}", "로그인이 필요하거나 인증 정보가 올바르지 않습니다", "sign in first", forms=[
        ("invalid or revoked API key", "API 키가 올바르지 않거나 폐기되었습니다"),
        ("sign in first: Authorization: Bearer <token> (POST /auth/login) or X-API-Key",
         "먼저 로그인하세요: Authorization: Bearer <토큰> (POST /auth/login) 또는 X-API-Key"),
        ("the token has expired; sign in again", "로그인이 만료되었습니다. 다시 로그인하세요"),
        ("invalid token: {error}", "토큰이 올바르지 않습니다. 다시 로그인하세요"),
        ("the account of this token no longer exists or is disabled", "이 토큰의 계정이 없거나 비활성화되었습니다"),
        ("the password of this account has changed; sign in again", "이 계정의 비밀번호가 바뀌었습니다. 다시 로그인하세요"),
        ("wrong username or password", "아이디 또는 비밀번호가 틀렸습니다")]),
    "category_not_configured": _e("the deployment configures no category {key!r}; add it to the configuration",
                                  "배포 설정에 '{key}' 분류가 없습니다. 설정에 추가하세요",
                                  "a category this needs is not configured", "필요한 분류가 설정되어 있지 않습니다"),
    "units_above_max": _e("{units} units are more than the category's maximum of {max} per activity",
                          "{units} 단위는 이 분류의 활동당 최대 {max} 단위를 넘습니다",
                          "the units are above the category's maximum", "단위 수가 이 분류의 최대치를 넘습니다"),
    "unknown_area": _e("area {area!r} is not known: an admin registers it with PUT /areas/{area}",
                       "'{area}' 지역이 등록되어 있지 않습니다. 관리자가 PUT /areas/{area}로 등록합니다",
                       "the area is not known: an admin registers it with PUT /areas/<code>",
                       "등록되지 않은 지역입니다. 관리자가 PUT /areas/<지역 코드>로 등록합니다"),
    "unknown_category": _e("category {category} has no rule on-chain", "{category}번 분류에는 블록체인에 등록된 규칙이 없습니다",
                           "the category is not known", "알 수 없는 분류입니다", forms=[
                               ("category: {category!r} is neither a category id nor a key; the categories are {listing}",
                                "category: '{category}'은(는) 분류 번호도 키도 아닙니다. 분류 목록: {listing}"),
                               ("category {category} does not exist; the categories are {listing}",
                                "{category}번 분류는 없습니다. 분류 목록: {listing}")]),
    "unknown_centre": _e("centre {centre_id} is not known to this backend", "{centre_id}번 센터를 찾을 수 없습니다",
                         "the centre is not known", "알 수 없는 센터입니다", forms=[
                             ("centre {centre_id} does not exist (centres 1–{count})",
                              "{centre_id}번 센터는 없습니다 (센터 번호는 1–{count})"),
                             ("centre {centre_id} does not exist; the centres are {listing}",
                              "{centre_id}번 센터는 없습니다. 센터 목록: {listing}")]),
    "unknown_offer": _e("offer {offer_id} does not exist", "{offer_id}번 상품은 없습니다",
                        "the offer does not exist", "없는 상품입니다"),
    "unknown_parameter": _e("unknown query parameter(s) {names}; the filters are centre, category, from, to (or month) and format",
                            "알 수 없는 조건입니다: {names}. 쓸 수 있는 조건은 centre, category, from, to(또는 month), format입니다",
                            "unknown query parameter; the filters are centre, category, from, to (or month) and format",
                            "알 수 없는 조건입니다. 쓸 수 있는 조건은 centre, category, from, to(또는 month), format입니다"),
    "unknown_resident": _e("no resident of this centre has {identifier}: register them first, or fix the line",
                           "이 센터에 {identifier}에 해당하는 주민이 없습니다. 먼저 주민을 등록하거나 줄을 고치세요",
                           "the line names no resident of this centre: give a member number, wallet address or phone",
                           "이 줄에 이 센터의 주민이 적혀 있지 않습니다. 회원번호, 지갑 주소 또는 전화번호를 적으세요"),
    "unknown_transaction": _e("no record of this transaction: it is not a volunteer bank transaction, or it is not "
                              "recorded yet; try again in a minute",
                              "이 거래의 기록이 없습니다. 자원봉사 은행의 거래가 아니거나 아직 기록되지 않았습니다. 잠시 후 다시 확인해 주세요"),
    "unknown_voucher": _e("voucher {voucher_id} does not exist: it is not a real voucher",
                          "{voucher_id}번 이용권은 없습니다. 진짜 이용권이 아닙니다",
                          "the voucher does not exist: it is not a real voucher", "없는 이용권입니다. 진짜 이용권이 아닙니다"),
    "username_taken": _e("the username {username!r} is taken", "'{username}'은(는) 이미 쓰이는 아이디입니다",
                         "the username is taken", "이미 쓰이는 아이디입니다"),
    "voucher_code_wrong": _e("voucher {voucher_id}: the check code is missing or wrong; ask the resident to show the voucher in their app",
                             "{voucher_id}번 이용권의 확인 코드가 없거나 틀립니다. 주민에게 앱의 이용권 화면을 보여 달라고 하세요",
                             "the voucher's check code is missing or wrong; ask the resident to show the voucher in their app",
                             "이용권의 확인 코드가 없거나 틀립니다. 주민에게 앱의 이용권 화면을 보여 달라고 하세요"),
    "voucher_used": _e("voucher {voucher_id} was already used", "{voucher_id}번 이용권은 이미 사용되었습니다",
                       "the voucher was already used", "이미 사용된 이용권입니다", forms=[
                           ("voucher {voucher_id} is already being marked used",
                            "{voucher_id}번 이용권은 이미 사용 처리 중입니다")]),
    "web_app_not_built": _e("the {page} is not built on this server: run `npm run build` in web/ (tools/run does it)",
                            "이 서버에는 화면({page})이 준비되어 있지 않습니다. web/에서 `npm run build`를 실행하세요 (tools/run이 합니다)",
                            "the web app is not built on this server: run `npm run build` in web/",
                            "이 서버에는 화면이 준비되어 있지 않습니다. web/에서 `npm run build`를 실행하세요"),
    "wrong_signer": _e("the request was signed by {signer}, not by you ({address})",
                       "요청에 서명한 주소({signer})가 본인의 주소({address})와 다릅니다",
                       "the request was signed by someone else", "본인이 서명한 요청이 아닙니다"),
    "won_below_minimum": _e("{amount} base units are worth {won} won at {rate} won per coin, below your min_won {min_won}",
                            "{amount} 기본 단위는 코인당 {rate}원 기준 {won}원으로, 지정한 최소 금액 {min_won}원보다 적습니다",
                            "the settlement is worth less won than your min_won",
                            "정산 금액이 지정한 최소 원화 금액보다 적습니다"),
    "amount_too_small": _e(
        "the bank relays {what} of at least {minimum} coins, not {amount}",
        "{minimum}코인 이상만 보낼 수 있습니다 ({amount}코인은 너무 적습니다)",
        "the amount is too small to relay", "보내는 금액이 너무 적습니다"),
    # Custodial accounts, member cards and their PINs (services.custody).
    "card_blocked": _e("this card was blocked (lost or replaced); ask your centre for your new card",
                       "이 카드는 정지되었습니다(분실 또는 재발급). 센터에서 새 카드를 받으세요"),
    "card_locked": _e("the PIN was entered wrongly {failures} times, so the card is locked; a coordinator of your "
                      "centre can reset the PIN with you in person",
                      "비밀번호가 {failures}번 틀려 카드가 잠겼습니다. 센터의 코디네이터를 직접 만나 비밀번호를 다시 정하세요",
                      "the PIN was entered wrongly too many times, so the card is locked; a coordinator of your "
                      "centre can reset the PIN with you in person",
                      "비밀번호가 여러 번 틀려 카드가 잠겼습니다. 센터의 코디네이터를 직접 만나 비밀번호를 다시 정하세요"),
    "card_session_required": _e("this is done with a member card: scan the card and enter the PIN (POST /card/sessions)",
                                "회원 카드로 하는 일입니다. 카드를 읽히고 비밀번호를 입력하세요"),
    "card_unknown": _e("this card is not known; check the card or ask your centre",
                       "등록되지 않은 카드입니다. 카드를 확인하거나 센터에 문의하세요"),
    "custody_exists": _e("resident {resident_id} already has an account held by the centre",
                         "{resident_id}번 주민은 이미 센터가 보관하는 계정이 있습니다",
                         "this resident already has an account held by the centre",
                         "이 주민은 이미 센터가 보관하는 계정이 있습니다"),
    "custody_unavailable": _e("accounts held by the centre cannot be used now: the master key is not configured "
                              "(VB_CUSTODY_MASTER_KEY)",
                              "지금은 센터 보관 계정을 쓸 수 없습니다. 관리자에게 문의하세요(마스터 키 미설정)"),
    "daily_limit_reached": _e("this spends {amount} coins, but today's limit is {limit} coins and {spent} are "
                              "spent already; try again tomorrow or ask your centre",
                              "오늘 쓸 수 있는 한도는 {limit}코인이고 이미 {spent}코인을 썼습니다. {amount}코인은 "
                              "내일 다시 쓰거나 센터에 문의하세요",
                              "this is more than today's spending limit; try again tomorrow",
                              "오늘 쓸 수 있는 한도를 넘습니다. 내일 다시 해 주세요"),
    "desk_redeems_only": _e("at a provider's desk a card redeems this provider's offers only; donate at the centre's kiosk",
                            "가게 창구에서는 이곳의 상품만 쓸 수 있습니다. 기부는 센터의 키오스크에서 해 주세요"),
    "kiosk_already_revoked": _e("the kiosk {name!r} is already revoked", "키오스크 '{name}'은(는) 이미 등록 해제되었습니다",
                                "the kiosk is already revoked", "이 키오스크는 이미 등록 해제되었습니다"),
    "kiosk_device_required": _e("a member card is used at an enrolled kiosk of a centre or at a provider's desk: this "
                                "device is not enrolled; a coordinator enrols it in the console (Kiosk devices)",
                                "회원 카드는 센터에 등록된 키오스크나 가게 창구에서만 쓸 수 있습니다. 이 기기는 등록되지 "
                                "않았습니다. 코디네이터가 관리 화면(키오스크 기기)에서 등록해 주세요"),
    "kiosk_device_revoked": _e("this kiosk ({name}) was taken out of service by a coordinator; a coordinator can "
                               "enrol it again in the console (Kiosk devices)",
                               "이 키오스크({name})는 코디네이터가 등록을 해제했습니다. 코디네이터가 관리 화면(키오스크 "
                               "기기)에서 다시 등록해 주세요",
                               "this kiosk was taken out of service by a coordinator; a coordinator can enrol it "
                               "again in the console (Kiosk devices)",
                               "이 키오스크는 코디네이터가 등록을 해제했습니다. 코디네이터가 관리 화면(키오스크 기기)에서 "
                               "다시 등록해 주세요"),
    "kiosk_name_required": _e("give the kiosk's place (for example: 1st floor lobby)",
                              "키오스크가 있는 곳을 입력하세요 (예: 1층 로비)"),
    "no_active_card": _e("resident {resident_id} has no active member card; issue a new one",
                         "{resident_id}번 주민은 쓸 수 있는 회원 카드가 없습니다. 새 카드를 발급하세요",
                         "the resident has no active member card; issue a new one",
                         "쓸 수 있는 회원 카드가 없습니다. 새 카드를 발급하세요"),
    # Guardians and proxies of members whose account the centre holds (services.guardians).
    "guardian_exists": _e("{address} is already a guardian of resident {resident_id}",
                          "{address}은(는) 이미 {resident_id}번 주민의 보호자로 등록되어 있습니다",
                          "this wallet is already a guardian of the member", "이 지갑은 이미 이 회원의 보호자로 등록되어 있습니다"),
    "guardian_is_member": _e("a guardian signs in with their own wallet, not the member's account held by the centre",
                             "보호자는 회원의 센터 보관 계정이 아니라 자기 지갑 주소로 등록해야 합니다"),
    "guardian_name_required": _e("give the guardian's name", "보호자의 이름을 입력하세요"),
    "guardian_needs_custody": _e("resident {resident_id} has no account held by the centre: a guardian acts only for a "
                                 "member whose account the centre holds (one with a wallet acts for themselves)",
                                 "{resident_id}번 주민은 센터 보관 계정이 없습니다. 보호자는 센터가 계정을 보관하는 회원만 "
                                 "대신할 수 있습니다(지갑이 있는 주민은 직접 이용합니다)",
                                 "a guardian acts only for a member whose account the centre holds",
                                 "보호자는 센터가 계정을 보관하는 회원만 대신할 수 있습니다"),
    "guardian_revoked": _e("the guardian {name} is already revoked", "보호자 {name} 님은 이미 해제되었습니다",
                           "this guardian is already revoked", "이 보호자는 이미 해제되었습니다"),
    "not_guardian": _e("you do not act for member {resident_id}: you are not (or no longer) their guardian",
                       "{resident_id}번 회원을 대신할 수 없습니다. 보호자로 등록되어 있지 않거나 등록이 해제되었습니다",
                       "you are not (or no longer) a guardian of this member",
                       "이 회원의 보호자로 등록되어 있지 않거나 등록이 해제되었습니다"),
    "custodial_address": _e("{address} is an account held by the centre, not a wallet of your own: sign in with "
                            "your own wallet to move to it",
                            "{address}은(는) 센터가 보관하는 계정입니다. 본인 지갑으로 로그인한 뒤 옮기기를 요청하세요",
                            "this address is an account held by the centre, not a wallet of your own",
                            "이 주소는 센터가 보관하는 계정입니다. 본인 지갑으로 로그인한 뒤 옮기기를 요청하세요"),
    "custodial_address_change": _e("resident {resident_id}'s account is held by the centre: its address is not changed "
                                   "by hand; the resident asks to move to their own wallet (the resident app, 본인 "
                                   "지갑으로 옮기기) and a coordinator confirms it, so the coins move too",
                                   "{resident_id}번 주민의 계정은 센터가 보관합니다. 주소를 직접 바꿀 수 없습니다. 주민이 앱에서 "
                                   "'본인 지갑으로 옮기기'를 요청하고 코디네이터가 확인하면 코인도 함께 옮겨집니다",
                                   "this resident's account is held by the centre: its address is not changed by "
                                   "hand; the resident asks to move to their own wallet and a coordinator confirms it",
                                   "이 주민의 계정은 센터가 보관합니다. 주소를 직접 바꿀 수 없습니다. 주민이 앱에서 '본인 지갑으로 "
                                   "옮기기'를 요청하고 코디네이터가 확인하면 코인도 함께 옮겨집니다"),
    "custody_moved": _e("resident {resident_id} has moved to a wallet of their own: the account held by the centre "
                        "and its cards are no longer used",
                        "{resident_id}번 주민은 본인 지갑으로 옮겼습니다. 센터 보관 계정과 회원 카드는 더 이상 쓰지 않습니다",
                        "this resident has moved to a wallet of their own: the account held by the centre and its "
                        "cards are no longer used",
                        "이 주민은 본인 지갑으로 옮겼습니다. 센터 보관 계정과 회원 카드는 더 이상 쓰지 않습니다"),
    "custody_key_destroyed": _e("the key of resident {resident_id}'s account held by the centre was destroyed after "
                                "the move to their own wallet: it signs nothing more",
                                "{resident_id}번 주민의 센터 보관 키는 본인 지갑으로 옮긴 뒤 폐기되었습니다. 더 이상 서명할 수 없습니다",
                                "the key of this account held by the centre was destroyed after the move to the "
                                "resident's own wallet",
                                "이 센터 보관 키는 본인 지갑으로 옮긴 뒤 폐기되었습니다. 더 이상 서명할 수 없습니다"),
    "move_needs_another_coordinator": _e(
        "you opened this account, set its PIN, printed or issued its card or registered a guardian for it in the last "
        "{days} days: another coordinator of the centre confirms the move of resident {resident_id} with them in person",
        "최근 {days}일 안에 이 계정을 열었거나, 비밀번호를 정했거나, 카드를 인쇄·발급했거나, 보호자를 등록하셨습니다. "
        "{resident_id}번 주민의 지갑 옮기기는 센터의 다른 코디네이터가 주민과 직접 만나 확인해야 합니다",
        "you have held this member's card or PIN recently: another coordinator of the centre confirms the move",
        "최근 이 회원의 카드나 비밀번호를 다루셨습니다. 센터의 다른 코디네이터가 옮기기를 확인해야 합니다"),
    "move_changed": _e("the request now names the wallet {address}, not the one you checked: look at it again with the "
                       "resident before confirming",
                       "요청된 지갑이 확인하신 주소가 아니라 {address}입니다. 주민과 다시 확인한 뒤 진행하세요",
                       "the request names another wallet than the one you checked: look at it again with the resident",
                       "요청된 지갑이 확인하신 주소와 다릅니다. 주민과 다시 확인한 뒤 진행하세요"),
    "move_in_progress": _e("a move to a wallet of your own is already {state}: wait for it to finish",
                           "본인 지갑으로 옮기기가 이미 진행 중입니다 (상태: {state}). 끝날 때까지 기다려 주세요",
                           "a move to a wallet of your own is already in progress: wait for it to finish",
                           "본인 지갑으로 옮기기가 이미 진행 중입니다. 끝날 때까지 기다려 주세요"),
    "no_move_request": _e("resident {resident_id} has no request to move to their own wallet waiting",
                          "{resident_id}번 주민의 본인 지갑으로 옮기기 요청이 없습니다",
                          "this resident has no request to move to their own wallet waiting",
                          "이 주민의 본인 지갑으로 옮기기 요청이 없습니다"),
    "move_not_failed": _e("only a move whose payment failed can be tried again (this one is {state})",
                          "결제가 실패한 옮기기만 다시 시도할 수 있습니다 (지금 상태: {state})",
                          "only a move whose payment failed can be tried again",
                          "결제가 실패한 옮기기만 다시 시도할 수 있습니다"),
    "balance_changed": _e("the balance changed while the move was being prepared ({amount} asked, {available} can "
                          "move now): try again",
                          "옮기는 동안 잔액이 바뀌었습니다 (요청 {amount}, 지금 옮길 수 있는 코인 {available}). 다시 시도하세요",
                          "the balance changed while the move was being prepared: try again",
                          "옮기는 동안 잔액이 바뀌었습니다. 다시 시도하세요"),
    "payee_moved": _e("{payee} was an account held by the centre whose resident moved to their own wallet: it can "
                      "receive nothing more; ask them for their new payment code",
                      "{payee}은(는) 본인 지갑으로 옮긴 주민의 예전 센터 보관 계정이라 더 받을 수 없습니다. 새 결제 코드를 "
                      "받아 주세요",
                      "this address was an account held by the centre whose resident moved to their own wallet: "
                      "it can receive nothing more",
                      "본인 지갑으로 옮긴 주민의 예전 센터 보관 계정이라 더 받을 수 없습니다. 새 결제 코드를 받아 주세요"),
    "not_custodial": _e("resident {resident_id} has no account held by the centre",
                        "{resident_id}번 주민은 센터가 보관하는 계정이 없습니다",
                        "this resident has no account held by the centre", "이 주민은 센터가 보관하는 계정이 없습니다"),
    "offer_of_another_provider": _e("offer {offer_id} is another provider's; at this desk only this provider's offers "
                                    "can be used",
                                    "{offer_id}번 상품은 다른 곳의 상품입니다. 이 창구에서는 이곳의 상품만 쓸 수 있습니다",
                                    "this offer is another provider's", "다른 곳의 상품입니다. 이 창구에서는 이곳의 상품만 쓸 수 있습니다"),
    "pin_format": _e("the PIN is {low} to {high} digits", "비밀번호는 숫자 {low}~{high}자리입니다",
                     "the PIN is 4 to 6 digits", "비밀번호는 숫자 4~6자리입니다"),
    "pin_too_easy": _e("this PIN is too easy to guess (the same digit, digits in a row, a repeated pair, or the end of "
                       "the phone number); choose another",
                       "너무 쉬운 비밀번호입니다(같은 숫자, 연속된 숫자, 반복, 전화번호 끝자리). 다른 숫자를 고르세요"),
    "pin_wrong": _e("the PIN is not right; {left} tries left before the card is locked",
                    "비밀번호가 맞지 않습니다. {left}번 더 틀리면 카드가 잠깁니다",
                    "the PIN is not right", "비밀번호가 맞지 않습니다. 다시 입력하세요"),
    "resident_has_wallet": _e("resident {resident_id} already has a wallet of their own ({address}); an account held "
                              "by the centre is for residents without one",
                              "{resident_id}번 주민은 이미 자기 지갑({address})이 있습니다. 센터 보관 계정은 지갑이 없는 "
                              "주민을 위한 것입니다",
                              "this resident already has a wallet of their own",
                              "이 주민은 이미 자기 지갑이 있습니다. 센터 보관 계정은 지갑이 없는 주민을 위한 것입니다"),
    "zero_amount": _e("{why}", "금액은 0보다 커야 합니다", "the amount must be more than 0", forms=[
        ("settle more than 0", "정산 금액은 0보다 커야 합니다"),
        ("donate more than 0", "기부 금액은 0보다 커야 합니다"),
        ("pay more than 0", "지급 금액은 0보다 커야 합니다")]),
    "zero_won": _e("{amount} base units are worth 0 won at {rate} won per coin",
                   "{amount} 기본 단위는 코인당 {rate}원 기준 0원입니다. 더 많이 정산하세요",
                   "the amount is worth 0 won at the current rate", "현재 환율로는 0원이 됩니다. 더 많이 정산하세요"),
    # the 1365 link (services.portal)
    "portal_not_configured": _e("the 1365 link is not set up: the city sets VB_PORTAL_SERVICE_KEY (docs/portal.md)",
                                "1365 연계가 설정되지 않았습니다. 시에서 VB_PORTAL_SERVICE_KEY를 설정해야 합니다 (docs/portal.md)"),
    "portal_unavailable": _e("the 1365 service did not answer usably ({why}); try again later",
                             "1365 서비스의 응답을 받을 수 없습니다 ({why}). 잠시 뒤에 다시 시도하세요",
                             "the 1365 service did not answer usably; try again later",
                             "1365 서비스의 응답을 받을 수 없습니다. 잠시 뒤에 다시 시도하세요"),
    "portal_refused": _e("the 1365 service refused the call (code {code}: {reason}); check the service key and the "
                         "query", "1365 서비스가 요청을 거절했습니다 (코드 {code}: {reason}). 서비스 키와 조회 조건을 확인하세요",
                         "the 1365 service refused the call; check the service key and the query",
                         "1365 서비스가 요청을 거절했습니다. 서비스 키와 조회 조건을 확인하세요"),
    "portal_item_invalid": _e("the programme's {field} is missing or not valid", "프로그램의 {field} 항목이 없거나 올바르지 않습니다",
                              "the programme has a missing or invalid field", "프로그램에 없거나 올바르지 않은 항목이 있습니다"),
    "came_from_portal": _e("activity {activity_id} was imported from 1365: it is there already",
                           "{activity_id}번 활동은 1365에서 가져온 것이라 이미 1365에 있습니다",
                           "the activity was imported from 1365: it is there already",
                           "1365에서 가져온 활동이라 이미 1365에 있습니다"),
    "not_confirmed_yet": _e("activity {activity_id} is {status}: only activities confirmed on-chain go to 1365",
                            "{activity_id}번 활동은 아직 '{status}' 상태입니다. 블록체인에 확정된 활동만 1365로 보냅니다",
                            "only activities confirmed on-chain go to 1365", "블록체인에 확정된 활동만 1365로 보냅니다"),
    "no_portal_consent": _e("the resident of activity {activity_id} has not agreed to share their hours with 1365",
                            "{activity_id}번 활동의 주민이 1365 실적 연계에 동의하지 않았습니다",
                            "the resident has not agreed to share their hours with 1365",
                            "주민이 1365 실적 연계에 동의하지 않았습니다"),
    "no_portal_id": _e("the resident of activity {activity_id} has no 1365 id recorded",
                       "{activity_id}번 활동의 주민의 1365 아이디가 등록되어 있지 않습니다",
                       "the resident has no 1365 id recorded", "주민의 1365 아이디가 등록되어 있지 않습니다"),
    "already_exported": _e("activity {activity_id} was exported to 1365 before", "{activity_id}번 활동은 이미 1365로 내보냈습니다",
                           "the activity was exported to 1365 before", "이미 1365로 내보낸 활동입니다"),
    "too_old_for_portal": _e("activity {activity_id} is more than {days} days old: 1365 no longer certifies it",
                             "{activity_id}번 활동은 {days}일이 지나 1365에서 인정받을 수 없습니다",
                             "the activity is too old for 1365 to certify", "기간이 지나 1365에서 인정받을 수 없는 활동입니다"),
    "portal_id_taken": _e("this 1365 id is linked to another resident: check it, or ask the centre",
                          "이 1365 아이디는 다른 주민에게 연계되어 있습니다. 아이디를 확인하거나 센터에 문의하세요"),
    "name_needed_with_portal_id": _e("a line that names the resident by 1365 id must also give their name (성명)",
                                     "1365 아이디로 주민을 적은 줄에는 성명도 있어야 합니다"),
    "already_exported_concurrently": _e("another export of these activities was made at the same moment: preview again",
                                        "같은 활동을 다른 내보내기가 방금 내보냈습니다. 다시 미리 보기를 하세요"),
    "portal_consent_required": _e("send consent: true — the resident's agreement to have their hours sent to 1365",
                                  "consent: true를 보내세요. 주민이 1365로 실적을 보내는 데 동의해야 합니다"),
    "nothing_to_export": _e("no activity of the period can go to 1365 (see the dry run's reasons)",
                            "이 기간에 1365로 보낼 수 있는 활동이 없습니다 (미리 보기의 사유를 확인하세요)"),
    "nothing_to_import": _e("no line of the file can be credited (see the dry run's reasons)",
                            "파일에서 인정할 수 있는 줄이 없습니다 (미리 보기의 사유를 확인하세요)"),
    "no_portal_consent_to_withdraw": _e("there is no consent to share hours with 1365 to withdraw",
                                        "철회할 1365 실적 연계 동의가 없습니다"),
    "hours_no_header": _e("the file's first row must name the resident (member number, 1365 id or phone), the day "
                          "(봉사일자) and the time (minutes, hours, or a start and an end)",
                          "파일의 첫 줄에 주민(회원번호, 1365 아이디 또는 전화번호), 봉사일자, 시간(분, 시간, 또는 시작·종료 시각) "
                          "열 이름이 있어야 합니다"),
    "bad_day": _e("'{day}' is not a day (write 2026-11-03)", "'{day}'은(는) 날짜가 아닙니다 (2026-11-03처럼 쓰세요)",
                  "the day is missing or not a date (write 2026-11-03)", "날짜가 없거나 올바르지 않습니다 (2026-11-03처럼 쓰세요)"),
    "bad_clock": _e("'{value}' is not a time of day (write 09:30)", "'{value}'은(는) 시각이 아닙니다 (09:30처럼 쓰세요)",
                    "a time of day is not valid (write 09:30)", "시각이 올바르지 않습니다 (09:30처럼 쓰세요)"),
    "already_imported": _e("the line of row {row} was imported before: it is credited already",
                           "{row}번째 줄은 이미 가져와 인정된 실적입니다",
                           "this line was imported before: it is credited already", "이미 가져와 인정된 실적입니다"),
}

# Korean for a refusal whose code has no entry, by its HTTP status.
GENERIC_KO = {
    400: "요청이 올바르지 않습니다", 401: "로그인이 필요하거나 인증 정보가 올바르지 않습니다", 403: "권한이 없습니다",
    404: "찾을 수 없습니다", 409: "지금 상태에서는 처리할 수 없는 요청입니다", 422: "요청 내용이 올바르지 않습니다",
    429: "요청이 너무 많습니다. 잠시 후 다시 시도하세요", 500: "서버에서 오류가 났습니다",
    503: "서비스를 잠시 쓸 수 없습니다. 잠시 후 다시 시도하세요",
}
