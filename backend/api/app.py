"""The FastAPI application: routers, error handlers, and the startup that migrates the database, connects to the
chain through the manifest and, for development, can run the chain writer and indexer in-process."""

from __future__ import annotations

import gc
import logging
import secrets
import threading
from contextlib import asynccontextmanager

import requests
from eth_abi.exceptions import EncodingError
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError

from backend.api import community, web
from backend.api.body_limit import BodyLimit, BodyTooLarge
from backend.api.routes import (activities, admin, auth, branding, chain_views, directory, health, operations,
                                providers, resident_records, residents, sheets, staff, statistics)
from backend.api.routes import areas, certificates, community_rewards, custody, matches, needs, portal, proposals, reports, talents
from backend.api.routes import guardians, kiosks, statements
from backend.chain.client import ChainClient
from backend.config import Settings, deployment_problems, get_settings
from backend.domain import analysis
from backend.domain.errors import Refusal
from backend.domain.messages import localized, pick_language, validation_detail
from backend.domain.sentences import encoder
from backend.services import branding as branding_service
from backend.services.centres import sync_centres
from backend.services.recorder import ActivityRecorder
from backend.services.security import configure_passwords
from backend.store.db import make_engine, make_session_factory, migrate

log = logging.getLogger("backend")
NUMERIC_VALUE_OUT_OF_RANGE = "22003"  # PostgreSQL's SQLSTATE


def _move_finisher(app: FastAPI, settings: Settings, stop: threading.Event) -> list[threading.Thread]:
    """Custodial residents' moves to their own wallets are finished by the API processes: they hold the master key
    the sweeps are signed with (the worker does not)."""
    from backend.services import custody, graduation

    if app.state.chain is None or not settings.custody_move_finish_s:
        return []
    keyring = custody.Keyring.from_settings(settings, app.state.chain.chain_id)
    app.state.custody_keyring = keyring
    if keyring is None:
        return []
    finisher = graduation.MoveFinisher(settings, app.state.sessions, app.state.chain, keyring)
    thread = threading.Thread(target=finisher.run, args=(stop,), name="custody-moves", daemon=True)
    thread.start()
    return [thread]


