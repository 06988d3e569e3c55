"""Rows by primary key, or the request refused: the one "get by id or 404" of every service."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.domain.errors import Refusal

Row = TypeVar("Row")


def get_or_refuse(s: Session, model: type[Row], key, what: str, *, for_update: bool = False) -> Row:
    """The row of `model` with primary key `key`; locked until the transaction ends with `for_update` (PostgreSQL;
    SQLite's write lock covers it). Refused with 404 "<what> <key> not found" when there is none."""
    if for_update:
        (column,) = model.__mapper__.primary_key
        row = s.scalar(select(model).where(column == key).with_for_update())
    else:
        row = s.get(model, key)
    if row is None:
        raise Refusal(404, "not_found", what=f"{what} {key}")
    return row
