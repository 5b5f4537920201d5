"""Extension points declared by installed distributions (``zhongtai.specs``), end to end.

A third-party spec distribution and a plugin distribution implementing it are
built as wheels and pip-installed (tests/specs/loyalty.py); everything the
kernel's own points get is exercised through the Python API and the CLI.
"""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from tests.helpers.distributions import build_wheel, install
from tests.specs.loyalty import SPEC_MODULE, SPECS, spec_files
from zhongtai.core.discovery import INCOMPATIBLE, OK, discover
from zhongtai.core.domains import FAILED, installed_domains
from zhongtai.core.extension import API_VERSION


def _platform(make_platform, url, site):
    return make_platform(url, plugin_path=[str(site)])


def test_listing_imports_nothing_and_judges_domains(loyalty_site):
    before = set(sys.modules)
    infos = {i.name: i for i in discover(API_VERSION, [str(loyalty_site)])}
    assert not {m for m in set(sys.modules) - before if m.startswith(("acme_loyalty", "loyalty_plugins"))}
    assert infos["loyalty.double"].status == OK
    assert infos["loyalty.double"].specs == (("loyalty", ">=1.0,<2"),)
    assert infos["loyalty.future"].status == INCOMPATIBLE
    assert infos["loyalty.future"].error == "supports loyalty >=2.0, acme-loyalty-specs 1.4.0 provides loyalty/1.2"
    assert infos["loyalty.unpinned"].status == INCOMPATIBLE
    assert "specs.loyalty" in (infos["loyalty.unpinned"].error or "")
    assert infos["rewards.stars"].status == INCOMPATIBLE
    assert "domain 'rewards'" in (infos["rewards.stars"].error or "")


def test_python_api_calls_and_explains_a_package_point(make_platform, sqlite_url, loyalty_site, monkeypatch):
    monkeypatch.syspath_prepend(str(loyalty_site))
    platform = _platform(make_platform, sqlite_url, loyalty_site)
    assert platform.domains["loyalty"].label == "loyalty/1.2"
    assert platform.domains["loyalty"].distribution == SPECS
    point = platform.extension_point("loyalty.earn")
    assert point.domain == "loyalty" and point.summary == "Points *order* earns its member."
    platform.create_business("shop", actor="t")
    platform.enable("loyalty.double", "shop", config={"rate": "3"}, actor="t")
    from acme_loyalty.specs import Order, Points

    order = Order(order_id="o-1", amount=Decimal("10.5"), member="m-1")
    view = platform.business("shop")
    assert view.call("loyalty.earn", order=order) == Points(points=31, reason="x3 at shop")
    explained = view.explain("loyalty.earn", order=order)
    assert [step.plugin for step in explained.trace] == ["loyalty.double"]
    assert view.call("loyalty.bonus", order=order) == ()
    # a plugin pinned to another version of the domain cannot be enabled
    from zhongtai.core.errors import ZhongtaiError

    with pytest.raises(ZhongtaiError, match="loyalty/1.2"):
        platform.enable("loyalty.future", "shop", actor="t")


def test_cli_capabilities_call_explain_json(loyalty_cli, tmp_path):
    cli = loyalty_cli()
    cli.ok("business", "create", "shop")
    cli.ok("plugins", "enable", "loyalty.double", "--business", "shop", "--set", "rate=2")
    caps = {p["name"]: p for p in cli.json("capabilities")["extension_points"]}
    assert caps["loyalty.earn"]["implemented_by"] == ["loyalty.double", "loyalty.future", "loyalty.trial",
                                                       "loyalty.unpinned"]
    assert caps["loyalty.earn"]["inputs"] == [{"name": "order", "type": "Order"}]
    assert caps["loyalty.earn"]["served"]["shop"][0]["plugin"] == "loyalty.double"
    request = tmp_path / "order.json"
    request.write_text(json.dumps({"order": {"order_id": "o-1", "amount": "7.25", "member": "m"}}))
    answer = cli.json("call", "loyalty.earn", "--business", "shop", "--input", f"@{request}", "--explain")
    assert answer["result"] == {"points": 14, "reason": "x2 at shop"}
    assert [step["plugin"] for step in answer["trace"]] == ["loyalty.double"]
    bad = cli("call", "loyalty.earn", "--business", "shop", "--input",
              json.dumps({"order": {"order_id": "o", "amount": "lots", "member": "m"}}))
    assert bad.exit_code != 0 and "order.amount" in bad.output and "Traceback" not in bad.output
    listed = {p["name"]: p for p in cli.json("plugins", "list")}
    assert listed["rewards.stars"]["status"] == "incompatible"
    domains = {d["name"]: d for d in cli.json("plugins", "domains")}
    assert domains["loyalty"]["version"] == "1.2" and domains["loyalty"]["distribution"] == SPECS
    assert domains["pricing"]["distribution"] == "zhongtai-core"


BAD_DOMAINS = {
    "bad_domains/__init__.py": "",
    "bad_domains/broken.py": "raise RuntimeError('boom')\n",
    "bad_domains/empty.py": "X = 1\n",
    "bad_domains/stray.py": SPEC_MODULE.replace('"loyalty.earn"', '"stray.earn"').replace(
        "def loyalty_earn", "def stray_earn"),
    "bad_domains/user.py": "class User:\n    @staticmethod\n    def broken_thing(order: object) -> None:\n"
                           "        return None\n",
    "bad_domains/zhongtai_plugins.toml": """
[specs.broken]
version = "1.0"
[specs.empty]
version = "1.0"
[specs.stray]
version = "1.0"
[specs.noversion]
[plugins."broken.user"]
api = ">=1.0,<2"
specs = { broken = ">=1.0" }
extension_points = ["broken.thing"]
""",
}


