"""Config forms from config classes: widgets, shown values, and what a submitted form means."""

from __future__ import annotations

import json

import attrs
import pytest

from zhongtai.core.errors import ConfigError
from zhongtai.gateway.console.forms import CHOICE, JSON, NUMBER, SECRET_INPUT, TEXT, form_fields, parse_form
from zhongtai.plugins.notifiers.channels.email import EmailConfig
from zhongtai.plugins.notifiers.policy import NotifierPolicy


def test_each_field_gets_a_widget_with_its_type_default_and_the_stored_value_but_never_a_secret() -> None:
    limits = [{"per": "business", "limit": 3, "window_seconds": 60}]
    own = {"quiet_hours": "22:00-08:00", "rate_limits": limits, "unsubscribe_secret": "k"}
    fields = {f.name: f for f in form_fields(NotifierPolicy, own)}
    assert fields["quiet_hours"].widget == TEXT and fields["quiet_hours"].value == "22:00-08:00"
    assert fields["over_limit"].widget == CHOICE
    assert [v for v, _ in fields["over_limit"].choices] == ["defer", "refuse"]
    assert fields["over_limit"].default == "defer" and fields["over_limit"].value == ""
    assert fields["rate_limits"].widget == JSON and fields["rate_limits"].type == "tuple[RateLimit, ...]"
    assert '"limit": 3' in fields["rate_limits"].value
    secret = fields["unsubscribe_secret"]
    assert (secret.widget, secret.value, secret.stored_secret) == (SECRET_INPUT, "", True)
    mailer = {f.name: f for f in form_fields(_Mailer, {})}
    assert mailer["sender"].required and mailer["port"].widget == NUMBER and mailer["port"].default == "25"
    assert not {f.name: f for f in form_fields(EmailConfig, {})}["sender"].required  # an account may give it


@attrs.frozen
class _Mailer:
    """A config with a required field (the email channel's sender became optional with provider accounts)."""

    sender: str
    port: int = 25


def test_a_submitted_form_is_the_own_config_with_secrets_kept_unless_cleared() -> None:
    own = {"unsubscribe_secret": "stored", "quiet_hours": "22:00-08:00"}
    limits = [{"per": "business", "limit": 3, "window_seconds": 60}]
    form = {"field.quiet_hours": "", "field.over_limit": "refuse", "field.rate_limits": json.dumps(limits),
            "field.unsubscribe_secret": ""}
    assert parse_form(NotifierPolicy, form, own, plugin="notifiers.policy") == {
        "over_limit": "refuse", "rate_limits": limits, "unsubscribe_secret": "stored"}
    cleared = parse_form(NotifierPolicy, {**form, "clear.unsubscribe_secret": "1"}, own, plugin="notifiers.policy")
    assert "unsubscribe_secret" not in cleared
    replaced = parse_form(NotifierPolicy, {**form, "field.unsubscribe_secret": "new"}, own, plugin="p")
    assert replaced["unsubscribe_secret"] == "new"
    assert parse_form(EmailConfig, {"field.sender": "a@b.c", "field.port": "587"}, {}, plugin="e") == {
        "sender": "a@b.c", "port": 587}
    with pytest.raises(ConfigError, match="port"):
        parse_form(EmailConfig, {"field.port": "many"}, {}, plugin="notifiers.email")
    with pytest.raises(ConfigError, match="longer than"):
        parse_form(EmailConfig, {"field.sender": "x" * 100_001}, {}, plugin="notifiers.email")
