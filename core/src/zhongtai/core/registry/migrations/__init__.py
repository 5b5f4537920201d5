"""The alembic environment and revisions of the core registry schema.

Revisions live in ``versions/`` (branch ``core``).  Packages that add tables
ship their own revision directory and register it under the ``zhongtai.migrations``
entry-point group; see :mod:`zhongtai.core.registry.migrate`.
"""
