"""Migrations run up from an empty database, down to nothing and up again, on both databases,
and the models match what the migrations build."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from crowdset.db import make_engine
from crowdset.migrate import downgrade, upgrade
from crowdset.models import Base
from tests.conftest import create_pg_database, drop_pg_database


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
    else:
        from tests.conftest import postgres_available

        if not postgres_available():
            pytest.skip("PostgreSQL not reachable")
        url = create_pg_database()
        yield url
        drop_pg_database(url)


def test_up_down_up_from_empty(empty_url, monkeypatch, tmp_path):
    monkeypatch.setenv("CROWDSET_DATA_DIR", str(tmp_path))
    upgrade(empty_url)
    engine = make_engine(empty_url)
    try:
        tables = set(inspect(engine).get_table_names())
        assert {"orgs", "users", "api_tokens", "ledger_entries", "jobs"} <= tables
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
    finally:
        engine.dispose()
    downgrade(empty_url, "base")
    engine = make_engine(empty_url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    upgrade(empty_url)
