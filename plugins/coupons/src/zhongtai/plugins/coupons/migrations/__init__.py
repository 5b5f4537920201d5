"""Alembic revisions of the ``coupons`` branch (found through the ``zhongtai.migrations`` entry point)."""
