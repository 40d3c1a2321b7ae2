"""Durable storage of the hall: SQLAlchemy 2 Core, SQLite (WAL) or PostgreSQL."""

from .db import Store, Transaction, make_engine, migrate

__all__ = ["Store", "Transaction", "make_engine", "migrate"]
