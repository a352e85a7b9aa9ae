"""Persistence: SQLModel tables, the engine and session helpers."""
