"""The city's branding over HTTP: names, colours and logo as JSON, the logo file, the web app manifest; a city's own
file with a PNG logo, served by the real app; and the files refused at start (bad colours, missing names or logo,
unreadable text)."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import httpx
import pytest
import yaml
from conftest import ROOT, serve

from backend.api.app import create_app
from backend.domain.branding import BrandingError, contrast_ratio
from backend.services.branding import load

DEFAULT = yaml.safe_load((ROOT / "config" / "branding.yaml").read_text())
CITY = {
    "name": {"ko": "부산 봉사은행", "en": "Busan Volunteer Bank"},
    "short_name": {"ko": "봉사은행", "en": "BVB"},
    "tagline": {"ko": "함께하는 부산", "en": "Busan, together"},
    "logo": "art/busan.png",
    "colours": {"primary": "#004C97", "primary_text": "#FFFFFF", "background": "#fdfcf8", "text": "#222222",
                "accent": "#e4002b"},
    "contact": {"ko": "부산 자원봉사센터 051-000-0000", "en": "Busan volunteer centre, +82 51-000-0000"},
}


def png(width: int, height: int) -> bytes:
    """A valid PNG of one colour, written by hand (no imaging library)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x00\x4c\x97" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def city_file(tmp_path: Path, data: dict, logo: bytes | None = None) -> Path:
    path = tmp_path / "branding.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    if logo is not None:
        (tmp_path / "art").mkdir(exist_ok=True)
        (tmp_path / data["logo"]).write_bytes(logo)
    return path


def test_the_default_branding_over_http(backend):
    r = backend.http.get("/web/branding")  # no sign-in
    assert r.status_code == 200, r.text
    b = r.json()
    assert b["name"] == DEFAULT["name"] and b["short_name"] == DEFAULT["short_name"]
    assert b["tagline"] == DEFAULT["tagline"] and b["contact"] == DEFAULT["contact"]
    assert b["logo"] == "/web/logo" and b["logo_type"] == "image/svg+xml"
    assert b["colours"] == DEFAULT["colours"]
    assert contrast_ratio(b["colours"]["primary_text"], b["colours"]["primary"]) >= 4.5

    logo = backend.http.get(b["logo"])
    assert logo.status_code == 200 and logo.headers["content-type"] == "image/svg+xml"
    assert logo.content == (ROOT / "config" / "branding" / "logo.svg").read_bytes()
    assert "sandbox" in logo.headers["content-security-policy"]  # an SVG opened alone runs no script

    m = backend.http.get("/web/manifest.webmanifest")
    assert m.status_code == 200 and m.headers["content-type"] == "application/manifest+json"
    manifest = m.json()
    assert manifest == {
        "name": DEFAULT["name"]["ko"], "short_name": DEFAULT["short_name"]["ko"], "lang": "ko",
        "description": DEFAULT["tagline"]["ko"], "start_url": "/app/", "scope": "/app/", "display": "standalone",
        "theme_color": DEFAULT["colours"]["primary"], "background_color": DEFAULT["colours"]["background"],
        "icons": [{"src": "/web/logo", "sizes": "any", "type": "image/svg+xml", "purpose": "any"}]}
    en = backend.http.get("/web/manifest.webmanifest", params={"lang": "en"}).json()
    assert (en["name"], en["short_name"], en["lang"]) == (DEFAULT["name"]["en"], DEFAULT["short_name"]["en"], "en")
    r = backend.http.get("/web/manifest.webmanifest", params={"lang": "fr"})
    assert r.status_code == 422 and r.json()["error"] == "invalid_request"


