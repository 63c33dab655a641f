"""Alembic environment: runs migrations on the engine Crowdset itself would use."""

from __future__ import annotations

from alembic import context

from crowdset import models
from crowdset.db import make_engine

config = context.config
url = config.attributes.get("crowdset_url") or config.get_main_option("sqlalchemy.url")


def run() -> None:
    engine = make_engine(url)
    with engine.connect() as conn:
        context.configure(
            connection=conn,
            target_metadata=models.Base.metadata,  # every domain's tables (crowdset.models lists them)
            render_as_batch=conn.dialect.name == "sqlite",  # SQLite alters tables by copy
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run()
