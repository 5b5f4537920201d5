"""The registry: businesses, enablements, audit log and revision (SQLAlchemy)."""
