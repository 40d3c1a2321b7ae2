"""Alembic environment for the hall database.

Run by :func:`hall_server.store.db.migrate` (which passes an open connection), or by
hand: ``alembic -c hall_server/store/migrations/alembic.ini -x url=sqlite:///data/hall.db upgrade head``.
"""

from alembic import context
from sqlalchemy import create_engine

from hall_server.store.schema import metadata

config = context.config


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    engine = create_engine(url)
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()


run()
