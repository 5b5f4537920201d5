"""The OpenFeature provider (issue 15 D): plugins and variants as flags through the standard client API."""

from __future__ import annotations

import pytest
from openfeature import api
from openfeature.evaluation_context import EvaluationContext
from openfeature.exception import ErrorCode
from openfeature.flag_evaluation import Reason
from openfeature.track import TrackingEventDetails
from sqlalchemy import select

from tests.core import plugins as p
from zhongtai.core import experiments as ex
from zhongtai.core.registry.models import EventRow, ExposureRow
from zhongtai.core.rollout import bucket
from zhongtai.core.rollouts import set_rollout
from zhongtai.sdk.openfeature import ZhongtaiProvider


@pytest.fixture
def client(sqlite_url, make_platform):
    platform = make_platform(sqlite_url, discover=False)
    platform.add_plugin(p.FixedPrice(), "price", config=p.PriceConfig)
    platform.add_plugin(p.FixedPrice(), "theme", config=p.PriceConfig)
    for code in ("edu", "edu.k12", "mall", "gone"):
        platform.create_business(code)
    platform.enable("price", "edu", config={"amount": "10"})
    platform.enable("theme", "mall", priority=3)
    platform.set_status("gone", "suspended")
    api.set_provider(ZhongtaiProvider(platform))
    yield api.get_client()
    api.clear_providers()
    platform.exposures.close()


def ctx(subject: str | None, business: str | None = "edu.k12") -> EvaluationContext:
    return EvaluationContext(targeting_key=subject, attributes={"business": business} if business else {})


def test_plain_enablement_is_static_and_a_missing_one_is_disabled(client):
    details = client.get_boolean_details("price", False, ctx("u-1"))
    assert (details.value, details.reason, details.error_code) == (True, Reason.STATIC, None)
    off = client.get_boolean_details("theme", True, ctx("u-1"))
    assert (off.value, off.reason) == (False, Reason.DISABLED)
    suspended = client.get_boolean_details("theme", True, ctx("u-1", "gone"))
    assert (suspended.value, suspended.reason) == (False, Reason.DISABLED)


def test_rollout_reasons_split_and_targeting_match(client):
    platform = client.provider.platform
    set_rollout(platform, "price", "edu", percent=40, allow=["qa"])
    subjects = [f"u-{i}" for i in range(200)]
    answers = {s: client.get_boolean_details("price", False, ctx(s)) for s in subjects}
    assert {s for s, d in answers.items() if d.value} == {s for s in subjects if bucket("edu:price", s) <= 4000}
    assert {d.reason for d in answers.values()} == {Reason.SPLIT}
    allowed = client.get_boolean_details("price", False, ctx("qa"))
    assert (allowed.value, allowed.reason) == (True, Reason.TARGETING_MATCH)
    missing = client.get_boolean_details("price", True, ctx(None))
    assert (missing.value, missing.reason, missing.error_code) == (True, Reason.ERROR, ErrorCode.TARGETING_KEY_MISSING)


def test_variants_as_strings_and_tracking_as_outcome_events(client):
    platform = client.provider.platform
    ex.create(platform, "exp", business="edu", plugin="price", metric="order.paid",
              variants=[{"name": "control", "weight": 1}, {"name": "cheap", "weight": 1, "config": {"amount": "5"}}])
    assert client.get_string_details("price", "none", ctx("u-1")).reason == Reason.DEFAULT  # not started
    ex.start(platform, "exp")
    for i in range(20):
        details = client.get_string_details("price", "none", ctx(f"u-{i}"))
        amount = platform.business("edu.k12").call("pricing.base_price", sku="a", request=None,
                                                   subject=f"u-{i}").amount
        assert (details.value, details.reason, details.variant) == (
            "cheap" if amount == 5 else "control", Reason.SPLIT, details.value)
        assert details.flag_metadata["experiment"] == "exp"
    assert client.get_boolean_details("price", False, ctx("u-1")).variant in ("cheap", "control")
    client.track("order.paid", ctx("u-3"), TrackingEventDetails(value=5.0))
    platform.exposures.flush()
    with platform.registry.session() as session:
        assert session.execute(select(EventRow.business, EventRow.subject, EventRow.value)).all() == [
            ("edu.k12", "u-3", 5.0)]
        assert len(session.scalars(select(ExposureRow.subject)).all()) == 20


def test_errors_map_to_openfeature_codes(client):
    no_business = client.get_boolean_details("price", False, ctx("u-1", None))
    assert (no_business.reason, no_business.error_code) == (Reason.ERROR, ErrorCode.INVALID_CONTEXT)
    unknown = client.get_boolean_details("price", False, ctx("u-1", "nowhere"))
    assert unknown.error_code == ErrorCode.INVALID_CONTEXT and "nowhere" in unknown.error_message
    flag = client.get_boolean_details("no.such-plugin", False, ctx("u-1"))
    assert flag.error_code == ErrorCode.FLAG_NOT_FOUND and flag.value is False
    assert client.get_integer_details("price", 3, ctx("u-1")).error_code == ErrorCode.TYPE_MISMATCH
    assert client.get_object_details("price", {}, ctx("u-1")).error_code == ErrorCode.TYPE_MISMATCH
