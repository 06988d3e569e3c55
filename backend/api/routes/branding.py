"""The city's branding of the residents' app (public, no sign-in): names, colours and logo as JSON, the logo file,
and the app's web manifest (services.branding; the file: docs/branding.md)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from backend.services import branding
from backend.services.branding import LoadedBranding

router = APIRouter(prefix="/web", tags=["branding"])


def _loaded(request: Request) -> LoadedBranding:
    return request.app.state.branding


@router.get("/branding")
async def get_branding(request: Request) -> dict:
    """Name, short name, tagline and contact in Korean and English, the logo's URL (/web/logo) and type, and the
    colours (#rrggbb): primary, primary_text (text on primary), background, text, accent."""
    return branding.view(_loaded(request))


@router.get("/logo", response_class=Response, responses={200: {"content": {"image/svg+xml": {}, "image/png": {}}}})
async def get_logo(request: Request) -> Response:
    """The city's logo (SVG or PNG)."""
    content, media_type = branding.logo(_loaded(request))
    # An SVG opened on its own runs no script and loads nothing: it is an image, not a page.
    return Response(content, media_type=media_type, headers={
        "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox"})


@router.get("/manifest.webmanifest", response_class=JSONResponse,
            responses={200: {"content": {"application/manifest+json": {}}}})
async def get_web_manifest(request: Request, lang: Annotated[Literal["ko", "en"], Query()] = "ko") -> JSONResponse:
    """The web app manifest of the residents' app (/app/): names in Korean, or English with ?lang=en; the primary
    colour as theme colour; the logo as icon."""
    return JSONResponse(branding.web_manifest(_loaded(request), lang), media_type="application/manifest+json",
                        headers={"Cache-Control": "no-cache"})
