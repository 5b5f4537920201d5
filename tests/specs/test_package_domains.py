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


def _forget_loyalty_modules(monkeypatch):
    """Earlier tests imported the good loyalty modules; these tests install other versions of them."""
    for name in [m for m in sys.modules if m.startswith(("acme_loyalty", "loyalty_plugins"))]:
        monkeypatch.delitem(sys.modules, name)


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
    assert caps["loyalty.earn"]["implemented_by"] == ["loyalty.double", "loyalty.future", "loyalty.unpinned"]
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


def _site_with(tmp_path: Path, *extra: tuple[str, dict[str, str], dict[str, dict[str, str]]]) -> Path:
    """The loyalty spec wheel plus *extra* (name, files, entry points) distributions, installed together."""
    work = tmp_path / "build"
    wheels = [build_wheel(work, SPECS, spec_files(), version="1.4.0",
                          entry_points={"zhongtai.specs": {"loyalty": "acme_loyalty.specs"}})]
    wheels += [build_wheel(work, name, files, entry_points=eps) for name, files, eps in extra]
    return install(wheels, tmp_path / "site")


def test_a_clashing_domain_is_refused_naming_both_distributions(tmp_path, make_platform, sqlite_url):
    rival = spec_files(package="rival_loyalty")
    kernel_clash = spec_files(SPEC_MODULE.replace("loyalty.", "pricing.").replace("loyalty_", "pricing_"),
                              "[specs.pricing]\nversion = \"1.0\"\n", package="acme_pricing")
    site = _site_with(
        tmp_path,
        ("rival-loyalty", rival, {"zhongtai.specs": {"loyalty": "rival_loyalty.specs"}}),
        ("acme-pricing", kernel_clash, {"zhongtai.specs": {"pricing": "acme_pricing.specs"}}),
    )
    domains = installed_domains([str(site)])
    assert domains["loyalty"].status == FAILED
    assert domains["loyalty"].error == (
        "extension-point domain 'loyalty' is declared by both acme-loyalty-specs 1.4.0 and rival-loyalty 1.0.0; "
        "refused")
    refused = [d for d in domains.values() if d.distribution == "acme-pricing"]
    assert [d.error for d in refused] == [
        "extension-point domain 'pricing' of acme-pricing 1.0.0 clashes with the kernel's (zhongtai-core); refused"]
    platform = _platform(make_platform, sqlite_url, site)
    assert "loyalty.earn" not in platform.extension_points
    assert platform.extension_point("pricing.adjust").domain == "pricing"  # the kernel's, untouched


@pytest.mark.parametrize(("module", "reason"), [
    ("raise RuntimeError('boom')", "import of acme_loyalty.specs failed: RuntimeError: boom"),
    ("X = 1", "acme_loyalty.specs declares no extension point"),
    (SPEC_MODULE.replace('"loyalty.bonus"', '"rewards.bonus"').replace("def loyalty_bonus", "def rewards_bonus"),
     "declares 'rewards.bonus', outside its domain 'loyalty'"),
])
def test_loading_validates_and_a_bad_domain_makes_its_plugins_unusable(tmp_path, make_platform, sqlite_url,
                                                                        monkeypatch, module, reason):
    from tests.specs.loyalty import PLUGIN_ENTRY_POINTS, PLUGINS, plugin_files

    work = tmp_path / "build"
    wheels = [build_wheel(work, SPECS, spec_files(module), version="1.4.0",
                          entry_points={"zhongtai.specs": {"loyalty": "acme_loyalty.specs"}}),
              build_wheel(work, PLUGINS, plugin_files(), entry_points=PLUGIN_ENTRY_POINTS)]
    site = install(wheels, tmp_path / "site")
    _forget_loyalty_modules(monkeypatch)
    monkeypatch.syspath_prepend(str(site))
    platform = _platform(make_platform, sqlite_url, site)
    assert platform.domains["loyalty"].status == FAILED
    assert reason in (platform.domains["loyalty"].error or "")
    info = platform.plugins.require("loyalty.double")
    assert info.status == INCOMPATIBLE and "domain 'loyalty' is unavailable" in (info.error or "")
    platform.create_business("shop", actor="t")
    from zhongtai.core.errors import ZhongtaiError

    with pytest.raises(ZhongtaiError, match="incompatible"):
        platform.enable("loyalty.double", "shop", actor="t")


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
