"""The web app, served by the backend itself (same origin as the API: no CORS, and the session's Bearer token never
leaves it): the resident app at /app/ (an installable PWA), the providers' voucher desk at /desk/ and the public
dashboard at /dashboard/, the staff console at /console/, the public verification of volunteer certificates at
/verify/ and the centre's member card kiosk at /kiosk/, built by web/build.mjs into `settings.web_dir`. Files under /assets/ carry a content hash
in their names and are cached for good; the pages and the service worker are revalidated on every visit."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from backend.domain.errors import Refusal

PAGES = {"app": "resident app", "desk": "voucher desk", "dashboard": "dashboard", "console": "staff console",
         "verify": "certificate verification", "kiosk": "member card kiosk"}
# Same origin only: scripts, styles and data come from this server; the camera is for the voucher scanner, for
# scanning a neighbour's payment code and for the kiosk's member cards.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
                               "media-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'self'; "
                               "frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(self), microphone=(), geolocation=()",
}
REVALIDATE = {"Cache-Control": "no-cache"}


class HashedAssets(StaticFiles):
    """/assets/: names change with their content, so a browser keeps them for a year without asking."""

    async def get_response(self, path: str, scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response


def mount(app: FastAPI, web_dir: Path) -> None:
    def page(name: str):
        def serve(_: Request) -> Response:
            index = web_dir / name / "index.html"
            if not index.is_file():
                raise Refusal(503, "web_app_not_built", page=PAGES[name])
            return FileResponse(index, media_type="text/html; charset=utf-8", headers={**SECURITY_HEADERS, **REVALIDATE})
        serve.__name__ = f"{name}_page"
        return serve

    for name in PAGES:
        app.add_api_route(f"/{name}/", page(name), methods=["GET"], include_in_schema=False)
        app.add_api_route(f"/{name}", lambda name=name: RedirectResponse(f"/{name}/", 308), methods=["GET"],
                          include_in_schema=False)

    def service_worker() -> Response:
        sw = web_dir / "app" / "sw.js"
        if not sw.is_file():
            raise Refusal(503, "web_app_not_built", page=PAGES["app"])
        return FileResponse(sw, media_type="text/javascript; charset=utf-8", headers=REVALIDATE)

    app.add_api_route("/app/sw.js", service_worker, methods=["GET"], include_in_schema=False)
    app.add_api_route("/", lambda: RedirectResponse("/app/", 307), methods=["GET"], include_in_schema=False)
    app.mount("/assets", HashedAssets(directory=web_dir / "assets", check_dir=False), name="assets")
