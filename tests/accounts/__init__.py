"""Accounts and authentication: every flow through the real app, on SQLite and PostgreSQL."""
