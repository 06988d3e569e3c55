"""The migrations renumbered into one linear chain whose file names sort in the order they apply: a database built
with the old chain (kept in migrations_before_renumbering/) upgrades to the new head with its data, and the new chain
builds the same schema as the old one. On SQLite, and on PostgreSQL with VB_TEST_DATABASE_URL."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from conftest import database_url
from sqlalchemy import create_engine, inspect, text

from backend.store.db import MIGRATIONS, migrate

OLD_MIGRATIONS = Path(__file__).resolve().parent / "migrations_before_renumbering"
OLD_HEAD = "0004_community"  # the old chain's head; its schema is the new chain's 0006_community
NEW_HEAD = "0009_attendance_sheets"  # the newest migration, added after the renumbering


def alembic_config(location: Path, url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(location))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def old_upgrade(url: str, *targets: str) -> None:
    """Migrates with the old chain, as a database was migrated before the renumbering."""
    for target in targets:
        command.upgrade(alembic_config(OLD_MIGRATIONS, url), target)


def versions(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as c:
            return set(c.execute(text("SELECT version_num FROM alembic_version")).scalars())
    finally:
        engine.dispose()


def schema(url: str) -> dict:
    """Tables with their columns, primary keys, indexes, unique constraints and foreign keys (alembic_version aside)."""
    engine = create_engine(url)
    try:
        with engine.connect() as c:
            insp = inspect(c)
            out = {}
            for table in sorted(set(insp.get_table_names()) - {"alembic_version"}):
                out[table] = {
                    "columns": [(col["name"], str(col["type"]), col["nullable"], str(col.get("default")))
                                for col in insp.get_columns(table)],
                    "primary_key": insp.get_pk_constraint(table)["constrained_columns"],
                    "indexes": sorted((i["name"], tuple(i["column_names"]), bool(i["unique"]))
                                      for i in insp.get_indexes(table)),
                    "unique": sorted((u["name"] or "", tuple(u["column_names"])) for u in insp.get_unique_constraints(table)),
                    "foreign_keys": sorted((tuple(f["constrained_columns"]), f["referred_table"], tuple(f["referred_columns"]))
                                           for f in insp.get_foreign_keys(table)),
                }
            return out
    finally:
        engine.dispose()


def test_file_names_sort_in_the_order_the_migrations_apply():
    script = ScriptDirectory(str(MIGRATIONS))
    assert script.get_heads() == [NEW_HEAD]
    chain = [rev for rev in reversed(list(script.walk_revisions()))]
    assert all(not isinstance(rev.down_revision, tuple) for rev in chain)  # linear: no merge
    files = [Path(rev.path).name for rev in chain]
    assert files == sorted(files) == sorted(p.name for p in (MIGRATIONS / "versions").glob("*.py"))
    for rev in chain:  # each id starts with its file's number
        assert Path(rev.path).name.startswith(re.match(r"\d{4}", rev.revision).group())


def test_a_database_at_the_old_head_upgrades_with_its_data(tmp_path):
    url = database_url(tmp_path)
    old_upgrade(url, "head")
    assert versions(url) == {OLD_HEAD}
    engine = create_engine(url)
    try:
        with engine.begin() as c:
            c.execute(text("INSERT INTO centres (id, key, name, area, next_serial) VALUES (1, 'seocho', 'Seocho', NULL, 7)"))
            c.execute(text("INSERT INTO kv (key, value) VALUES ('indexer.next_block', '42')"))
            # indexed events and balances: the statistics migration deletes them, so it must not run again
            c.execute(text("INSERT INTO balances (address, amount) VALUES (:a, '4500000000000000000')"), {"a": "0x" + "ab" * 20})
            c.execute(text("INSERT INTO chain_events (block_number, block_hash, tx_hash, log_index, contract, event, args, "
                           "block_time) VALUES (41, :h, :t, 0, 'ServiceCoin', 'Transfer', :args, 1700000000)"),
                      {"h": "0x" + "11" * 32, "t": "0x" + "22" * 32, "args": json.dumps({"value": "1"})})
            c.execute(text("INSERT INTO areas (code, name, lat, lon) VALUES ('seocho-banpo1', '반포1동', 37.5, 127.0)"))
    finally:
        engine.dispose()

    migrate(url)
    assert versions(url) == {NEW_HEAD}
    migrate(url)  # at the head: nothing to do
    assert versions(url) == {NEW_HEAD}

    engine = create_engine(url)
    try:
        with engine.connect() as c:
            assert c.execute(text("SELECT id, key, next_serial FROM centres")).all() == [(1, "seocho", 7)]
            assert c.execute(text("SELECT value FROM kv WHERE key = 'indexer.next_block'")).scalar() == "42"
            assert c.execute(text("SELECT amount FROM balances")).scalars().all() == ["4500000000000000000"]
            assert c.execute(text("SELECT block_number, block_time FROM chain_events")).all() == [(41, 1700000000)]
            assert c.execute(text("SELECT name FROM areas")).scalars().all() == ["반포1동"]
    finally:
        engine.dispose()


@pytest.mark.parametrize("old", [
    ("0003",),                                   # residents, before the statistics branch
    ("0003", "0005_statistics"),                 # both branches, before the merge (two rows in alembic_version)
    ("0003b",),                                  # the merge
    ("0006_activity_block_index",),
    (OLD_HEAD,),
])
def test_every_old_revision_upgrades_to_the_schema_of_the_old_head(tmp_path, old):
    """…and from there, with the migrations added since, to the same schema as a database at the old head."""
    (tmp_path / "old").mkdir()
    (tmp_path / "new").mkdir()
    reference = database_url(tmp_path / "old")
    old_upgrade(reference, "head")
    migrate(reference)
    url = database_url(tmp_path / "new")
    old_upgrade(url, *old)
    assert versions(url) == set(old)
    migrate(url)
    assert versions(url) == {NEW_HEAD}
    assert schema(url) == schema(reference)


def test_a_fresh_database_gets_the_same_schema_as_from_the_old_chain(tmp_path):
    (tmp_path / "old").mkdir()
    (tmp_path / "new").mkdir()
    old, new = database_url(tmp_path / "old"), database_url(tmp_path / "new")
    old_upgrade(old, "head")
    migrate(old)  # the migrations added since the renumbering
    migrate(new)
    assert versions(new) == {NEW_HEAD}
    old_schema, new_schema = schema(old), schema(new)
    assert {"areas", "chain_ops", "siwe_nonces"} <= set(new_schema)  # the whole chain ran
    assert new_schema == old_schema


def test_the_statistics_branch_alone_is_refused_unchanged(tmp_path):
    """0005_statistics without 0003 is off the linear chain: refused with a reason, the database left as it was."""
    url = database_url(tmp_path)
    old_upgrade(url, "0005_statistics")
    before = schema(url)
    with pytest.raises(RuntimeError, match="revision 0005_statistics, a branch of the migration history"):
        migrate(url)
    assert versions(url) == {"0005_statistics"} and schema(url) == before
