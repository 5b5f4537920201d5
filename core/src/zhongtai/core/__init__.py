"""zhongtai kernel.

Import the pieces you need from their modules (``zhongtai.core.runtime``,
``zhongtai.core.errors`` ...).  This package initialiser stays empty on purpose so
that ``zhongtai --help`` does not pay for SQLAlchemy or pluggy.
"""

__all__: list[str] = []
