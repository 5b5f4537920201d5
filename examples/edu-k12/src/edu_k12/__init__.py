"""The K12 online-education line's zhongtai plugins (an example business team).

Written only against ``zhongtai.sdk``, as any team outside the platform would.
Kept import-light: each plugin module is imported by the platform when a
business that enabled it is served.

================ =========================== ===================================
module           plugin                      extension points
================ =========================== ===================================
``sibling``      ``edu-k12.sibling-discount`` ``pricing.adjust``
``theme``        ``edu-k12.kids-theme``       ``theming.tokens``
``guardian``     ``edu-k12.guardian``         ``verification.components``, ``verification.flow``
``renewal``      ``edu-k12.renewal-reminder`` ``notifiers.templates``
================ =========================== ===================================
"""
