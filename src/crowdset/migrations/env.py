"""Alembic environment: runs migrations on the engine Crowdset itself would use."""

from __future__ import annotations

from alembic import context

import crowdset.models  # noqa: F401  (fills the metadata)
from crowdset.db import Base, make_engine

config = context.config
url = config.attributes.get("crowdset_url") or config.get_main_option("sqlalchemy.url")


def run() -> None:
    engine = make_engine(url)
    with engine.connect() as conn:
        context.configure(
            connection=conn,
            target_metadata=Base.metadata,
            render_as_batch=conn.dialect.name == "sqlite",  # SQLite alters tables by copy
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run()
