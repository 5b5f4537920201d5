"""zhongtai-pricing: price lists and adjustments as zhongtai plugins, and exact quotes.

Kept import-light: the plugin modules and the quoting service are imported by
name (``zhongtai.plugins.pricing.quoting``) when used.

Modules, one job each:

================ ==================================================================
``errors``       the package's user errors
``money``        currency facts from CLDR (babel), amounts, minor units, allocation
``validity``     validity windows (ISO 8601 instants with a UTC offset)
``fields``       validators shared by the config classes
``layers``       a plugin's config at each business level it is enabled at
``steps``        line-level and order-level discounts that keep a quote exact
``price_list``   plugin ``pricing.price-list`` (``pricing.base_price``)
``rounding``     plugin ``pricing.rounding`` (``pricing.rounding``)
``tiered``       plugin ``pricing.tiered`` (``pricing.adjust``)
``member_tier``  plugin ``pricing.member-tier`` (``pricing.adjust``)
``coupons``      plugin ``pricing.coupons`` (``pricing.adjust``)
``channel``      plugin ``pricing.channel`` (``pricing.adjust``)
``quoting``      the quoting service: base prices -> adjustments -> rounding
``cart``         cart documents (JSON) -> :class:`QuoteRequest`
``render``       a quote as a table or JSON
``cli``          ``zhongtai pricing ...``
================ ==================================================================
"""
