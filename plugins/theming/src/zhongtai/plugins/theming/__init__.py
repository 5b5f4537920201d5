"""zhongtai theming: W3C design tokens layered from the platform down to each business.

Kept import-light: the plugin modules, the CLI and the library modules
(:mod:`.tokens`, :mod:`.contrast`, :mod:`.css`, :mod:`.preview`) are imported
only by those who use them.
"""
