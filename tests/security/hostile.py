"""Hostile values shared by the fuzz suites (tests/security/test_fuzz_cli.py, test_fuzz_http.py)."""

from __future__ import annotations

#: Characters that must never reach a terminal raw (ESC, BEL, CSI, RIGHT-TO-LEFT OVERRIDE).
RAW = ("\x1b", "\x07", "\x9b", "\u202e")

DEEP = 100_000
DEEP_JSON = "[" * DEEP + "]" * DEEP
DEEP_OBJECT = '{"a":' * 20_000 + "1" + "}" * 20_000
ALIAS_BOMB = "a: &a [x,x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(8))
TEN_MB = "x" * (10 * 1024 * 1024)

HOSTILE_TEXT = [
    DEEP_JSON, DEEP_OBJECT, ALIAS_BOMB, "9" * 5000, "99999999999999999999", "1e400", "-1e400", "1e999999999",
    "nan", "NaN", "inf", "-inf", "-0", "0", "-1", '{"a": NaN}', '[1e999999999]', '{"sku": "x", "quantity": 1e35}',
    "\x1b[2J\x1b]52;c;cGF5bG9hZA==\x07", "a\r\nBcc: victim@example.com", "line1\nline2", "\x00", "\u202eevil",
    "x" * 300, "env:ZHONGTAI_DATABASE_URL", "env:HOME", "http://127.0.0.1:1/internal", "http://[::1",
    "http://169.254.169.254/latest/meta-data", "file:///etc/passwd", "../../../etc/passwd",
    "'; DROP TABLE zt_business; --", "{{ 7 * 7 }}", "{% for i in range(10**9) %}x{% endfor %}",
    '{{ "x" * 300000000 }}', "@/dev/zero", "@-", "*alias", "&anchor", "a=" + DEEP_JSON, "a=nan",
    "discount=1e999999999", "shop", "shop.x", "", " ", "--help-not", "-x",
]
