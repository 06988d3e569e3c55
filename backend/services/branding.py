"""The city's branding of the residents' app, from a YAML file (config/branding.yaml, or VB_BRANDING_FILE) and the
logo it names: read and checked once when the API starts (a wrong file stops the start with a message saying what
is wrong), then served as JSON, as the logo file and as the app's web manifest. See docs/branding.md."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from backend.domain import branding as rules
from backend.domain.branding import Branding, BrandingError

LOGO_URL = "/web/logo"
APP_PATH = "/app/"
MAX_LOGO_BYTES = 1_000_000


@dataclass(frozen=True)
class LoadedBranding:
    branding: Branding
    logo: bytes
    logo_type: str  # image/svg+xml or image/png
    icon_sizes: str  # "any" for an SVG, "WxH" for a PNG


def load(path: str | Path) -> LoadedBranding:
    """The branding of the file at `path` with its logo (a path relative to the file), checked; BrandingError naming
    the file and the mistake otherwise."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_bytes())
    except OSError as exc:
        raise BrandingError(f"cannot read the branding file {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise BrandingError(f"{path}: not valid YAML: {exc}") from None
    try:
        branding = rules.parse_branding(data)
        logo_path = path.parent / branding.logo
        try:
            logo = logo_path.read_bytes()
        except OSError as exc:
            raise BrandingError(f"logo: cannot read {logo_path}: {exc.strerror}") from None
        if not logo or len(logo) > MAX_LOGO_BYTES:
            raise BrandingError(f"logo: {logo_path} has {len(logo)} bytes; a logo has 1 to {MAX_LOGO_BYTES:,}")
        media_type = rules.logo_type(branding.logo, logo)
    except BrandingError as exc:
        raise BrandingError(f"{path}: {exc}") from None
    size = rules.png_size(logo) if media_type == "image/png" else None
    return LoadedBranding(branding, logo, media_type, f"{size[0]}x{size[1]}" if size else "any")


def view(loaded: LoadedBranding) -> dict:
    """Names, tagline and contact in Korean and English, the logo's URL and type, the colours."""
    return rules.public_view(loaded.branding, LOGO_URL, loaded.logo_type)


def logo(loaded: LoadedBranding) -> tuple[bytes, str]:
    """(the logo's bytes, its media type)."""
    return loaded.logo, loaded.logo_type


def web_manifest(loaded: LoadedBranding, language: str) -> dict:
    """The residents' app's web manifest in Korean or English."""
    return rules.web_manifest(loaded.branding, language, LOGO_URL, loaded.logo_type, loaded.icon_sizes, APP_PATH)
