"""The ``zhongtai`` command line (click): one module per command group."""
