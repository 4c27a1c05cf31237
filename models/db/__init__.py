"""SQLAlchemy tables and repositories of the app database (read model and ledger)."""
