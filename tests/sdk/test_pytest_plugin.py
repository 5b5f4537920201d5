"""The pytest plugin, as plugin authors meet it: a real `pytest` subprocess in a plugin project.

The plugin is found through its ``pytest11`` entry point (nothing is passed on the
command line), and the project is not installed: the fixtures load it from ``src/``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from .projects import write_project

PLUGIN = """
@attrs.frozen
class Config:
    greeting: str = setting("hello", help="What to say")

@implements(specs.pricing_adjust)
def adjust(quote: Quote, request: QuoteRequest, context: PluginContext) -> Quote | None:
    return quote

@implements(specs.channels_authorize)
def authorize(request: AccessRequest, context: PluginContext) -> Decision | None:
    return Decision(Effect.ALLOW, rule=context.config.greeting)
"""

TESTS = {"tests/test_plugin.py": '''
    from zhongtai.sdk import Verdict


    def test_platform_holds_the_project_plugin_only(zhongtai_platform):
        assert [p.name for p in zhongtai_platform.plugins.infos()] == ["acme.sample"]
        assert zhongtai_platform.plugins.load_quietly("acme.sample").status == "ok"


    def test_business_view_has_the_plugin_enabled(zhongtai_business, zhongtai_examples):
        assert zhongtai_business.code == "acme.shop"
        inputs = zhongtai_examples("pricing.adjust")
        assert zhongtai_business.call("pricing.adjust", **inputs) == inputs["quote"]
        verdict = zhongtai_business.call("channels.authorize", **zhongtai_examples("channels.authorize"))
        assert verdict == Verdict(True, "allowed", "acme.sample", "acme.shop", "hello")


    def test_enable_for_another_business_with_config(zhongtai_enable, zhongtai_examples):
        view = zhongtai_enable("acme.sample", "acme.shop.east", config={"greeting": "hi"})
        assert view.code == "acme.shop.east"
        assert view.call("channels.authorize", **zhongtai_examples("channels.authorize")).rule == "hi"


    def test_refused_config_fails_the_test_cleanly(zhongtai_enable):
        zhongtai_enable(config={"colour": "red"})


    def test_conformance(zhongtai_conformance):
        [report] = zhongtai_conformance(max_examples=10)
        assert {p.extension_point for p in report.points} == {"pricing.adjust", "channels.authorize"}
        assert all(p.calls >= 10 for p in report.points)
'''}


def run_pytest(root: Path) -> tuple[int, str]:
    # CI=true makes pytest print full messages in the short summary too; the author's run is local
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_") and k != "CI"}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-rA", "-q", "-p", "no:randomly"], cwd=root, env=env,
        capture_output=True, text=True, timeout=240,
    )
    return result.returncode, result.stdout + result.stderr


def outcomes(output: str) -> dict[str, str]:
    return {m.group(2): m.group(1) for m in re.finditer(r"^(PASSED|FAILED|ERROR) \S+::(\w+)", output, re.M)}


def test_fixtures_give_a_platform_business_enable_examples_and_conformance(tmp_path: Path) -> None:
    root = write_project(tmp_path / "proj", PLUGIN, ["pricing.adjust", "channels.authorize"], config="Config",
                         tests=TESTS)
    code, output = run_pytest(root)
    assert outcomes(output) == {
        "test_platform_holds_the_project_plugin_only": "PASSED",
        "test_business_view_has_the_plugin_enabled": "PASSED",
        "test_enable_for_another_business_with_config": "PASSED",
        "test_refused_config_fails_the_test_cleanly": "FAILED",
        "test_conformance": "PASSED",
    }, output
    assert code == 1
    failure = output[output.index("test_refused_config_fails_the_test_cleanly _"):]
    assert ("cannot enable acme.sample for acme.shop: plugin 'acme.sample': unknown config key 'colour' "
            "(known keys: greeting)") in failure
    assert failure.count("cannot enable") == 1, failure
    assert "Traceback" not in failure and "zhongtai/sdk/" not in failure


BROKEN = """
@hookimpl
def pricing_adjust(quote, context):
    return {"total": 0}
