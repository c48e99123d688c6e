"""Database engine, sessions and migrations. SQLite is the embedded default, PostgreSQL production.

The request boundary owns the transaction (FastAPI template style): services add and flush, the
session dependency commits on success and rolls back on any error, so a crash mid-way leaves no
half-issued certificate behind. It commits before the response is sent, so a 2xx means committed;
a database failure, at COMMIT too, becomes one of our errors (``database_error``).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import DateTime, Dialect, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from schemas.errors import Conflict, DatabaseBusy, DatabaseFailure, PramaanError

MIGRATIONS = Path(__file__).parent / "migrations"
SQLITE_BEGIN = "pramaan_sqlite_begin"
"""Execution option naming how a SQLite transaction begins: ``IMMEDIATE`` (the default: the write
lock up front) or ``DEFERRED`` (a read snapshot; the lock only if and when it writes)."""
RETRY_AFTER_SECONDS = 1
# SQLite's primary result codes for a lock held by another connection (extended codes keep them in
# the low byte: SQLITE_BUSY_SNAPSHOT is 517); PostgreSQL's serialization failure, deadlock, lock
# not available (lock_timeout), query cancelled (statement_timeout), too many connections.
_SQLITE_BUSY = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}
_POSTGRES_BUSY = {"40001", "40P01", "55P03", "57014", "53300"}

log = logging.getLogger("pramaan.issuer")


class Base(DeclarativeBase):
    pass


class UtcDateTime(TypeDecorator[datetime]):
    """An aware datetime, stored in UTC and read back aware, on every engine.

    SQLite keeps no offset: a ``DateTime(timezone=True)`` written in India time came back as
    naive India digits, which read as UTC are 5.5 hours off. Converting on the way in and
    attaching UTC on the way out makes both engines agree (and compare correctly in SQL).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("a naive datetime cannot be stored: give it a time zone")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect
                             ) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def make_engine(url: str, *, sqlite_busy_ms: int = 5000, **kwargs: Any) -> Engine:
    """``sqlite_busy_ms``: how long a SQLite statement waits for another connection's lock
    before failing "database is locked" (answered 503, ``DatabaseBusy``)."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)
        event.listen(engine, "connect", partial(_sqlite_pragmas, busy_ms=sqlite_busy_ms))
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any, *, busy_ms: int) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINTs; let SQLAlchemy emit BEGIN itself.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # WAL + NORMAL never corrupts and survives application crashes; only the last commits can
    # be lost to a power cut. The embedded default trades that for ~1 ms a commit; production
    # runs on PostgreSQL.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # IMMEDIATE takes the write lock up front. A deferred transaction that reads and then writes
    # (every issuance does) fails at once with "database is locked" (SQLITE_BUSY_SNAPSHOT) when
    # another writer committed in between, without waiting for busy_timeout; with IMMEDIATE,
    # concurrent writers queue. Reads (``transaction(..., reads_first=True)``) begin DEFERRED, so
    # in WAL mode they never wait for a writer nor make one wait.
    mode = connection.get_execution_options().get(SQLITE_BEGIN, "IMMEDIATE")
    connection.exec_driver_sql("BEGIN" if mode == "DEFERRED" else "BEGIN IMMEDIATE")


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (idempotent)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def transaction(factory: sessionmaker[Session], *, reads_first: bool = False
                ) -> Iterator[Session]:
    """One session per request; commit on success, roll back on any exception. A database error,
    the commit's included, is raised as ``database_error`` says (503 busy, 409 conflict, 500).

    ``reads_first``: a request that reads (GET, HEAD) begins SQLite's transaction DEFERRED, so it
    takes no write lock; one that writes anyway answers 503 if another writer got in between.
    """
    with factory() as session:
        if reads_first:
            _begin_deferred(session)
        try:
            yield session
            session.commit()
        except (DBAPIError, PoolTimeout) as err:
            session.rollback()
            raise database_error(err) from err
        except BaseException:
            session.rollback()
            raise


def _begin_deferred(session: Session) -> None:
    bind = session.bind
    if isinstance(bind, Engine) and bind.dialect.name == "sqlite":
        # Before the session's first statement, so its BEGIN sees the option (_sqlite_begin).
        session.bind = bind.execution_options(**{SQLITE_BEGIN: "DEFERRED"})


def is_busy(err: BaseException) -> bool:
    """Whether ``err`` says the database is momentarily busy, so the same work may succeed if
    tried again: a lock another connection holds, a serialization failure, no free connection."""
    if isinstance(err, PoolTimeout):
        return True
    if not isinstance(err, DBAPIError):
        return False
    orig = err.orig
    if isinstance(orig, sqlite3.Error):
        return (getattr(orig, "sqlite_errorcode", 0) & 0xFF) in _SQLITE_BUSY or (
            "database is locked" in str(orig))
    return getattr(orig, "sqlstate", None) in _POSTGRES_BUSY


def database_error(err: DBAPIError | PoolTimeout) -> PramaanError:
    """What a request answers when the database fails it: nothing was saved either way."""
    if is_busy(err):
        return DatabaseBusy("the database is busy; nothing was saved",
                            hint=f"send the same request again in {RETRY_AFTER_SECONDS} s",
                            retry_after=RETRY_AFTER_SECONDS)
    if isinstance(err, IntegrityError):
        log.warning("a transaction was refused by a constraint: %s", err.orig)
        return Conflict("the change conflicts with what the register holds; nothing was saved",
                        hint="read the record again, then send the request again")
    log.error("a transaction failed in the database: %s",
              err.orig if isinstance(err, DBAPIError) else err)
    return DatabaseFailure("the database did not complete the request; nothing was saved",
                           hint="send the request again; report it if it persists")
