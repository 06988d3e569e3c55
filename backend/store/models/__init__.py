"""The database tables: the core (centres, staff, residents, activities, the chain's outbox and events, chain
operations) and, one module each, the community's resources. Everything is importable from here, so Alembic and
every session see the whole schema."""

from backend.store.models.core import *  # noqa: F401,F403
from backend.store.models.core import Base, UtcDateTime, utcnow  # noqa: F401
from backend.store.models.areas import VersionCounter, Area, Organisation  # noqa: F401
from backend.store.models.offers import TalentOffer  # noqa: F401
from backend.store.models.needs import Need  # noqa: F401
from backend.store.models.matches import Match  # noqa: F401
from backend.store.models.reports import CommunityCredit, NeighbourReport, ReportAccess  # noqa: F401
from backend.store.models.proposals import Proposal, ProposalSupport, ProposalComment  # noqa: F401
from backend.store.models.sheets import AttendanceSheet, AttendanceLine, SignedBatch  # noqa: F401
from backend.store.models.leases import Lease  # noqa: F401
from backend.store.models.portal import PortalProgramme, PortalLink, PortalExport, PortalExported, PortalHours  # noqa: F401
from backend.store.models.restore import UnmatchedAttestation  # noqa: F401
from backend.store.models.custody import (CustodialAccount, CustodyMove, GuardianOp, Guardianship, KioskDevice,  # noqa: F401
                                          MemberCard, MemberNotice)