def create_app(settings: Settings | None = None, *, chain: ChainClient | None = None, run_worker: bool = False) -> FastAPI:
    settings = configured = settings or get_settings()
    if not settings.jwt_secret:
        # Tokens then last as long as this process; set VB_JWT_SECRET to keep them across restarts and processes.
        settings = settings.model_copy(update={"jwt_secret": secrets.token_urlsafe(32)})
        log.warning("VB_JWT_SECRET is not set: using a random secret for this process")
    configure_passwords(settings.argon2_memory_kib, settings.argon2_time_cost, settings.argon2_parallelism)
    encoder()  # the matcher's sentence encoder, loaded before any thread: loading sets the environment
    # Kiwi loaded and made to read once before the server serves: seconds of CPU holding the GIL (every request of
    # the process waits), which a resident's first search would otherwise pay.
    analysis.warm()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        migrate(settings.database_url)
        app.state.chain = chain or _connect(settings)
        problems = deployment_problems(configured, app.state.chain.chain_id if app.state.chain is not None else None)
        if problems:
            raise RuntimeError("refusing to start outside a local development chain: " + "; ".join(problems))
        if app.state.chain is not None:
            sync_centres(app.state.sessions, app.state.chain)
        community.start(app, settings)
        stop = threading.Event()
        threads = []
        if run_worker and app.state.chain is not None:
            from backend.worker import start_in_process

            threads = start_in_process(settings, app.state.sessions, app.state.chain, stop)
        threads += _move_finisher(app, settings, stop)
        # What was built at start (modules, ABIs, the app) lives as long as the process: out of the collector's
        # sight, so its full collections stop pausing requests for tens of milliseconds.
        gc.freeze()
        yield
        stop.set()
        for t in threads:
            t.join(10)

    app = FastAPI(title="Volunteer Bank", version="0.1.0", lifespan=lifespan,
                  description="Coordinators record and verify volunteer activity; the backend puts it on-chain exactly once.")
    engine = make_engine(settings.database_url)
    app.state.settings, app.state.engine = settings, engine
    app.state.sessions = make_session_factory(engine)
    app.state.chain = chain
    app.state.recorder = ActivityRecorder(app.state.sessions, lambda a: jsonable_encoder(activities.to_out(a)))
    app.state.accounts = {}  # deps.current_principal's short-lived cache of staff accounts
    # The city's branding, checked now: a wrong file stops the start with a message saying what is wrong.
    app.state.branding = branding_service.load(settings.branding_file)

    @app.exception_handler(Refusal)
    async def domain_error(request: Request, exc: Refusal) -> JSONResponse:
        language = pick_language(request.headers.get("accept-language"))
        headers = {"Content-Language": language}
        if exc.status == 429 and isinstance(exc.params.get("wait"), int):
            headers["Retry-After"] = str(exc.params["wait"])
        return JSONResponse({"error": exc.code, "detail": localized(exc, language)}, status_code=exc.status,
                            headers=headers)

    @app.exception_handler(BodyTooLarge)
    async def body_too_large(request: Request, exc: BodyTooLarge) -> JSONResponse:
        # A body without Content-Length that grew past the limit while a route read it (middleware: BodyLimit).
        return await domain_error(request, exc.refusal())

    @app.exception_handler(OverflowError)
    @app.exception_handler(DataError)
    @app.exception_handler(EncodingError)
    async def number_out_of_range(request: Request, exc: Exception) -> JSONResponse:
        # A safety net under the API's types (api/schemas: Id, OfferId, Coins), which bound every number a request
        # carries: one that still reaches SQLite (OverflowError), PostgreSQL (numeric_value_out_of_range) or the
        # chain's encoder (eth_abi) too large is the request's fault, refused like any bad input. Other data errors
        # of the database stay faults of ours (500).
        if isinstance(exc, DataError) and getattr(exc.orig, "sqlstate", None) != NUMERIC_VALUE_OUT_OF_RANGE:
            raise exc
        log.warning("%s %s: a number out of range reached %s", request.method, request.url.path, type(exc).__name__)
        return await domain_error(request, Refusal(422, "number_out_of_range"))

    @app.exception_handler(requests.exceptions.RequestException)
    async def node_unreachable(_: Request, exc: requests.exceptions.RequestException) -> JSONResponse:
        return JSONResponse({"error": "chain_unavailable",
                             "detail": "the chain node is not reachable; nothing was changed, try again shortly"},
                            status_code=503)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        language = pick_language(request.headers.get("accept-language"))
        return JSONResponse({"error": "invalid_request", "detail": validation_detail(exc.errors(), language),
                             "problems": jsonable_encoder(exc.errors())}, status_code=422,
                            headers={"Content-Language": language})

    for router in (auth.router, staff.router, resident_records.router, sheets.router, activities.router, chain_views.router, statistics.router,
                   health.router, residents.router, directory.router, providers.router, admin.router,
                   operations.router, branding.router,
                   areas.router, talents.router, needs.router,
                   matches.router, reports.router, proposals.router, community_rewards.router, certificates.router,
                   portal.router, custody.router, guardians.router, kiosks.router, statements.router):
        app.include_router(router)
    web.mount(app, settings.web_dir)
    # Every body at most VB_MAX_BODY_BYTES (413 request_too_large); the sheet upload bounds its own (routes/sheets).
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes, own_limit=frozenset({("POST", "/sheets"), ("POST", portal.HOURS_PATH)}))
    return app


def _connect(settings: Settings) -> ChainClient | None:
    try:
        return ChainClient(settings)
    except Exception as exc:
        log.error("chain not available: %s", exc)
        return None
