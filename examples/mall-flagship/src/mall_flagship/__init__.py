"""The mall flagship store's zhongtai plugins (an example business team).

Written only against ``zhongtai.sdk``.  Kept import-light.

================ ============================= ==================
module           plugin                        extension point
================ ============================= ==================
``brand``        ``mall-flagship.brand-theme`` ``theming.tokens``
``colour``       (helpers: sRGB colours, WCAG 2 contrast)
================ ============================= ==================
"""
