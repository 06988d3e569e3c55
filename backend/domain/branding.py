"""A city's branding of the residents' app — names, tagline, logo, colours, contact — checked before it is used:
every text in Korean and English, colours as #rrggbb, and text readable on its background (WCAG 2 contrast ratio at
least 4.5:1, the AA level for normal text). Pure: the service reads the file and the logo.

The rules of the file are documented in docs/branding.md.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

LANGUAGES = ("ko", "en")
COLOURS = ("primary", "primary_text", "background", "text", "accent")
# (foreground, background) pairs that must be readable: text on the primary colour, body text on the background.
# Text on its background: the buttons and the top bar; the pages; links, tabs and outlined buttons (primary is text
# there too). The app's panels, tabs and notices sit on fixed light greys (web/src/shared/base.css --surface), so the
# text colours must read on those as well: a dark theme is not supported.
READABLE_PAIRS = (("primary_text", "primary"), ("text", "background"), ("primary", "background"))
SURFACE = "#f4f5f6"  # web/src/shared/base.css --surface: the lightest of the app's fixed panel colours
MIN_CONTRAST = 4.5  # WCAG 2.x success criterion 1.4.3 (AA), normal text
HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
REQUIRED = {"name", "logo", "colours"}
OPTIONAL = {"short_name", "tagline", "contact"}
MAX_TEXT = {"name": 80, "short_name": 24, "tagline": 200, "contact": 200}


class BrandingError(ValueError):
    """The branding file is wrong; the message says where and how."""


@dataclass(frozen=True)
class Texts:
    ko: str | None
    en: str | None

    def as_dict(self) -> dict:
        return {"ko": self.ko, "en": self.en}

    def get(self, language: str) -> str | None:
        return self.ko if language == "ko" else self.en


@dataclass(frozen=True)
class Branding:
    name: Texts
    short_name: Texts
    tagline: Texts
    contact: Texts
    logo: str  # the path as the file gives it, relative to the file
    colours: dict[str, str]  # lower-case #rrggbb


def relative_luminance(colour: str) -> float:
    """WCAG 2 relative luminance of a #rrggbb colour (sRGB)."""
    channels = []
    for i in (1, 3, 5):
        c = int(colour[i:i + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    r, g, b = channels
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two #rrggbb colours, from 1 (the same) to 21 (black on white)."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def ratio_text(ratio: float) -> str:
    """The ratio as people write it, rounded down (4.49 is not shown as 4.5): "3.02:1"."""
    return f"{math.floor(ratio * 100) / 100:.2f}:1"


def _texts(value: Any, where: str, required: bool) -> Texts:
    if value is None and not required:
        return Texts(None, None)
    if not isinstance(value, dict):
        raise BrandingError(f"{where}: expected ko and en, e.g. {where}: {{ko: …, en: …}}; got {value!r}")
    missing = [lang for lang in LANGUAGES if lang not in value]
    if missing:
        raise BrandingError(f"{where}: missing {', '.join(missing)} (give the text in Korean and English)")
    unknown = sorted(set(map(str, value)) - set(LANGUAGES))
    if unknown:
        raise BrandingError(f"{where}: unknown key {', '.join(unknown)} (allowed: ko, en)")
    out = {}
    limit = MAX_TEXT.get(where, 200)
    for lang in LANGUAGES:
        text = value[lang]
        if not isinstance(text, str) or not text.strip() or len(text) > limit:
            raise BrandingError(f"{where}.{lang}: expected a non-empty text of at most {limit} characters, got {text!r}")
        out[lang] = text.strip()
    return Texts(**out)


def _colour(value: Any, where: str) -> str:
    if value is None:
        raise BrandingError(f"{where}: missing, or an unquoted #rrggbb (YAML reads # as a comment): write it in "
                            f'quotes, e.g. "#1a5fb4"')
    if not isinstance(value, str) or not HEX.match(value):
        raise BrandingError(f"{where}: {value!r} is not a colour: expected # and six hex digits, e.g. \"#1a5fb4\"")
    return value.lower()


def parse_branding(data: Any) -> Branding:
    """The branding of a parsed YAML document, or BrandingError naming the first mistake."""
    if not isinstance(data, dict):
        raise BrandingError(f"expected a mapping with {', '.join(sorted(REQUIRED))}, got {type(data).__name__}")
    missing = sorted(REQUIRED - data.keys())
    if missing:
        raise BrandingError(f"missing {', '.join(missing)}")
    unknown = sorted(set(map(str, data)) - REQUIRED - OPTIONAL)
    if unknown:
        raise BrandingError(f"unknown key {', '.join(unknown)} (allowed: {', '.join(sorted(REQUIRED | OPTIONAL))})")
    name = _texts(data["name"], "name", required=True)
    short_name = _texts(data["short_name"], "short_name", required=True) if data.get("short_name") is not None else name
    logo = data["logo"]
    if not isinstance(logo, str) or not logo.strip():
        raise BrandingError(f"logo: expected the path of an SVG or PNG file, relative to this file, got {logo!r}")
    if not logo.lower().endswith((".svg", ".png")):
        raise BrandingError(f"logo: {logo!r} is neither .svg nor .png")
    colours_in = data["colours"]
    if not isinstance(colours_in, dict):
        raise BrandingError(f"colours: expected {', '.join(COLOURS)}, got {colours_in!r}")
    missing = [c for c in COLOURS if c not in colours_in]
    if missing:
        raise BrandingError(f"colours: missing {', '.join(missing)}")
    unknown = sorted(set(map(str, colours_in)) - set(COLOURS))
    if unknown:
        raise BrandingError(f"colours: unknown key {', '.join(unknown)} (allowed: {', '.join(COLOURS)})")
    colours = {c: _colour(colours_in[c], f"colours.{c}") for c in COLOURS}
    pairs = [(f"colours.{fg} {colours[fg]}", colours[fg], f"colours.{bg} {colours[bg]}", colours[bg])
             for fg, bg in READABLE_PAIRS]
    pairs += [(f"colours.{fg} {colours[fg]}", colours[fg], f"the app's light panels ({SURFACE})", SURFACE)
              for fg in ("text", "primary")]
    for fg_name, fg, bg_name, bg in pairs:
        ratio = contrast_ratio(fg, bg)
        if ratio < MIN_CONTRAST:
            raise BrandingError(
                f"{fg_name} on {bg_name} has a contrast ratio of {ratio_text(ratio)}, "
                f"below the {MIN_CONTRAST}:1 that text needs to be readable (WCAG 2 AA); make one darker or lighter")
    return Branding(name=name, short_name=short_name, tagline=_texts(data.get("tagline"), "tagline", required=False),
                    contact=_texts(data.get("contact"), "contact", required=False), logo=logo.strip(), colours=colours)


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def logo_type(name: str, content: bytes) -> str:
    """The media type of a logo whose content matches its name (.svg: an SVG document; .png: a PNG image), else
    BrandingError."""
    if name.lower().endswith(".png"):
        if not content.startswith(PNG_SIGNATURE):
            raise BrandingError(f"logo: {name} is not a PNG image (its first bytes are not PNG's signature)")
        return "image/png"
    head = content[:4096].decode("utf-8", "replace").lstrip("\ufeff").lower()
    if "<svg" not in head:
        raise BrandingError(f"logo: {name} is not an SVG document (no <svg element at its start)")
    return "image/svg+xml"


def png_size(content: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG from its IHDR chunk."""
    if len(content) >= 24 and content.startswith(PNG_SIGNATURE) and content[12:16] == b"IHDR":
        return int.from_bytes(content[16:20], "big"), int.from_bytes(content[20:24], "big")
    return None


def public_view(branding: Branding, logo_url: str, media_type: str) -> dict:
    """What GET /web/branding answers."""
    return {"name": branding.name.as_dict(), "short_name": branding.short_name.as_dict(),
            "tagline": branding.tagline.as_dict(), "contact": branding.contact.as_dict(),
            "logo": logo_url, "logo_type": media_type, "colours": dict(branding.colours)}


def web_manifest(branding: Branding, language: str, logo_url: str, media_type: str, icon_sizes: str,
                 app_path: str = "/app/") -> dict:
    """The web app manifest (W3C Web Application Manifest) of the residents' app in `language`."""
    manifest = {"name": branding.name.get(language), "short_name": branding.short_name.get(language),
                "lang": language, "start_url": app_path, "scope": app_path, "display": "standalone",
                "theme_color": branding.colours["primary"], "background_color": branding.colours["background"],
                "icons": [{"src": logo_url, "sizes": icon_sizes, "type": media_type, "purpose": "any"}]}
    if branding.tagline.get(language):
        manifest["description"] = branding.tagline.get(language)
    return manifest