def test_a_city_rebrands_with_its_own_file_and_png_logo(backend, tmp_path):
    logo = png(192, 192)
    path = city_file(tmp_path, CITY, logo)
    settings = backend.settings.model_copy(update={"branding_file": path,
                                                   "database_url": f"sqlite:///{tmp_path / 'city.db'}"})
    url, stop = serve(create_app(settings, chain=backend.chain))
    try:
        with httpx.Client(base_url=url, timeout=30) as http:
            b = http.get("/web/branding").json()
            assert b["name"] == CITY["name"] and b["tagline"] == CITY["tagline"] and b["contact"] == CITY["contact"]
            assert b["colours"] == {k: v.lower() for k, v in CITY["colours"].items()}
            assert b["logo_type"] == "image/png"
            r = http.get("/web/logo")
            assert r.headers["content-type"] == "image/png" and r.content == logo
            m = http.get("/web/manifest.webmanifest", params={"lang": "en"}).json()
            assert (m["name"], m["short_name"], m["theme_color"], m["background_color"]) == (
                "Busan Volunteer Bank", "BVB", "#004c97", "#fdfcf8")
            assert m["icons"] == [{"src": "/web/logo", "sizes": "192x192", "type": "image/png", "purpose": "any"}]
    finally:
        stop()


def _edit(**changes) -> dict:
    data = yaml.safe_load(yaml.safe_dump(CITY))
    for dotted, value in changes.items():
        *path, last = dotted.split("__")
        target = data
        for key in path:
            target = target[key]
        if value is None:
            target.pop(last)
        else:
            target[last] = value
    return data


@pytest.mark.parametrize(("data", "message"), [
    (_edit(colours__primary="#12345"), "colours.primary: '#12345' is not a colour"),
    (_edit(colours__accent="blue"), "colours.accent: 'blue' is not a colour"),
    (_edit(name=None), "missing name"),
    (_edit(name={"ko": "부산 봉사은행"}), "name: missing en"),
    (_edit(tagline={"ko": "", "en": "x"}), "tagline.ko: expected a non-empty text"),
    (_edit(colours__text=None), "colours: missing text"),
    (_edit(colours__primary_text="#ffffff", colours__primary="#ffcc00"),
     "colours.primary_text #ffffff on colours.primary #ffcc00 has a contrast ratio of 1.51:1, below the 4.5:1"),
    (_edit(colours__text="#777777", colours__background="#ffffff"),
     "colours.text #777777 on colours.background #ffffff has a contrast ratio of 4.47:1, below the 4.5:1"),
    (_edit(colours__primary="#ffcc00", colours__primary_text="#000000"),
     "colours.primary #ffcc00 on colours.background"),
    (_edit(colours__background="#111111", colours__text="#eeeeee", colours__primary="#8ab4f8", colours__primary_text="#000000"),
     "colours.text #eeeeee on the app's light panels (#f4f5f6) has a contrast ratio of 1.06:1"),
    (_edit(colors={"primary": "#000000"}), "unknown key colors"),
    (_edit(logo="art/busan.gif"), "is neither .svg nor .png"),
])
def test_a_wrong_branding_file_is_refused_with_what_is_wrong(tmp_path, data, message):
    path = city_file(tmp_path, data, png(4, 4))
    with pytest.raises(BrandingError) as e:
        load(path)
    assert message in str(e.value) and str(path) in str(e.value)


def test_missing_or_mislabelled_logo_and_unquoted_colour_are_refused(tmp_path):
    path = city_file(tmp_path, CITY)  # no logo written
    with pytest.raises(BrandingError, match=r"logo: cannot read .*busan\.png"):
        load(path)
    city_file(tmp_path, CITY, b"<svg xmlns='http://www.w3.org/2000/svg'/>")  # an SVG named .png
    with pytest.raises(BrandingError, match="is not a PNG image"):
        load(path)
    text = path.read_text().replace("'#004C97'", "#004C97")  # YAML reads an unquoted # as a comment
    assert "primary: #004C97" in text
    path.write_text(text)
    with pytest.raises(BrandingError, match="unquoted #rrggbb"):
        load(path)
    with pytest.raises(BrandingError, match="cannot read the branding file"):
        load(tmp_path / "nowhere.yaml")


def test_the_app_does_not_start_with_a_wrong_branding_file(backend, tmp_path):
    path = city_file(tmp_path, _edit(colours__primary="#eeeeee"), png(4, 4))
    settings = backend.settings.model_copy(update={"branding_file": path})
    with pytest.raises(BrandingError, match="contrast ratio of 1.16:1"):
        create_app(settings, chain=backend.chain)
