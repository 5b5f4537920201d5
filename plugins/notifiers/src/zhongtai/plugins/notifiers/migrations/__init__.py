"""The notifiers' alembic branch (``notifiers``), found through the ``zhongtai.migrations`` entry point.

``notifiers_0001`` is the baseline: exactly the tables ``create_all`` made before
the package had migrations (it leaves tables that already exist alone, so those
registries upgrade in place).  Later revisions change the schema.
"""
