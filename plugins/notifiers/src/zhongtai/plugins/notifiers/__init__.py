"""zhongtai-notifiers: the unified reach platform.

Import-light on purpose: discovery and ``zhongtai --help`` must not pay for
SQLAlchemy, jinja2 or httpx.  The library API lives in submodules:

* :mod:`.outbox` -- ``send`` a message (one transaction), ``status``, ``opt_out``
* :mod:`.worker` -- :class:`~.worker.Worker` claims due messages and delivers them
* :mod:`.models` -- the tables (``metadata`` for migrations)
* :mod:`.policy` -- per-business rules: quiet hours, rate limits, consent texts
"""
