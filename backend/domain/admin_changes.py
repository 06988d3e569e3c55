"""What one of the city's changes would do, said in a sentence in English or Korean: the `effects` of a dry run.
Pure: the service reads the values before and after and names the sentence."""

from __future__ import annotations

from backend.domain.units import coins_text

# (English, Korean) per sentence; the values are filled in as given (amounts already written as coins).
SENTENCES: dict[str, tuple[str, str]] = {
    "add_centre": ("a new centre {key} ({name}) becomes centre {centre_id}, issuing at most {cap} coins every "
                   "{period_days} days",
                   "새 센터 {key}({name})이(가) {centre_id}번 센터가 되어 {period_days}일마다 최대 {cap}코인을 발행합니다"),
    "set_cap": ("centre {centre_id}'s cap {cap_before} → {cap} coins, every {period_before} → {period_days} days",
                "{centre_id}번 센터의 한도 {cap_before} → {cap}코인, 기간 {period_before} → {period_days}일"),
    "set_centre_active:on": ("centre {centre_id} is opened again: its coordinators can attest activities",
                             "{centre_id}번 센터가 다시 열려 코디네이터가 활동을 인증할 수 있습니다"),
    "set_centre_active:off": ("centre {centre_id} is closed: its coordinators can no longer attest activities",
                              "{centre_id}번 센터가 닫혀 코디네이터가 더 이상 활동을 인증할 수 없습니다"),
    "add_coordinator": ("{address} becomes a coordinator of centre {centre_id}",
                        "{address} 주소가 {centre_id}번 센터의 코디네이터가 됩니다"),
    "remove_coordinator": ("{address} is no longer a coordinator of centre {centre_id}",
                           "{address} 주소는 더 이상 {centre_id}번 센터의 코디네이터가 아닙니다"),
    "add_provider": ("{address} becomes a provider: it can publish offers and settle vouchers",
                     "{address} 주소가 제공처가 되어 상품을 올리고 이용권을 정산할 수 있습니다"),
    "remove_provider": ("{address} is no longer a provider", "{address} 주소는 더 이상 제공처가 아닙니다"),
    "add_charity": ("{address} becomes a charity: residents can donate to it",
                    "{address} 주소가 기부처가 되어 주민이 기부할 수 있습니다"),
    "remove_charity": ("{address} is no longer a charity", "{address} 주소는 더 이상 기부처가 아닙니다"),
    "set_rule": ("category {category}, rule version {version_before} → {version}: {coins_before} coins per "
                 "{units_before} units (at most {max_before}, {state_before}) → {coins} coins per {units} units "
                 "(at most {max_units}, {state})",
                 "{category}번 분류 규칙 버전 {version_before} → {version}: {units_before}단위당 {coins_before}코인"
                 "(최대 {max_before}, {state_before}) → {units}단위당 {coins}코인(최대 {max_units}, {state})"),
    "set_offer_active:on": ("offer {offer_id} goes back on sale", "{offer_id}번 상품이 다시 판매됩니다"),
    "set_offer_active:off": ("offer {offer_id} is taken off sale and suspended: its provider cannot put it back",
                             "{offer_id}번 상품의 판매가 중지되고 제공처가 다시 판매할 수 없습니다"),
    "set_won_per_coin": ("won per coin {before} → {after}", "1코인당 원화 {before}원 → {after}원"),
    "pause": ("the coin is paused: no coin is minted, moved, redeemed, donated or settled until it is resumed",
              "코인이 일시 정지되어 다시 시작할 때까지 발행·전송·사용·기부·정산이 모두 멈춥니다"),
    "unpause": ("the coin is resumed: coins are minted and move again",
                "코인이 다시 시작되어 발행과 전송이 다시 이루어집니다"),
}

STATE = {"en": {True: "active", False: "switched off"}, "ko": {True: "사용", False: "중지"}}


def coins(base_units: int) -> str:
    return coins_text(base_units)


def state(active: bool, language: str) -> str:
    return STATE["ko" if language == "ko" else "en"][bool(active)]


def describe(sentence: str, language: str, **values) -> str:
    """The sentence `sentence` of SENTENCES in `language` ("ko", else English), filled with `values`."""
    en, ko = SENTENCES[sentence]
    return (ko if language == "ko" else en).format(**values)
