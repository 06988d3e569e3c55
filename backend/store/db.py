"""Engine, sessions and migrations. SQLite (a file) by default, PostgreSQL by DATABASE_URL."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # More connections than the API's thread pool (40), so a request never waits for one while holding another.
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, pool_size=50,
                               max_overflow=50)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            # WAL: readers do not block the writer (API and worker share the file); foreign keys on.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            # Readers: a plain BEGIN (WAL lets them run beside the writer). Writers (write_transaction) take the
            # write lock at BEGIN, so they queue on the busy timeout instead of failing when upgrading a snapshot.
            # On the driver's connection: exec_driver_sql would run SQLAlchemy's whole execution path for it.
            immediate = conn.get_execution_options().get("sqlite_immediate")
            conn.connection.driver_connection.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")

        # Let SQLAlchemy's "begin" event issue BEGIN instead of pysqlite's implicit one.
        @event.listens_for(engine, "connect")
        def _sqlite_no_implicit_begin(dbapi_connection, _record):
            dbapi_connection.isolation_level = None

        return engine
    return create_engine(url, pool_size=20, max_overflow=20, pool_pre_ping=True)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


# SQLite has one writer at a time. Letting dozens of threads of one process queue on its lock makes the holder
# compete with all of them for the GIL, so it holds the lock far longer than its work takes; a few slots per
# process keep the queue in Python, where waiting costs nothing. (PostgreSQL writers run concurrently: no limit.)
SQLITE_WRITE_SLOTS = threading.BoundedSemaphore(int(os.environ.get("VB_SQLITE_WRITE_SLOTS", "2")))


class _Unit:
    """A unit of work: one write transaction begun by the first write inside it, committed at its end."""

    begun = False
    holds_slot = False


@contextmanager
def unit_of_work(session: Session) -> Iterator[_Unit]:
    """Joins every write_transaction inside the block into one, committed when the block ends (rolled back on an
    exception). The transaction begins at the first write, so reads and network calls before it hold no lock. An
    idempotent request runs its service in one, so the key's record is written in the same transaction as the
    effect."""
    unit = session.info["unit"] = _Unit()
    try:
        yield unit
        # Also what a step wrote without write_transaction (the session began its transaction by itself).
        if unit.begun or session.in_transaction():
            session.commit()
    except BaseException:
        if unit.begun or session.in_transaction():
            session.rollback()
        raise
    finally:
        session.info.pop("unit", None)
        if unit.holds_slot:
            SQLITE_WRITE_SLOTS.release()


@contextmanager
def write_transaction(session: Session) -> Iterator[Session]:
    """A write transaction on `session`: committed at the end of the block, rolled back on an exception. Any
    transaction already open on the session (reads) is ended first. On SQLite it holds the write lock from BEGIN.
    Inside a unit_of_work it is the unit's transaction, committed with the unit."""
    unit = session.info.get("unit")
    if unit is not None:
        if not unit.begun:
            if session.in_transaction():
                session.rollback()
            if session.get_bind().dialect.name == "sqlite":
                SQLITE_WRITE_SLOTS.acquire()
                unit.holds_slot = True
            session.begin()
            session.connection(execution_options={"sqlite_immediate": True})
            unit.begun = True
        yield session
        session.flush()
        return
    if session.in_transaction():
        session.rollback()
    sqlite = session.get_bind().dialect.name == "sqlite"
    if sqlite:
        SQLITE_WRITE_SLOTS.acquire()
    try:
        with session.begin():
            session.connection(execution_options={"sqlite_immediate": True})
            yield session
    finally:
        if sqlite:
            SQLITE_WRITE_SLOTS.release()


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A new session in a write transaction (see write_transaction)."""
    with factory() as session, write_transaction(session):
        yield session


# The migrations were renumbered so that their file names sort in the order they apply, as one linear chain (0003
# and 0005_statistics, two branches merged by 0003b, now follow each other). A database migrated before stores an old
# revision id (or the two ids of the unmerged branches); it is translated to the new id of the same schema.
OLD_REVISIONS: dict[frozenset[str], str] = {
    frozenset({"0003", "0005_statistics"}): "0004_statistics",
    frozenset({"0003b"}): "0004_statistics",
    frozenset({"0006_activity_block_index"}): "0005_activity_block_index",
    frozenset({"0004_community"}): "0006_community",
}


def migrate(url: str) -> None:
    """Brings the database schema to the newest Alembic revision: in one transaction, an old revision id (from before
    the renumbering) is translated, then the remaining migrations run."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import pool

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    engine = create_engine(url, poolclass=pool.NullPool)  # as Alembic's env.py makes its own (no pragmas)
    try:
        with engine.begin() as connection:
            _translate_old_revisions(connection)
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    finally:
        engine.dispose()


def _translate_old_revisions(connection) -> None:
    from sqlalchemy import inspect, text

    if not inspect(connection).has_table("alembic_version"):
        return  # a new database
    stored = frozenset(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())
    if stored == {"0005_statistics"}:
        raise RuntimeError(
            "the database is at revision 0005_statistics, a branch of the migration history from before it was made "
            "linear (it lacks 0003, residents and providers); upgrade it with a release before the renumbering (to "
            "revision 0004_community), then with this one")
    new = OLD_REVISIONS.get(stored)
    if new is None:
        return
    connection.execute(text("DELETE FROM alembic_version"))
    connection.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": new})
