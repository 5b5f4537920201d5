"""Alembic revisions of the ``gateway`` branch (found through the ``zhongtai.migrations`` entry point)."""
