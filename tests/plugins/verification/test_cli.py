"""``zhongtai verify`` through the real console entry point (plugin command found by entry point)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from click.testing import CliRunner, Result

from tests.plugins.verification.conftest import enable_verification

ID_NUMBER = "11010519491231002X"
PHONE = "13800000000"


@pytest.fixture
def run(sqlite_url: str, make_platform: Callable[..., Any]) -> Callable[..., Result]:
    platform = make_platform(sqlite_url)
    platform.create_business("fin")
    enable_verification(platform, "fin")

    def invoke(*args: str, input: str | None = None) -> Result:
        from zhongtai.core.cli.main import cli

        return CliRunner().invoke(cli, ["--database-url", sqlite_url, "verify", *args], input=input)

    return invoke


def test_finance_onboarding_from_the_command_line(run: Callable[..., Result]) -> None:
    started = run("start", "finance-onboarding", "--business", "fin", "--subject", f"phone={PHONE}",
                  "--subject", "user=u1", "--json")
    assert started.exit_code == 0, started.output
    session = json.loads(started.output)
    sid = session["id"]
    assert session["current"] == "id-number" and session["subject"]["phone"] == "138****0000"

    passed = run("submit", sid, "id-number", ID_NUMBER)
    assert passed.exit_code == 0, passed.output
    assert "id-number: accepted" in passed.output and "110105********002X" in passed.output

    rejected = run("submit", sid, "name-id-match", "李四")
    assert rejected.exit_code == 1
    assert "rejected: name and ID number do not match (2 attempts left)" in rejected.output

    from_stdin = run("submit", sid, "name-id-match", "-", input="张三\n")
    assert from_stdin.exit_code == 0, from_stdin.output

    done = run("submit", sid, "bank-card-four-factor", "6225 8827 0896 5808")
    assert done.exit_code == 0 and "status passed" in done.output

    shown = run("show", sid)
    assert shown.exit_code == 0 and "6225 **** **** 5808" in shown.output
    everything = "".join(r.output for r in (started, passed, rejected, from_stdin, done, shown))
    for secret in (ID_NUMBER, PHONE, "6225882708965808", "8827 0896", "张三", "李四"):
        assert secret not in everything


@pytest.mark.parametrize(("args", "message"), [
    (("start", "signup", "--business", "fin", "--subject", f"phone={PHONE}"),
     "no notifier channel is enabled for business fin; enable zhongtai-notifiers"),
    (("start", "signup", "--business", "fin", "--subject", "phone"), "--subject expects FIELD=VALUE"),
    (("start", "signup", "--business", "nope", "--subject", f"phone={PHONE}"), "unknown business 'nope'"),
    (("show", "vs_nope"), "no verification session 'vs_nope'"),
    (("resend", "vs_nope"), "no verification session 'vs_nope'"),
])
def test_errors_are_one_line_without_a_traceback(run: Callable[..., Result], args: tuple[str, ...],
                                                 message: str) -> None:
    result = run(*args)
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output


def test_wrong_step_and_resend_of_a_codeless_step(run: Callable[..., Result]) -> None:
    sid = json.loads(run("start", "real-person", "--business", "fin", "--subject", "user=u1", "--json").output)["id"]
    wrong = run("submit", sid, "face-liveness", "face-ok-zhangsan")
    assert wrong.exit_code == 1 and "submit 'id-number' first" in wrong.output
    resend = run("resend", sid)
    assert resend.exit_code == 1 and "does not send codes" in resend.output


def test_components_lists_what_the_business_has(run: Callable[..., Result]) -> None:
    result = run("components", "--business", "fin")
    assert result.exit_code == 0
    names = [line.split()[0] for line in result.output.splitlines()]
    assert names == sorted(["sms-code", "email-code", "totp", "id-number", "bank-card", "name-id-match",
                            "bank-card-four-factor", "face-liveness"])


def test_the_cli_module_keeps_heavy_imports_inside_commands() -> None:
    import subprocess
    import sys

    code = ("import sys, zhongtai.plugins.verification.cli; "
            "print(any(m.startswith(('sqlalchemy', 'pyotp', 'zhongtai.plugins.verification.service')) "
            "for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
