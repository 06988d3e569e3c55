"""A local stand-in for the public data portal's volunteer-participation service (docs/portal.md), for the backend
tests (tests/backend/test_portal.py) and the browser journeys' stack (tests/web/stack.py): it answers the list
operation with the recorded pages of tests/backend/portal_responses (their dates moved to around today), or with
the gateway's refusal, and remembers each request's query. Never the real service."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

RESPONSES = Path(__file__).parent / "backend" / "portal_responses"
KST = timezone(timedelta(hours=9))
SERVICE_KEY = "test+key/with=signs"
PAGE_ROWS = 2  # the recorded pages hold two items and then one


def recorded_page(page: int) -> bytes:
    """Recorded page 1 or 2, its programmes running from three days ago to thirty days from now (Korean days)."""
    today = datetime.now(KST).date()
    return (RESPONSES / f"list_page{page}.xml").read_text(encoding="utf-8").replace(
        "{START}", (today - timedelta(days=3)).strftime("%Y%m%d")).replace(
        "{END}", (today + timedelta(days=30)).strftime("%Y%m%d")).encode()


class RecordedPortal:
    """The service on a free local port (`url`, as VB_PORTAL_API_URL takes it); `refuse = True` makes it answer
    with the gateway's refusal; `requests` lists each request's path and query."""

    def __init__(self):
        self.requests: list[dict] = []
        self.refuse = False
        portal = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                portal.requests.append({"path": url.path, **query})
                if portal.refuse:
                    body = (RESPONSES / "gateway_refusal.xml").read_bytes()
                else:
                    body = recorded_page(1 if query.get("pageNo") == "1" else 2)
                self.send_response(200)
                self.send_header("Content-Type", "application/xml;charset=UTF-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/1741000/VolunteerPartcptnService"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
