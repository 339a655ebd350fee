"""Persistence: SQLModel tables, the SQLAlchemy store for SQLite and PostgreSQL, and Alembic migrations."""
