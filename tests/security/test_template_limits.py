"""Finding 6: templates without limits (a 300 MB outbox row; nested range loops hanging at 4 GB)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from zhongtai.plugins.notifiers.rendering import MAX_RENDERED_CHARS, TemplateError, render

from .conftest import MEMBER, Actors

HOSTILE = {
    "huge_repeat": ('{{ "x" * 300000000 }}', "more than 100000 characters"),
    "huge_list": ("{{ [0] * 300000000 }}", "more than 100000 characters"),
    "huge_range": ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
                   r"range\(\) is limited"),
    "slow_loops": ("{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}",
                   "longer than 1 s"),
    "huge_power": ("{{ 9 ** 99999999 }}", "more than 1000 digits"),
    "huge_format": ('{{ "%300000000d" % 1 }}', "format width"),
    "huge_str_format": ('{{ "{:>300000000}".format(1) }}', "format width"),
    "huge_center": ('{{ "x"|center(300000000) }}', "width of more than"),
    "huge_method": ('{{ "x".ljust(300000000) }}', "more than 100000 characters"),
    "huge_replace": ('{{ ("x" * 1000)|replace("x", "x" * 1000) }}', "replace would make"),
    "long_output": ('{% for i in range(10000) %}{{ "y" * 20 }}{% endfor %}', f"longer than {MAX_RENDERED_CHARS}"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_finding_06_template_render_limits(name: str) -> None:
    source, match = HOSTILE[name]
    started = time.monotonic()
    with pytest.raises(TemplateError, match=match) as caught:
        render(source, {}, name=name)
    assert time.monotonic() - started < 5
    assert "\n" not in caught.value.message and caught.value.message.startswith(f"template {name!r}")


def test_finding_06_normal_templates_still_render() -> None:
    assert render("Hi {{ name }}, {% for i in range(3) %}{{ i }}{% endfor %}", {"name": "Ann"}) == "Hi Ann, 012"
    assert render('{{ "ab" * 10 }}|{{ 2 ** 10 }}|{{ "%05d" % 42 }}', {}) == "ab" * 10 + "|1024|00042"


def test_finding_06_hostile_template_send_is_refused_and_writes_nothing(governed: tuple[Any, Actors]) -> None:
    from sqlalchemy import func, select

    from zhongtai.plugins.notifiers.models import OutboxRow, engine_of

    platform, zt = governed
    templates = {name: {"kind": "notification", "body": source} for name, (source, _) in HOSTILE.items()}
    zt.ok(MEMBER, "plugins", "enable", "notifiers.templates", "-b", "edu", "--set", f"templates={json.dumps(templates)}")
    for name in ("huge_repeat", "huge_range", "slow_loops"):
        started = time.monotonic()
        zt.refused(MEMBER, "notify", "send", "-b", "edu", "--kind", "notification", "--phone", "13800138000",
                   "--template", name, match="exceeds a limit")
        assert time.monotonic() - started < 10
    with engine_of(platform).connect() as connection:
        assert connection.execute(select(func.count()).select_from(OutboxRow)).scalar_one() == 0
