"""Issuing tells users through the notifiers outbox: their template, consent and quiet hours, never twice."""

from __future__ import annotations

import pytest

from zhongtai.plugins.coupons import codes, jobs
from zhongtai.plugins.coupons.issuing import issue
from zhongtai.plugins.coupons.reach import Notify
from zhongtai.plugins.notifiers import outbox

from .conftest import make_template

TEMPLATES = {"coupon_gift": {"kind": "marketing", "subject": "A gift",
                             "body": "{{ title }}: your code {{ code }}, valid until {{ valid_until }}"}}


def test_issuing_notifies_once_per_coupon_and_respects_consent(sqlite_mall, tmp_path, monkeypatch):
    mall = sqlite_mall
    mall.enable("notifiers.templates", "mall", config={"templates": TEMPLATES})
    make_template(mall, "gift", title="New user 20 off")
    notify = Notify("coupon_gift")
    first = issue(mall, "mall.flagship", "gift", "u1", request_id="r1", notify=notify)
    issue(mall, "mall.flagship", "gift", "u1", request_id="r1", notify=notify)  # a retry: nothing new
    sent = outbox.messages(mall, business="mall.flagship")
    assert len(sent) == 1 and sent[0].kind == "marketing" and sent[0].recipient.user_id == "u1"
    assert codes.display(first.coupon.code) in sent[0].body and sent[0].body.startswith("New user 20 off")
    assert sent[0].idempotency_key == f"coupon-issued-{first.coupon.id}"

    outbox.opt_out(mall, "mall", "user:u3")
    audience = tmp_path / "audience.txt"
    audience.write_text("u2\nu3\nu4\n")
    job = jobs.create(mall, "mall", "gift", audience, notify=notify)

    calls = []

    def dies_after_the_commit(*args, **kwargs):  # the process dies between a batch's commit and its messages
        calls.append(1)
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(jobs, "notify_issued", dies_after_the_commit)
        with pytest.raises(KeyboardInterrupt):
            jobs.run(mall, job.id, batch=2)
    assert calls and jobs.get(mall, job.id).position == 2  # the first batch was committed, nobody told
    assert jobs.run(mall, job.id, batch=2).state == "done"
    states = {m.recipient.user_id: m.state for m in outbox.messages(mall, business="mall") if m.business == "mall"}
    assert states == {"u2": "pending", "u3": "suppressed", "u4": "pending"}  # u3 said no to marketing
