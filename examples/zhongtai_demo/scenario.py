"""The shared inputs of the demo: every business gets exactly these.

The point of the demo is that the *same* request -- a cart, a permission
question, a verification flow, an event -- gets a different answer per
business, decided by the plugins each business enabled.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import attrs

#: The businesses compared side by side (each with its parents' plugins).
LEAVES: tuple[str, ...] = ("edu.k12", "mall.flagship", "telecom.echannel")

# -- pricing ---------------------------------------------------------------------------
#: The cart: two learning tablets (one per child) and a one-year care plan.
CART: tuple[tuple[str, int], ...] = (("learning-tablet", 2), ("care-plan-1y", 1))
#: The customer: a gold member.
CUSTOMER = {"id": "c-1001", "tier": "gold"}
#: Where each business sells it: its own main channel (K12 sells only in the mini-program and app,
#: the e-channel over phone, WAP, SMS, agents and pickup points).
MAIN_CHANNEL: Mapping[str, str] = {"edu.k12": "mini-program", "mall.flagship": "app", "telecom.echannel": "wap"}
#: The e-channel's own channels, each with its own prices.
ECHANNEL_CHANNELS: tuple[str, ...] = ("phone", "wap", "sms", "agent", "pickup-point")


# -- permissions -----------------------------------------------------------------------
@attrs.frozen
class Question:
    """May this actor do this action through this channel?"""

    label: str
    channel: str
    action: str
    actor: Mapping[str, Any]
    resource: Mapping[str, Any] = attrs.field(factory=dict)


CUSTOMER_ACTOR = {"id": "c-1001", "roles": ["customer"]}
AGENT_ACTOR = {"id": "a-07", "roles": ["agent"], "agent": "a-07"}
STAFF_ACTOR = {"id": "s-11", "roles": ["staff"], "store": "S-001"}

QUESTIONS: tuple[Question, ...] = (
    Question("a customer orders in the WeChat mini-program", "mini-program", "order.create", CUSTOMER_ACTOR),
    Question("a customer orders on the H5 site", "h5", "order.create", CUSTOMER_ACTOR),
    Question("an agent places an order for a customer", "agent", "order.create", AGENT_ACTOR),
    Question("an agent refunds an order", "agent", "order.refund", AGENT_ACTOR),
    Question("pickup-point staff order for their own store", "pickup-point", "order.create", STAFF_ACTOR,
             {"store": "S-001"}),
    Question("pickup-point staff order for another store", "pickup-point", "order.create", STAFF_ACTOR,
             {"store": "S-002"}),
)

# -- verification ----------------------------------------------------------------------
#: Every business runs its flow of this name.
FLOW = "payment"
#: Who verifies: a fictional person the platform's fake identity provider knows.
SUBJECT: Mapping[str, str] = {"user": "u-zhangsan", "phone": "13800000000", "name": "张三",
                              "id_number": "11010519491231002X"}
#: What the subject submits at each kind of step (codes are read from the fake SMS provider).
ANSWERS: Mapping[str, str] = {
    "id-number": "11010519491231002X",
    "guardian-consent": "parent",
    "name-id-match": "张三",
    "bank-card-four-factor": "6225882708965808",
}
#: The fake SMS provider every demo business sends through (in this process's memory).
FAKE_SMS = "zhongtai-demo"

# -- messages --------------------------------------------------------------------------
#: The event: a customer's yearly service expires in a week.
TEMPLATE = "renewal_reminder"
RECIPIENT = {"user_id": "u-xiaoming-family", "phone": "13800000000"}
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
#: The event fires at 22:30 in the recipient's time zone (Asia/Shanghai), inside the flagship's quiet hours.
EVENT_CLOCK = dt.time(22, 30)


def event_time(now: dt.datetime) -> dt.datetime:
    """The latest 22:30 Beijing time that is not after *now*: a real, recent moment inside the quiet hours."""
    local = now.astimezone(SHANGHAI)
    at = dt.datetime.combine(local.date(), EVENT_CLOCK, tzinfo=SHANGHAI)
    return at if at <= local else at - dt.timedelta(days=1)


def event_variables(at: dt.datetime) -> dict[str, Any]:
    expires = (at + dt.timedelta(days=7)).date()
    return {"name": "小明", "product": "学习平板年度服务", "expires_on": expires.isoformat(), "days_left": 7}


# -- identity --------------------------------------------------------------------------
#: What front ends send about incoming requests (no business codes).
REQUESTS: tuple[Mapping[str, str], ...] = (
    {"channel": "phone"},
    {"host": "wap.example-telecom.cn"},
    {"channel": "sms", "sms_to": "10001"},
    {"channel": "agent", "agent": "a-07"},
    {"store": "S-001", "terminal": "POS-3"},
)
