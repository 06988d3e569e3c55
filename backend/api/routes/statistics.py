"""Open statistics (public, no sign-in): coins and hours issued, revoked, redeemed, donated and settled, by month,
centre, category and organisation, as JSON or CSV, computed from the indexed events up to the last indexed block.

scripts/recompute_statistics.py computes the same bytes from a node alone; see docs/statistics.md.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from backend.api.deps import ChainDep, DbDep
from backend.chain.deployment import ManifestError, manifest_path, read_manifest
from backend.domain import statistics as st
from backend.domain.errors import Refusal
from backend.store.statistics import NotIndexedYet, indexed_head, statistics_events

router = APIRouter(tags=["statistics"])
_lock = threading.Lock()


def _catalogue(request: Request, chain) -> st.Catalogue:
    """From the manifest file as it is now (tools/admin records new centres, categories and organisations there),
    which is the file the recompute script reads; the copy loaded at start if the file cannot be read. Read again
    only when the file changed."""
    path = manifest_path(chain.chain_id, request.app.state.settings.deployments_dir)
    try:
        stat = path.stat()
        version = (str(path), stat.st_mtime_ns, stat.st_size)
    except OSError:
        version = None
    kept = getattr(request.app.state, "statistics_catalogue", None)
    if version is not None and kept is not None and kept[0] == version:
        return kept[1]
    try:
        manifest = read_manifest(path) if version is not None else None
    except ManifestError:
        manifest = None
    catalogue = st.catalogue_from_manifest(manifest or chain.deployment.manifest)
    request.app.state.statistics_catalogue = (version, catalogue) if manifest else None
    return catalogue


@dataclass
class _Cache:
    aggregator: st.Aggregator
    stats: st.Statistics


def current_statistics(request: Request, db, chain) -> st.Statistics:
    """The statistics at the last indexed block. Kept between requests: a newer block adds only its new events to
    the sums; a reorganisation below the kept block, or a change of the manifest, starts again from all events."""
    catalogue = _catalogue(request, chain)
    with _lock:
        cache: _Cache | None = getattr(request.app.state, "statistics", None)
        if cache is not None and cache.aggregator.catalogue != catalogue:
            cache = None
        if cache is not None:
            head = indexed_head(db)
            db.rollback()
            if head == (cache.stats.to_block, cache.stats.to_block_hash):
                return cache.stats
        known = (cache.stats.to_block, cache.stats.to_block_hash) if cache else None
        request.app.state.statistics = None  # until the sums are consistent again
        try:
            with statistics_events(db, after=known) as (block, block_hash, events, incremental):
                aggregator = cache.aggregator if cache is not None and incremental else st.Aggregator(catalogue)
                aggregator.feed(events)
        except NotIndexedYet:
            raise Refusal(503, "not_indexed_yet",
                              "the indexer has not indexed the chain yet; try again shortly") from None
        except ValueError as exc:  # events without a block time, written by a worker older than 0005_statistics
            raise Refusal(503, "index_incomplete", f"the indexed events cannot be counted yet: {exc}; a worker "
                              "of this version gives them their block times when it starts") from None
        stats = aggregator.statistics(block, block_hash)
        request.app.state.statistics = _Cache(aggregator, stats)
        return stats


# Each filter by its name and the names also accepted (GET /activities says centre_id; "from/to month").
PARAMETERS = {"centre": ("centre", "centre_id"), "category": ("category", "category_id"),
              "from": ("from", "from_month"), "to": ("to", "to_month"), "month": ("month",), "format": ("format",)}
_NAMES = {name: canonical for canonical, names in PARAMETERS.items() for name in names}


def _query_filters(request: Request) -> dict[str, str]:
    """The filters of the query string by their canonical names; 422 for an unknown or repeated one."""
    params = request.query_params
    unknown = sorted({k for k in params if k not in _NAMES})
    if unknown:
        raise Refusal(422, "unknown_parameter", f"unknown query parameter(s) {', '.join(unknown)}; the filters "
                          "are centre, category, from, to (or month) and format")
    given: dict[str, list[str]] = {}
    for key in params:
        given.setdefault(_NAMES[key], []).extend(f"{key}={v}" for v in params.getlist(key))
    repeated = [" and ".join(dict.fromkeys(v)) for v in given.values() if len(v) > 1]
    if repeated:
        raise Refusal(422, "repeated_parameter", f"give each filter once: {'; '.join(repeated)}")
    return {canonical: values[0].split("=", 1)[1] for canonical, values in given.items()}


def _answer(request: Request, db, chain, fmt: str) -> Response:
    q = _query_filters(request)
    stats = current_statistics(request, db, chain)
    filters = st.parse_filters(stats, centre=q.get("centre"), category=q.get("category"), from_month=q.get("from"),
                               to_month=q.get("to"), month=q.get("month"))
    headers = {"X-Statistics-Chain-Id": str(stats.catalogue.chain_id), "X-Statistics-Block": str(stats.to_block),
               "X-Statistics-Block-Hash": stats.to_block_hash, "Cache-Control": "no-cache"}
    if fmt == "csv":
        headers["Content-Disposition"] = f'attachment; filename="{st.file_name(stats, "csv")}"'
        return Response(st.render_csv(stats, filters), media_type="text/csv; charset=utf-8", headers=headers)
    return Response(st.render_json(stats, filters), media_type="application/json", headers=headers)


# Declared for the OpenAPI description; the values are read by _query_filters, which also knows the other names.
Centre = Annotated[str | None, Query(description="a centre id (also centre_id): only its activity rows")]
Category = Annotated[str | None, Query(description="a category id or key, e.g. volunteering (also category_id)")]
FromMonth = Annotated[str | None, Query(alias="from", description="first month, YYYY-MM, UTC (also from_month)")]
ToMonth = Annotated[str | None, Query(alias="to", description="last month, YYYY-MM, UTC (also to_month)")]
Month = Annotated[str | None, Query(description="one month, YYYY-MM, UTC: from and to at once")]


@router.get("/statistics", response_class=Response, responses={
    200: {"content": {"application/json": {}, "text/csv": {}},
          "description": "the statistics, with the block they are computed up to"}})
def statistics(request: Request, db: DbDep, chain: ChainDep, centre: Centre = None, category: Category = None,
               from_month: FromMonth = None, to_month: ToMonth = None, month: Month = None,
               format: Annotated[Literal["json", "csv"], Query()] = "json") -> Response:
    """Hours and coins issued, revoked, redeemed, donated and settled, by month, centre, category and organisation,
    with their value in won; no personal data. `format=csv` (or /statistics.csv) for a CSV of the rows."""
    return _answer(request, db, chain, format)


@router.get("/statistics.csv", response_class=Response, responses={200: {"content": {"text/csv": {}}}})
def statistics_csv(request: Request, db: DbDep, chain: ChainDep, centre: Centre = None, category: Category = None,
                   from_month: FromMonth = None, to_month: ToMonth = None, month: Month = None,
                   format: Annotated[Literal["csv"], Query()] = "csv") -> Response:
    """The rows of /statistics as CSV."""
    return _answer(request, db, chain, "csv")
