"""The demo behind ``make demo`` (``python examples/demo.py``): one registry, three business teams.

Modules, one job each:

==================== ==============================================================
``main``             the run: preflight, fresh registry, set-up, sections, exit code
``preflight``        is everything the demo needs installed? (stdlib only)
``errors``           :class:`DemoError`: a failure explained in one line
``console``          headings, tables and shown commands on stdout
``shell``            running the real ``zhongtai`` CLI: in-process, or as the console script
``setup_registry``   ``setup.json`` -> the ``zhongtai business create`` / ``plugins enable`` commands
``scenario``         the shared inputs: the same cart, questions, flow, subject and event
``sections/``        one module per part of the story (prices, themes, permissions ...)
==================== ==============================================================
"""
