"""How the community's rows are shown: talents, needs, candidates with their factors explained in the reader's
language, matches, reports and proposals."""

from __future__ import annotations

from backend.api.schemas.needs import CandidateOut, FactorOut, FittingNeedOut, NeedOut
from backend.api.schemas.proposals import CommentOut, ProposalOut
from backend.api.schemas.reports import AccessOut, ReportOut, ReportReceipt
from backend.api.schemas.talents import TalentOut
from backend.domain.matching import Factor, Ranked, RankedNeed, slot_names, slots_between
from backend.domain.messages import factor_note
from backend.services.actors import Actor, is_resident
from backend.services.reports import refusal_of
from backend.store.models import (Need, NeighbourReport, Proposal, ProposalComment, ReportAccess,
                                            TalentOffer)


def talent_out(o: TalentOffer, actor: Actor | None = None) -> TalentOut:
    mine = is_resident(actor) and actor.resident_id == o.resident_id
    return TalentOut(id=o.id, title=o.title, description=o.description, skills=list(o.skills or []), area=o.area,
                     availability=slot_names(o.availability), status=o.status, organisation_id=o.organisation_id,
                     mine=mine)


def need_out(n: Need, actor: Actor | None = None) -> NeedOut:
    mine = is_resident(actor) and actor.resident_id == n.resident_id
    return NeedOut(id=n.id, title=n.title, description=n.description, area=n.area, starts_at=n.starts_at,
                   ends_at=n.ends_at, slots=slot_names(slots_between(n.starts_at, n.ends_at)),
                   people_needed=n.people_needed, settlement=n.settlement, centre_id=n.centre_id,
                   organisation_id=n.organisation_id, proposal_id=n.proposal_id, status=n.status,
                   closed_reason=n.closed_reason, mine=mine)


def factors_out(factors: dict[str, Factor], language: str, area_names: dict[str, str]) -> dict[str, FactorOut]:
    return {k: FactorOut(value=round(f.value, 4), weight=f.weight, contribution=round(f.contribution, 4),
                         note=factor_note(f, language, area_names))
            for k, f in factors.items()}


def candidates_out(ranked: list[Ranked], offers: dict[int, TalentOffer], actor: Actor, language: str,
                   area_names: dict[str, str]) -> list[CandidateOut]:
    return [CandidateOut(talent=talent_out(offers[r.offer_id], actor), score=r.score, matched_terms=r.matched_terms,
                         factors=factors_out(r.factors, language, area_names))
            for r in ranked if r.offer_id in offers]


def fitting_out(ranked: list[RankedNeed], needs: dict[int, Need], actor: Actor, language: str,
                area_names: dict[str, str]) -> list[FittingNeedOut]:
    return [FittingNeedOut(need=need_out(needs[r.need_id], actor), score=r.score, matched_terms=r.matched_terms,
                           factors=factors_out(r.factors, language, area_names))
            for r in ranked if r.need_id in needs]


def match_out(view: dict, language: str = "en", area_names: dict[str, str] | None = None) -> dict:
    """A match's view (services.matches.view) with its stored factors explained in the reader's language."""
    if view.get("factors") and language != "en":
        view = {**view, "factors": {k: {**f, "note": factor_note(f, language, area_names)}
                                    for k, f in view["factors"].items()}}
    return view


def receipt(r: NeighbourReport) -> ReportReceipt:
    return ReportReceipt(id=r.id, area=r.area, status=r.status, created_at=r.created_at)


def report_out(r: NeighbourReport, content: dict, notes: list[dict], reward: dict | None) -> ReportOut:
    return ReportOut(id=r.id, area=r.area, status=r.status, created_at=r.created_at, place=content["place"],
                     situation=content["situation"], neighbour=content.get("neighbour"), notes=notes,
                     reporter_id=r.reporter_id, reward_points=reward["points"] if reward else None,
                     activity_id=reward["activity_id"] if reward else r.activity_id, triaged_by=r.triaged_by)


def access_out(a: ReportAccess) -> AccessOut:
    reason = refusal_of(a.action)
    return AccessOut(actor=a.actor, staff_user_id=a.staff_user_id, action="refused" if reason else a.action,
                     reason=reason, at=a.at)


def comment_out(c: ProposalComment) -> CommentOut:
    return CommentOut(id=c.id, author=c.author, body=c.body, at=c.at)


def proposal_out(p: Proposal, *, mine: bool = False, supported: bool = False, model=ProposalOut, **extra):
    return model(id=p.id, kind=p.kind, title=p.title, body=p.body, area=p.area, status=p.status,
                 supporters=p.supporters, centre_id=p.centre_id, decided_by=p.decided_by,
                 decision_reason=p.decision_reason, created_at=p.created_at, mine=mine, supported=supported, **extra)
