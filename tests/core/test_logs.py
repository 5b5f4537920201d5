"""Structured logs: JSON or key=value lines with business, trace and span ids; no secrets; per-module levels."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner

from tests.helpers.tracing import spans  # noqa: F401  (fixture)
from zhongtai.core import logs, scrubbing, telemetry
from zhongtai.core.errors import UserError
from zhongtai.core.markers import hookimpl


class Chatty:
    """pricing.base_price: logs a line (with a secret and a phone number in it), answers nothing."""

    @hookimpl
    def pricing_base_price(self, sku: str) -> Any:
        logging.getLogger("acme.pricing").warning("priced %s with key s3cr3t-api-key", sku,
                                                  extra={"phone": "13800138000", "attempt": 2})
        return None


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    before = (root.level, list(root.handlers), telemetry.SWITCH.business_context)
    out = io.StringIO()
    yield out
    for handler in [h for h in root.handlers if h not in before[1]]:
        root.removeHandler(handler)
    root.setLevel(before[0])
    telemetry.SWITCH.business_context = before[2]
    for name in ("acme.pricing", "acme.quiet"):
        logging.getLogger(name).setLevel(logging.NOTSET)
    scrubbing.forget_all()


@pytest.fixture
def platform(sqlite_url, make_platform):
    platform = make_platform(sqlite_url, discover=False)
    platform.create_business("edu")
    platform.add_plugin(Chatty(), "chatty")
    platform.enable("chatty", "edu")
    return platform


def test_json_lines_carry_business_trace_and_span_of_a_plugins_own_log(platform, stream, spans):
    scrubbing.remember(["s3cr3t-api-key"])
    logs.configure("json", "info", stream=stream)
    platform.business("edu").call("pricing.base_price", sku="a", request=None)
    (line,) = [json.loads(x) for x in stream.getvalue().splitlines()]
    plugin_span = spans.one("zhongtai.plugin chatty")
    assert line["logger"] == "acme.pricing" and line["level"] == "warning"
    assert line["business"] == "edu"
    assert line["trace_id"] == format(plugin_span.context.trace_id, "032x")
    assert line["span_id"] == format(plugin_span.context.span_id, "016x")
    assert line["message"] == "priced a with key ********"
    assert line["phone"] == "****" and line["attempt"] == 2
    assert "13800138000" not in stream.getvalue() and "s3cr3t" not in stream.getvalue()


def test_text_lines_are_key_value_and_carry_the_business_without_tracing(platform, stream):
    logs.configure("text", "info", stream=stream)
    platform.business("edu").call("pricing.base_price", sku="a\x1b[2J", request=None)
    (line,) = stream.getvalue().splitlines()
    assert " warning acme.pricing " in line
    assert "business=edu" in line and "trace_id" not in line
    assert 'message="priced a\\u001b[2J with key s3cr3t-api-key"' in line  # quoted, terminal-safe
    assert "phone=**** attempt=2" in line
    logging.getLogger("acme.pricing").warning("outside any call")
    assert "business" not in stream.getvalue().splitlines()[-1]


def test_levels_per_module(stream):
    logs.configure("text", "warning,acme.pricing=debug", stream=stream)
    logging.getLogger("acme.pricing").debug("shown")
    logging.getLogger("acme.quiet").info("hidden")
    assert "shown" in stream.getvalue() and "hidden" not in stream.getvalue()
    assert logs.parse_levels("info, zhongtai.gateway=DEBUG") == {"": logging.INFO, "zhongtai.gateway": logging.DEBUG}
    for bad in ("loud", "=debug", "zhongtai=verbose"):
        with pytest.raises(UserError, match="give LEVEL or MODULE=LEVEL"):
            logs.parse_levels(bad)
    with pytest.raises(UserError, match="log format 'xml'"):
        logs.configure("xml")


def test_exceptions_are_logged_scrubbed_with_their_type(stream):
    scrubbing.remember(["hunter2-secret"])
    logs.configure("json", "info", stream=stream)
    try:
        raise ConnectionError("cannot log in with hunter2-secret")
    except ConnectionError:
        logging.getLogger("acme.pricing").exception("delivery failed")
    line = json.loads(stream.getvalue())
    assert line["error_type"] == "ConnectionError" and "********" in line["exception"]
    assert "hunter2" not in stream.getvalue()


def test_the_cli_takes_log_options_and_refuses_bad_ones_in_one_line(stream, tmp_path, monkeypatch):
    from zhongtai.core.cli.main import cli

    monkeypatch.setenv("ZHONGTAI_DATABASE_URL", f"sqlite:///{tmp_path}/r.db")
    result = CliRunner().invoke(cli, ["--log-level", "zhongtai=loud", "business", "list"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "Error: log level 'zhongtai=loud': give LEVEL or MODULE=LEVEL with LEVEL one of debug, info, warning, "
        "error, critical"]
    result = CliRunner().invoke(cli, ["--log-format", "yaml", "business", "list"])
    assert result.exit_code == 2 and "'yaml' is not one of 'text', 'json'" in result.output
    monkeypatch.setenv("ZHONGTAI_LOG_FORMAT", "json")
    result = CliRunner().invoke(cli, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert any(isinstance(h, logs._Handler) for h in logging.getLogger().handlers)
