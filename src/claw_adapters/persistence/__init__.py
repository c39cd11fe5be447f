"""Event storage through the eventsourcing library: SQLite or PostgreSQL."""
