"""The telecom e-channel's zhongtai plugins (an example business team).

Written only against ``zhongtai.sdk``.  Kept import-light.

================ ============================= ====================
module           plugin                        extension point
================ ============================= ====================
``resolver``     ``telecom-echannel.resolver`` ``identity.resolve``
================ ============================= ====================
"""