@pytest.fixture(scope="module")
def odd_site(tmp_path_factory) -> Path:
    """The loyalty domain, a rival declaring it too, one named like a kernel domain, and broken ones."""
    work = tmp_path_factory.mktemp("odd-build")
    wheels = [
        build_wheel(work, SPECS, spec_files(), version="1.4.0",
                    entry_points={"zhongtai.specs": {"loyalty": "acme_loyalty.specs"}}),
        build_wheel(work, "rival-loyalty", spec_files(package="rival_loyalty"),
                    entry_points={"zhongtai.specs": {"loyalty": "rival_loyalty.specs"}}),
        build_wheel(work, "acme-pricing", spec_files(
            SPEC_MODULE.replace("loyalty.", "pricing.").replace("loyalty_", "pricing_"),
            "[specs.pricing]\nversion = \"1.0\"\n", package="acme_pricing"),
            entry_points={"zhongtai.specs": {"pricing": "acme_pricing.specs"}}),
        build_wheel(work, "bad-domains", BAD_DOMAINS, entry_points={
            "zhongtai.specs": {name: f"bad_domains.{name}" for name in ("broken", "empty", "stray")}
            | {"noversion": "bad_domains.empty", "Bad-Name": "bad_domains.empty"},
            "zhongtai.plugins": {"broken.user": "bad_domains.user:User"}}),
    ]
    return install(wheels, tmp_path_factory.mktemp("odd-site"))


def test_a_clashing_domain_is_refused_naming_both_distributions(odd_site, make_platform, sqlite_url):
    domains = installed_domains([str(odd_site)])
    assert domains["loyalty"].status == FAILED
    assert domains["loyalty"].error == (
        "extension-point domain 'loyalty' is declared by both acme-loyalty-specs 1.4.0 and rival-loyalty 1.0.0; "
        "refused")
    refused = [d for d in domains.values() if d.distribution == "acme-pricing"]
    assert [d.error for d in refused] == [
        "extension-point domain 'pricing' of acme-pricing 1.0.0 clashes with the kernel's (zhongtai-core); refused"]
    platform = _platform(make_platform, sqlite_url, odd_site)
    assert "loyalty.earn" not in platform.extension_points
    assert platform.extension_point("pricing.adjust").domain == "pricing"  # the kernel's, untouched


def test_loading_validates_and_a_bad_domain_makes_its_plugins_unusable(odd_site, make_platform, sqlite_url,
                                                                        monkeypatch):
    listed = {i.name: i for i in discover(API_VERSION, [str(odd_site)])}
    assert listed["broken.user"].status == OK  # metadata alone cannot know the module is broken
    monkeypatch.syspath_prepend(str(odd_site))
    platform = _platform(make_platform, sqlite_url, odd_site)
    errors = {name: d.error for name, d in platform.domains.items() if d.status == FAILED}
    assert errors["broken"] == ("broken/1.0 of bad-domains 1.0.0: import of bad_domains.broken failed: "
                                "RuntimeError: boom")
    assert errors["empty"] == ("empty/1.0 of bad-domains 1.0.0: bad_domains.empty declares no extension point "
                               "(use @extension_point)")
    assert errors["stray"] == ("stray/1.0 of bad-domains 1.0.0: bad_domains.stray declares 'loyalty.bonus', "
                               "outside its domain 'stray'")
    assert "[specs.noversion] version '' is not a version number" in errors["noversion"]
    assert "domain name 'Bad-Name'" in errors["Bad-Name"]
    assert not [p for p in platform.extension_points if p.split(".")[0] in ("broken", "empty", "stray")]
    info = platform.plugins.require("broken.user")
    assert info.status == INCOMPATIBLE
    assert info.error == f"extension-point domain 'broken' is unavailable: {errors['broken']}"
    platform.create_business("shop", actor="t")
    from zhongtai.core.errors import ZhongtaiError

    with pytest.raises(ZhongtaiError, match="incompatible"):
        platform.enable("broken.user", "shop", actor="t")
    from zhongtai.core.health import diagnose

    found = {(f.check, f.subject) for f in diagnose(platform)}
    assert {("domain-failed", "broken"), ("domain-failed", "loyalty"), ("domain-failed", "stray"),
            ("plugin-incompatible", "broken.user")} <= found


def test_mypy_checks_implements_against_a_package_hookspec(loyalty_site, tmp_path):
    good = tmp_path / "good.py"
    good.write_text(
        "from acme_loyalty.specs import Order, Points, loyalty_earn\n"
        "from zhongtai.sdk import PluginContext, implements\n\n\n"
        "@implements(loyalty_earn)\n"
        "def earn(order: Order, context: PluginContext) -> Points | None:\n"
        "    return None\n")
    bad = tmp_path / "bad.py"
    bad.write_text(good.read_text().replace("order: Order", "order: str"))
    env = {"MYPYPATH": str(loyalty_site), "PATH": "/usr/bin:/bin"}
    run = [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--follow-imports=silent"]
    ok = subprocess.run([*run, str(good)], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    wrong = subprocess.run([*run, str(bad)], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert wrong.returncode == 1 and "bad.py:5: error" in wrong.stdout, wrong.stdout


def test_shell_completion_offers_package_points(loyalty_site, sqlite_url):
    import os

    from tests.cli.conftest import SCRIPT, subprocess_env

    env = {**subprocess_env(loyalty_site, sqlite_url), "_ZHONGTAI_COMPLETE": "bash_complete",
           "COMP_WORDS": "zhongtai call loyalty.", "COMP_CWORD": "2"}
    done = subprocess.run([SCRIPT], env={**os.environ, **env}, capture_output=True, text=True, timeout=60)
    assert [line.split(",", 1)[1] for line in done.stdout.splitlines()] == ["loyalty.bonus", "loyalty.earn"]