"""


def test_conformance_failure_is_one_message_without_traceback(tmp_path: Path) -> None:
    tests = {"tests/test_conformance.py": "def test_conformance(zhongtai_conformance):\n    zhongtai_conformance()\n"}
    root = write_project(tmp_path / "proj", BROKEN, ["pricing.adjust"], tests=tests)
    code, output = run_pytest(root)
    assert code == 1, output
    failure = output[output.index("_ test_conformance _"):output.index("short test summary")]
    assert ("plugin 'acme.sample' does not conform to pricing.adjust: returned dict, but pricing.adjust expects "
            "Quote\n    input: quote=Quote(currency='CNY', lines=()") in failure, failure
    assert failure.count("does not conform") == 1, failure
    assert "Traceback" not in failure and "hypothesis" not in failure.lower(), failure


def test_outside_a_plugin_project_the_fixtures_say_so(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "not-a-plugin"\n', encoding="utf-8")
    (tmp_path / "test_x.py").write_text("def test_x(zhongtai_platform):\n    pass\n", encoding="utf-8")
    code, output = run_pytest(tmp_path)
    assert code == 1
    assert ('zhongtai fixtures need a plugin project: '
            f'{tmp_path.resolve()}/pyproject.toml declares no [project.entry-points."zhongtai.plugins"]') in output
    assert output.count("declares no") == 1 and "Traceback" not in output, output


WITH_RULES = {"tests/test_with_rules.py": '''
    def test_the_platform_holds_the_plugins_asked_for(zhongtai_platform, zhongtai_examples):
        zhongtai_platform.create_business("acme")
        zhongtai_platform.enable("channels.rules", "acme", config={"rules": [
            {"id": "no-refunds", "effect": "deny", "actions": ["order.refund"], "reason": "not here"}]})
        assert sorted(p.name for p in zhongtai_platform.plugins.infos()) == ["acme.sample", "channels.rules"]
        zhongtai_platform.enable("acme.sample", "acme")
        view = zhongtai_platform.business("acme")
        request = zhongtai_examples("channels.authorize")["request"]
        import attrs
        verdict = view.call("channels.authorize", request=attrs.evolve(request, action="order.refund"))
        assert (verdict.allowed, verdict.plugin, verdict.rule) == (False, "channels.rules", "no-refunds")
'''}


def test_item_9_zhongtai_plugins_adds_installed_plugins_to_the_test_platform(tmp_path: Path) -> None:
    root = write_project(tmp_path / "proj", PLUGIN, ["pricing.adjust", "channels.authorize"], config="Config",
                         tests=WITH_RULES)
    pyproject = root / "pyproject.toml"
    without = run_pytest(root)
    assert without[0] == 1 and "unknown plugin 'channels.rules'" in without[1], without[1]
    pyproject.write_text(pyproject.read_text().replace(
        'zhongtai_business = "acme.shop"', 'zhongtai_business = "acme.shop"\nzhongtai_plugins = ["channels.rules"]'))
    code, output = run_pytest(root)
    assert code == 0 and outcomes(output) == {"test_the_platform_holds_the_plugins_asked_for": "PASSED"}, output
    pyproject.write_text(pyproject.read_text().replace('["channels.rules"]', '["channels.nope"]'))
    code, output = run_pytest(root)
    assert code == 1 and "zhongtai_plugins: not installed: channels.nope (installed: " in output, output
    assert "Traceback" not in output


def test_item_8_every_zhongtai_fixture_has_a_docstring(tmp_path: Path) -> None:
    root = write_project(tmp_path / "proj", PLUGIN, ["pricing.adjust"], config="Config")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_") and k != "CI"}
    done = subprocess.run([sys.executable, "-m", "pytest", "--fixtures", "-p", "no:randomly"], cwd=root, env=env,
                          capture_output=True, text=True, timeout=120)
    section = done.stdout[done.stdout.index("from zhongtai.sdk.pytest_plugin"):]
    section = section.split("\n---", 1)[0]
    fixtures = re.findall(r"^(zhongtai_\w+)", section, re.M)
    assert set(fixtures) >= {"zhongtai_project", "zhongtai_business_code", "zhongtai_plugins", "zhongtai_platform",
                             "zhongtai_enable", "zhongtai_business", "zhongtai_conformance", "zhongtai_examples"}
    assert "no docstring available" not in section, section
