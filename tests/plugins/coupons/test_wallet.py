"""Wallet: a user's coupons newest first, cut by an opaque cursor, served from the wallet index."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from zhongtai.core.errors import UserError
from zhongtai.plugins.coupons import redemption
from zhongtai.plugins.coupons.issuing import issue
from zhongtai.plugins.coupons.wallet import wallet

from .conftest import make_template


def test_pages_states_and_cursors(mall):
    make_template(mall, "save20", per_user_limit=None)
    codes = [issue(mall, "mall", "save20", "u1", request_id=f"r{i}").coupon.code for i in range(7)]
    issue(mall, "mall", "save20", "u2", request_id="other")
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)
    redemption.reserve(mall, "mall", "u1", codes[5], order_id="o1", now=later)
    redemption.confirm(mall, "mall", "o1", now=later)
    redemption.reserve(mall, "mall", "u1", codes[3], order_id="o2", now=later)
    seen, cursor = [], None
    while True:
        page = wallet(mall, "mall", "u1", limit=3, cursor=cursor, now=later)
        seen.extend(page.coupons)
        cursor = page.cursor
        if cursor is None:
            break
    assert [c.code for c in seen] == codes[::-1]  # newest first, each once
    assert {c.code: c.state for c in seen if c.state != "valid"} == {codes[5]: "used", codes[3]: "reserved"}
    valid = wallet(mall, "mall", "u1", state="valid", limit=2, now=later)
    assert [c.code for c in valid.coupons] == [codes[6], codes[4]] and valid.cursor
    rest = wallet(mall, "mall", "u1", state="valid", limit=5, cursor=valid.cursor, now=later)
    assert [c.code for c in rest.coupons] == [codes[2], codes[1], codes[0]] and rest.cursor is None
    expired = wallet(mall, "mall", "u1", state="expired", now=later + dt.timedelta(days=8))
    assert len(expired.coupons) == 6  # all but the used one
    assert wallet(mall, "mall.flagship", "u1").coupons == []  # a wallet is per business
    for bad in ({"cursor": "bm90LWEtY3Vyc29y"}, {"limit": 0}, {"limit": 201}, {"state": "lost"}):
        with pytest.raises(UserError):
            wallet(mall, "mall", "u1", **bad)


@pytest.mark.postgresql
def test_the_wallet_query_uses_its_index(pg_mall):
    mall = pg_mall
    make_template(mall, "save20")
    with mall.registry.engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO zt_coupon (code, template_id, business, user_id, state, issued_at) "
            "SELECT md5(g::text), 1, 'mall', 'user' || (g % 2000), 'valid', now() FROM generate_series(1, 20000) g"))
        connection.execute(text("ANALYZE zt_coupon"))
    with mall.registry.engine.connect() as connection:
        plan = "\n".join(connection.execute(text(
            "EXPLAIN SELECT * FROM zt_coupon WHERE business = 'mall' AND user_id = 'user42' "
            "ORDER BY id DESC LIMIT 21")).scalars())
    assert "Index Scan Backward using ix_coupon_wallet" in plan, plan
    assert len(wallet(mall, "mall", "user42", limit=20).coupons) == 10
