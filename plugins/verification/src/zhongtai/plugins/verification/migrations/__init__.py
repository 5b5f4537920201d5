"""The verification package's alembic branch (``verification``), found through the ``zhongtai.migrations`` entry point.

``verification_0001`` is the baseline: exactly the tables ``create_all`` made
before the package had migrations (it leaves tables that already exist alone, so
those registries upgrade in place).  Later revisions change the schema.
"""
