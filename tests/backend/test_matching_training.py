"""Training the matcher from a real database: `python -m backend.matching_train` learns from the decided matches,
stores the model, and an API process's matcher that starts on the same data loads it instead of training again."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from conftest import ROOT, database_url
from nodes import command_env

from backend.api.community import OfferMatcher
from backend.domain.matching import NeedQuery, Weights, parse_slots, slots_between
from backend.store import matching_model
from backend.store.areas import next_version
from backend.store.db import make_engine, make_session_factory, migrate, transaction
from backend.store.models import Area, Match, Need, Resident, TalentOffer

NEAR, FAR = "seocho-banpo1", "nowon-sanggye1"  # 17 km apart
SATURDAY = datetime(2026, 12, 5, 1, tzinfo=UTC)  # 10:00 in Korea
MONDAY = SATURDAY + timedelta(days=2)
OFFERS = 120


def free_on_saturday(i: int) -> bool:
    return i % 3 != 0


@pytest.fixture
def platform(tmp_path):
    """120 cooking offers, near (odd) or far (even), free on Saturdays or on Mondays; a Saturday need matched with
    each: whoever was free then completed it, whoever was not declined, near or far alike."""
    url = database_url(tmp_path)
    migrate(url)
    sessions = make_session_factory(make_engine(url))
    with transaction(sessions) as s:
        s.add_all([Area(code=NEAR, name="반포1동", lat=37.5045, lon=127.0050),
                   Area(code=FAR, name="상계1동", lat=37.6690, lon=127.0570)])
        requester = Resident(name="requester")
        s.add(requester)
        s.flush()
        need = Need(resident_id=requester.id, title="요리 도와주세요", area=NEAR, starts_at=SATURDAY,
                    ends_at=SATURDAY + timedelta(hours=2), settlement="payment", status="done", created_by="test")
        s.add(need)
        for i in range(1, OFFERS + 1):
            volunteer = Resident(name=f"volunteer {i}")
            s.add(volunteer)
            s.flush()
            day = ["sat"] if free_on_saturday(i) else ["mon"]
            offer = TalentOffer(id=i, resident_id=volunteer.id, title=f"요리 봉사 {i}", area=NEAR if i % 2 else FAR,
                                availability=parse_slots(day), version=next_version(s, "offers"))
            s.add(offer)
            s.flush()
            s.add(Match(need_id=need.id, offer_id=i, volunteer_id=volunteer.id, proposed_by="test",
                        status="completed" if free_on_saturday(i) else "declined"))
    return url, sessions, tmp_path / "models"


def train_command(url: str, model_dir) -> dict:
    out = subprocess.run([sys.executable, "-m", "backend.matching_train", "--database-url", url,
                          "--model-dir", str(model_dir)],
                         cwd=ROOT, env=command_env(), capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


MONDAY_NEED = NeedQuery("요리 부탁해요", NEAR, slots_between(MONDAY, MONDAY + timedelta(hours=2)), "someone")
NEAR_BUSY, FAR_FREE = 1, 6  # near but free only on Saturdays; 17 km away but free on Mondays


def test_the_train_command_stores_a_model_whose_ranking_follows_the_outcomes(platform):
    url, sessions, model_dir = platform
    untrained = OfferMatcher()
    with sessions() as s:
        assert untrained.explain(s, MONDAY_NEED, NEAR_BUSY).score > untrained.explain(s, MONDAY_NEED, FAR_FREE).score
    report = train_command(url, model_dir)
    assert report["learned_weights"] and report["outcomes"] == OFFERS
    assert report["weights"]["schedule"] > Weights().schedule  # being free then is what made a match work
    started = OfferMatcher(matching_model.model_file(model_dir, url))
    with sessions() as s:
        started.train(s)
        assert started.explain(s, MONDAY_NEED, FAR_FREE).score > started.explain(s, MONDAY_NEED, NEAR_BUSY).score


def test_a_process_starting_on_unchanged_data_loads_the_stored_model_instead_of_training(platform):
    url, sessions, model_dir = platform
    report = train_command(url, model_dir)
    started = OfferMatcher(matching_model.model_file(model_dir, url))
    with sessions() as s:
        started.train(s)
    assert started.loaded and started.report.__dict__ == {k: v for k, v in report.items() if k != "model_file"}
    assert started.index.scorer.weights.schedule == pytest.approx(report["weights"]["schedule"])


def test_a_changed_outcome_makes_the_next_start_train_again_and_store_the_new_model(platform):
    url, sessions, model_dir = platform
    train_command(url, model_dir)
    path = matching_model.model_file(model_dir, url)
    before = matching_model.load(path).mark
    with transaction(sessions) as s:
        s.get(Match, 1).status = "no_show"  # the same number of decided matches, one of them decided otherwise
    started = OfferMatcher(path)
    with sessions() as s:
        started.train(s)
    assert not started.loaded
    assert started.trained_on != before and matching_model.load(path).mark == started.trained_on
