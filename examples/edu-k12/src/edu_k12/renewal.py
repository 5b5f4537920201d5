"""Plugin ``edu-k12.renewal-reminder``: the K12 wording of the ``renewal_reminder`` notification.

The platform sends a ``renewal_reminder`` when something a customer pays for
is about to expire; its variables are the same for every business:

=============== ===========================================
``name``        the customer (for K12: the student)
``product``     what expires (a course, a membership, a plan)
``expires_on``  the date it expires, ``YYYY-MM-DD``
``days_left``   whole days until then (an integer)
=============== ===========================================

K12 writes to the parents, not to the child, points them to the WeChat
mini-program (the only place K12 sells besides the app), and says it plainly
when three days or fewer are left.  ``sender`` signs the message.

Contract: answers only for the template called ``renewal_reminder`` (``None``
for any other name, so the platform's templates still apply); the template is
a ``notification`` (never marketing: a service reminder needs no consent and
ignores quiet hours).
"""

from __future__ import annotations

import attrs

from zhongtai.sdk import PluginContext, Template, implements, setting, specs

NAME = "renewal_reminder"
#: Characters that would be jinja2 syntax if they appeared in the signature.
_TEMPLATE_SYNTAX = frozenset("{}%#")

SUBJECT = "「{{ product }}」即将到期"
BODY = (
    "{{ name }} 同学家长您好：{{ name }} 的「{{ product }}」将于 {{ expires_on }} 到期"
    "{% if days_left <= 3 %}，仅剩 {{ days_left }} 天，请尽快续费{% else %}（还有 {{ days_left }} 天）{% endif %}。"
    "在微信小程序「{sender}」内续费，学习进度和错题本都会保留。—— {sender}"
)


def _plain(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not value.strip() or _TEMPLATE_SYNTAX & set(value):
        raise ValueError(f"{attribute.name} must be plain non-empty text (no {{ }} % #), got {value!r}")


@attrs.frozen
class RenewalReminderConfig:
    sender: str = setting("K12 学习中心", help="who signs the reminder (plain text)", validator=_plain)


def renewal_template(config: RenewalReminderConfig) -> Template:
    """The ``renewal_reminder`` template signed by ``config.sender``."""
    return Template(name=NAME, subject=SUBJECT, body=BODY.replace("{sender}", config.sender), kind="notification")


@implements(specs.notifiers_templates)
def renewal_reminder(name: str, context: PluginContext) -> Template | None:
    """The K12 ``renewal_reminder``; ``None`` for other templates."""
    if name != NAME:
        return None
    return renewal_template(context.config or RenewalReminderConfig())
