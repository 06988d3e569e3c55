"""A centre's data for the city's own archive: the CSV files (UTF-8 with a byte-order mark, so Excel reads Korean)
and the README of the ZIP the admin downloads. Pure: the rows come from the service; the ZIP is written to the file
object it is given."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from typing import BinaryIO

ACTIVITIES = ("activity_id", "date", "category_id", "category_key", "category_name_ko", "units", "unit", "coins",
              "status", "source", "onchain_id", "tx_hash", "volunteer_member_number")
RESIDENTS = ("member_number", "name", "phone", "email", "wallet", "consent_terms_version", "consent_at",
             "registered_by")
REPORTS = ("report_id", "area", "status", "created_at", "decided_at", "triaged_by")
SETTLEMENTS = ("settlement_id", "provider", "provider_name", "coins", "amount_base_units", "won_amount",
               "won_per_coin", "block_number", "time", "tx_hash")

README = """Volunteer Bank: the data of centre {centre_id} ({centre_name}), exported {exported_at} by {actor}.

Each file is CSV in UTF-8 with a byte-order mark (Excel opens it with Korean intact); the first row names the columns;
times are ISO 8601 in UTC; a cell that would start with = + - @ is written with a leading ' so that a spreadsheet
shows it as text and never runs it as a formula.

activities.csv ({activities} rows): every activity recorded by this centre: its id, the day it happened (UTC, the day
  the chain records), its category (id, key, Korean name), units and their unit, the coins it earns (empty before
  approval), its status and source, its id on the chain and the transaction that attested it, and the volunteer's
  member number. No names, phone numbers, places or descriptions.
residents.csv ({residents} rows): the residents this centre registered: member number, name, phone, email, wallet,
  the terms version they consented to and when, and who registered them. PERSONAL DATA: keep it as the city keeps
  its residents' records.
reports.csv ({reports} rows): the neighbour-in-need reports routed to this centre, metadata only: id, area, status,
  when it was made and decided, and the officer who triaged it. What a report says stays sealed in the bank.
settlements.csv ({settlements} rows): the providers' settlements on the chain (Settled events){period}: settlement
  id, provider address and name, coins settled (and in base units), won paid and the rate, block, time and
  transaction. Settlements belong to providers, not to a centre: this file is the same for every centre.
"""

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> object:
    """A value as written to the CSV: None empty, text that a spreadsheet would take for a formula quoted with '."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([cell(v) for v in row])
    return "\ufeff".encode() + buffer.getvalue().encode()


def write_zip(out: BinaryIO, files: dict[str, bytes], readme: str) -> None:
    """README.txt and the CSV files, deflated, into `out`."""
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("README.txt", readme.encode())
        for name, data in files.items():
            z.writestr(name, data)
