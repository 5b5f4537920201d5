"""zhongtai-coupons: coupon templates, issuing to millions, wallets, and redemption that never oversells.

Import-light on purpose: discovery and ``zhongtai --help`` must not pay for
SQLAlchemy.  The library API lives in submodules:

* :mod:`.templates` -- create / change / retire templates (audited), resolve them down the tree
* :mod:`.issuing` -- ``issue`` one coupon (idempotent by request id)
* :mod:`.jobs` -- bulk issuing to an audience file as a resumable job
* :mod:`.wallet` -- a user's coupons, cursor-paginated
* :mod:`.redemption` -- reserve / confirm / release, the wrong-code throttle
* :mod:`.reconcile` -- ledger against balances; stats
* :mod:`.pricing_step` -- the ``coupons.wallet`` plugin (``pricing.adjust``)
* :mod:`.specs` -- the package's extension points (``coupons.eligibility``)
"""
