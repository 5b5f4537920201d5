"""The notifiers' campaign admin API through the gateway: create, show, pause, resume, cancel within the subtree."""

from __future__ import annotations

import pytest

from zhongtai.core.runtime.platform import Platform


@pytest.fixture(scope="module")
def server(module_serve, module_registry):
    platform = Platform(module_registry.url, refresh_interval=0)
    try:
        from zhongtai.plugins.notifiers import content

        content.draft_template(platform, "edu", "notice", kind="notification", body="{{ name }}: classes resume",
                               actor="setup")
        content.approve_template(platform, "edu", "notice", actor="setup")
    finally:
        platform.close()
    with pytest.MonkeyPatch.context() as patch:  # the provider account's secret, in the gateway's environment
        patch.setenv("ZT_GATEWAY_TEST_SMS_KEY", "receipt-signing-key")
        return module_serve(module_registry.url)


def test_campaigns_through_the_gateway_within_the_tokens_subtree(server, module_registry):
    body = {"template": "notice", "kind": "notification", "start_at": "2030-01-01T09:00+08:00",
            "audience": [{"phone": "13800000001", "name": "Ann"}, {"phone": "13800000002", "name": "Bo"}]}
    with server.client(module_registry.manage_edu, **{"X-Zhongtai-Business": "edu"}) as manage, \
            server.client(module_registry.call_edu, **{"X-Zhongtai-Business": "edu"}) as call, \
            server.client(module_registry.call_mall) as mall:
        assert call.post("/v1/notifiers/campaigns", json=body).status_code == 403  # needs manage scope
        created = manage.post("/v1/notifiers/campaigns", json=body)
        assert created.status_code == 200, created.text
        campaign = created.json()
        assert (campaign["business"], campaign["audience"], campaign["counts"]["queued"]) == ("edu", 2, 2)

        assert call.get(f"/v1/notifiers/campaigns/{campaign['id']}").json()["status"] == "active"
        assert mall.get(f"/v1/notifiers/campaigns/{campaign['id']}").status_code == 403
        assert mall.post(f"/v1/notifiers/campaigns/{campaign['id']}/cancel").status_code == 403

        paused = manage.post(f"/v1/notifiers/campaigns/{campaign['id']}/pause")
        assert paused.status_code == 200 and paused.json()["status"] == "paused"
        resumed = manage.post(f"/v1/notifiers/campaigns/{campaign['id']}/resume")
        assert resumed.json()["status"] == "active"
        cancelled = manage.post(f"/v1/notifiers/campaigns/{campaign['id']}/cancel").json()
        assert cancelled["status"] == "cancelled" and cancelled["counts"]["cancelled"] == 2

        bad = manage.post("/v1/notifiers/campaigns", json={**body, "audience": [{"name": "no address"}]})
        assert bad.status_code in (400, 422) and "no phone, email" in bad.text
        missing = manage.get("/v1/notifiers/campaigns/cmp_nope", headers={"X-Zhongtai-Business": "edu"})
        assert missing.status_code == 404


def test_signed_delivery_receipts_are_recorded_once(server, module_registry):
    from zhongtai.plugins.notifiers import accounts, outbox, receipts
    from zhongtai.sdk import Recipient

    platform = Platform(module_registry.url, refresh_interval=0)
    try:
        accounts.add_account(platform, "sms-receipts", channel="sms", provider="fake", settings={},
                             secret="env:ZT_GATEWAY_TEST_SMS_KEY", businesses=["edu"], actor="setup")
        sent = outbox.send(platform, "edu", kind="notification", recipient=Recipient(phone="13800000009"),
                           template="notice", variables={"name": "Cy"})
    finally:
        platform.close()
    secret = "receipt-signing-key"  # ZT_GATEWAY_TEST_SMS_KEY in the gateway's environment (see `server`)
    body = {"receipts": [{"id": "r-1", "reference": sent.id, "status": "delivered", "detail": "DELIVRD"},
                         {"id": "r-2", "reference": "msg_unknown", "status": "delivered"}]}
    with server.client(module_registry.admin) as provider:
        unsigned = provider.post("/v1/notifiers/receipts/sms-receipts", json=body)
        assert unsigned.status_code == 403
        headers = {"X-Zhongtai-Signature": receipts.sign(secret, body)}
        first = provider.post("/v1/notifiers/receipts/sms-receipts", json=body, headers=headers)
        assert first.status_code == 200, first.text
        assert first.json() == {"recorded": 1, "duplicates": 0, "unknown": 1}
        again = provider.post("/v1/notifiers/receipts/sms-receipts", json=body, headers=headers)
        assert again.json() == {"recorded": 0, "duplicates": 1, "unknown": 1}  # a retried callback: once
    platform = Platform(module_registry.url, refresh_interval=0)
    try:
        assert [(r.receipt_id, r.status) for r in receipts.receipts_of(platform, sent.id)] == [("r-1", "delivered")]
    finally:
        platform.close()
    from click.testing import CliRunner

    from zhongtai.core.cli.main import cli

    shown = CliRunner().invoke(cli, ["--database-url", module_registry.url, "notify", "status", "--id", sent.id])
    assert shown.exit_code == 0 and "r-1" in shown.output and "DELIVRD" in shown.output
