"""Migration 0007 gives every existing registration a state (active) and loses nothing."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

from issuer import db
from issuer.registry.models import Registration
from tests.live import POSTGRES_URL


@contextmanager
def _empty_database(kind: str, tmp_path: Path) -> Iterator[Engine]:
    if kind == "sqlite":
        engine = db.make_engine(f"sqlite:///{tmp_path}/old.db")
        yield engine
        engine.dispose()
        return
    schema = f"m_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = db.make_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    engine = db.make_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_existing_registrations_become_active_with_nothing_lost(kind: str,
                                                                 tmp_path: Path) -> None:
    with _empty_database(kind, tmp_path) as engine:
        config = Config()
        config.set_main_option("script_location", str(db.MIGRATIONS))
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0006")
            connection.execute(text(
                "INSERT INTO professionals (id, name, father_name, created_at) VALUES "
                "(1, 'Asha Verma', 'Ram Verma', '2026-01-02 03:04:05+00:00')"))
            for i, kind_ in enumerate(("permanent", "provisional"), start=1):
                connection.execute(text(
                    "INSERT INTO registrations (id, professional_id, council_id, "
                    "registration_number, registration_date, registration_type, qualifications,"
                    " valid_from, valid_until, created_at) VALUES (:id, 1, 'hmc', :number, "
                    "'2016-07-14', :type, '[{\"degree\": \"MBBS\"}]', '2024-07-14', "
                    "'2029-07-13', '2026-01-02 03:04:05+00:00')"),
                    {"id": i, "number": f"HMC/2016/{i}", "type": kind_})
        db.migrate(engine)
        with db.session_factory(engine)() as session:
            rows = session.query(Registration).order_by(Registration.id).all()
            assert [(r.state, r.registration_type, r.registration_number) for r in rows] == [
                ("active", "permanent", "HMC/2016/1"), ("active", "provisional", "HMC/2016/2")]
            assert rows[0].qualifications == [{"degree": "MBBS"}]
            assert rows[0].professional.name == "Asha Verma"
            assert all(r.renewal_due is None and r.suspended_from is None for r in rows)
            assert session.execute(text("SELECT count(*) FROM register_actions")).scalar() == 0
        with engine.begin() as connection:  # and back down
            config.attributes["connection"] = connection
            command.downgrade(config, "0006")
            assert connection.execute(text("SELECT count(*) FROM registrations")).scalar() == 2
