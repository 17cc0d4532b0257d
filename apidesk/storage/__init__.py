"""Storage: SQLAlchemy models, migrations and units of work."""
