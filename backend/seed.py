"""Seeds a demo on a fresh local deployment (used by tools/run):

    python -m backend.seed      → prints the demo accounts as JSON

Staff: an admin, a coordinator and a welfare officer of centre 1, a provider (the manifest's first provider);
residents: dev accounts 7 and 8 with made-up names (personal data, so in the database only); for the community layer,
four Seocho areas with their centroids, centre 1 serving 서초2동 and centre 2 반포1동. Passwords are random on every
run, printed once. Existing accounts are left alone. On a local chain only, a development kiosk of centre 1 is
enrolled (its device code printed once, a new one each run; the one of the run before revoked), so that /kiosk/
works after one paste."""

from __future__ import annotations

import json
import secrets
import sys
from datetime import UTC, datetime

from sqlalchemy import select

from backend.services.security import hash_password
from backend.chain.client import ChainClient
from backend.chain.keys import dev_key
from backend.config import get_settings, local_chain
from backend.domain.custody import new_kiosk_token, token_digest
from backend.services.centres import sync_centres
from backend.store.activities import resident_for
from backend.store.areas import next_version
from backend.store.models import Area
from backend.store.db import make_engine, make_session_factory, migrate, transaction
from backend.store.models import AdminAudit, Centre, KioskDevice, StaffUser

DEV_KIOSK = "개발용 키오스크 (tools/run)"

DEMO_AREAS = {  # code: (name, latitude, longitude of the centroid)
    "seocho-seocho2": ("서초2동", 37.4925, 127.0260),
    "seocho-banpo1": ("반포1동", 37.5045, 127.0050),
    "seocho-banpo2": ("반포2동", 37.5080, 126.9960),
    "seocho-yangjae1": ("양재1동", 37.4700, 127.0350),
}
CENTRE_AREAS = {1: "seocho-seocho2", 2: "seocho-banpo1"}


def main() -> int:
    settings = get_settings()
    migrate(settings.database_url)
    sessions = make_session_factory(make_engine(settings.database_url))
    chain = ChainClient(settings)
    sync_centres(sessions, chain)
    provider = chain.deployment.manifest["config"]["providers"][0]["address"]
    accounts = {}
    with transaction(sessions) as s:
        for username, role, centre, address in (("admin", "admin", None, None), ("coord1", "coordinator", 1, None),
                                                ("officer1", "welfare_officer", 1, None), ("gym", "provider", None, provider)):
            user = s.scalar(select(StaffUser).where(StaffUser.username == username))
            password = secrets.token_urlsafe(9)
            if user is None:
                s.add(StaffUser(username=username, password_hash=hash_password(password), role=role, centre_id=centre,
                                address=address))
            else:
                user.password_hash = hash_password(password)  # a fresh demo password each run
            accounts[username] = {"role": role, "password": password, "centre_id": centre}
        residents = {}
        for index, name in ((7, "Kim Minji (demo)"), (8, "Park Jisoo (demo)")):
            address = dev_key(index).address
            resident_for(s, address, name=name)
            residents[name] = address
        for code, (name, lat, lon) in DEMO_AREAS.items():
            s.merge(Area(code=code, name=name, lat=lat, lon=lon))
        next_version(s, "areas")
        for centre_id, code in CENTRE_AREAS.items():
            centre = s.get(Centre, centre_id)
            if centre is not None and centre.area is None:
                centre.area = code
    kiosk = dev_kiosk(sessions) if local_chain(settings, chain.chain_id) else None
    json.dump({"staff": accounts, "residents": residents, "areas": sorted(DEMO_AREAS), "kiosk": kiosk}, sys.stdout,
              ensure_ascii=False)
    print()
    return 0


def dev_kiosk(sessions) -> dict:
    """A kiosk of centre 1 enrolled for the local demo (local chains only: elsewhere a coordinator enrols each kiosk
    in the console); the previous run's development kiosk is revoked."""
    code = new_kiosk_token()
    with transaction(sessions) as s:
        for old in s.scalars(select(KioskDevice).where(KioskDevice.name == DEV_KIOSK, KioskDevice.revoked_at.is_(None))):
            old.revoked_at, old.revoked_by = datetime.now(UTC), "seed"
        device = KioskDevice(centre_id=1, name=DEV_KIOSK, token_digest=token_digest(code), enrolled_by="seed",
                             enrolled_at=datetime.now(UTC))
        s.add(device)
        s.flush()
        s.add(AdminAudit(actor="seed", actor_user_id=None, action="kiosk_enrolled",
                         params={"kiosk_id": device.id, "name": DEV_KIOSK}, centre_id=1))
    return {"centre_id": 1, "name": DEV_KIOSK, "device_code": code}


if __name__ == "__main__":
    sys.exit(main())
