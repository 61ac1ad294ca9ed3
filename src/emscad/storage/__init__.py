"""Storage: SQLAlchemy tables, the transaction that implements the domain's ports, migrations."""
