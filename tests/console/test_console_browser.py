"""The console in a real browser: Playwright driving Debian's Chromium against a real ``zhongtai serve``.

One gateway process (uvicorn on a free loopback port) and one Chromium serve
the whole module.  The tests log in with tokens, enable a plugin with config
through the generated form, read the dry-run diff, confirm, and check the
result with the ``zhongtai`` CLI; check that another team's business is
read-only and forged or token-less POSTs change nothing; run axe-core (from the
pinned ``axe-playwright-python`` package) on every main page in English and
Chinese -- no serious or critical violation, colour contrast included (WCAG
AA) -- and save screenshots under ``test-artifacts/console/``.

Skipped only where Chromium or Playwright is missing, and never under CI=true.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.console.conftest import Teams, seed_teams
from tests.gateway.conftest import Server, start, stop

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = os.environ.get("ZHONGTAI_TEST_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "console"
ZHONGTAI = str(Path(sys.executable).with_name("zhongtai"))
SECRET = "browser-s3cr3t-key"
SEVERE = ("serious", "critical")


def _missing() -> str | None:
    if not os.access(CHROMIUM, os.X_OK):
        return f"headless Chromium not found at {CHROMIUM} (apt-get install -y chromium)"
    try:
        import axe_playwright_python  # noqa: F401
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        return f"{exc.name} is not installed (pip install -r requirements-dev.txt)"
    return None


@pytest.fixture(scope="module")
def teams(tmp_path_factory: pytest.TempPathFactory) -> Teams:
    missing = _missing()
    if missing:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(missing + " -- CI=true: browser tests must not be skipped")
        pytest.skip(missing)  # loudly: -ra lists the reason
    directory = tmp_path_factory.mktemp("console-browser")
    return seed_teams(f"sqlite:///{directory / 'registry.db'}")


@pytest.fixture(scope="module")
def server(teams: Teams, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start(teams.url, tmp_path_factory.mktemp("console-server"))
    yield running
    stop(running)


@pytest.fixture(scope="module")
def browser(teams: Teams) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


def _page(browser: Any, locale: str = "en-US") -> Any:
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale=locale)
    page = context.new_page()
    page.set_default_timeout(30_000)
    return page


def _login(page: Any, server: Server, token: str) -> None:
    page.goto(f"{server.base}/console/map")
    page.fill("#token", token)
    page.click("button.primary")
    page.wait_for_url("**/console/map")


def _shot(page: Any, name: str) -> Path:
    """The whole page; the viewport grows to the page's height so framed content is painted too."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    height = min(int(page.evaluate("document.documentElement.scrollHeight")), 8000)
    page.set_viewport_size({"width": 1400, "height": max(height, 900)})
    page.wait_for_timeout(200)
    page.screenshot(path=str(path))
    page.set_viewport_size({"width": 1400, "height": 900})
    assert path.stat().st_size > 10_000, f"{path} looks empty"
    return path


def _axe(page: Any, name: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    violations = results.response["violations"]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{name}.axe.json").write_text(json.dumps(violations, indent=1))
    severe = [f"{v['id']} ({v['impact']}): {v['help']} -- {[n['target'] for n in v['nodes']][:5]}"
              for v in violations if v["impact"] in SEVERE]
    assert not severe, f"{name}: " + "\n".join(severe)
    assert not [v for v in violations if v["id"] == "color-contrast"], f"{name}: WCAG AA contrast"


def _registry_state(teams: Teams, business: str) -> tuple[str, dict[str, Any]]:
    """The status and enablement rows of *business*, read straight from the registry (fast checks)."""
    from zhongtai.core.registry.store import Registry

    registry = Registry(teams.url)
    try:
        snapshot = registry.snapshot()
        rows = {p: (r.enabled, dict(r.config), r.priority, r.version)
                for p, r in snapshot.enablements.get(business, {}).items()}
        return snapshot.businesses[business].status, rows
    finally:
        registry.close()


def _cli(teams: Teams, *args: str) -> Any:
    done = subprocess.run([ZHONGTAI, "--database-url", teams.url, *args, "--json"], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_enable_a_plugin_with_config_through_the_form(server: Server, browser: Any, teams: Teams) -> None:
    page = _page(browser)
    _login(page, server, teams.edu)
    page.goto(f"{server.base}/console/b/edu/plugins/notifiers.policy")
    page.fill("#field-quiet_hours", "22:00-08:00")
    page.select_option("#field-over_limit", "refuse")
    page.fill("#field-unsubscribe_secret", SECRET)
    _axe(page, "plugin-form")
    _shot(page, "plugin-form")
    page.click("button[value=enable]")
    page.wait_for_url("**/plugins/notifiers.policy")
    diff = page.locator("table.diff").inner_text()
    assert "config.quiet_hours" in diff and "22:00-08:00" in diff and "refuse" in diff
    assert "edu.k12" in page.locator("table.impact").inner_text()  # the descendant that inherits it
    assert SECRET not in page.content()
    _axe(page, "confirm")
    _shot(page, "confirm")
    page.click("form[action$=\"/confirm\"] button")
    page.wait_for_url(lambda url: "/console/b/edu?applied=" in url)
    assert "Change applied" in page.inner_text("main")
    config = _cli(teams, "plugins", "config", "notifiers.policy", "--business", "edu")
    assert config["config"]["quiet_hours"] == "22:00-08:00" and config["config"]["over_limit"] == "refuse"
    assert config["config"]["unsubscribe_secret"] == "********"
    last = _cli(teams, "audit", "--business", "edu", "--limit", "1")[0]
    assert (last["actor"], last["action"], last["plugin"]) == (teams.edu_principal, "plugin.enable",
                                                                "notifiers.policy")
    page.goto(f"{server.base}/console/audit?business=edu")
    assert teams.edu_principal in page.inner_text("table.audit") and SECRET not in page.content()
    page.context.close()


def test_another_teams_business_is_read_only(server: Server, browser: Any, teams: Teams) -> None:
    page = _page(browser)
    _login(page, server, teams.edu)
    page.goto(f"{server.base}/console/b/mall")
    assert page.locator("text=Read-only").count() >= 1
    assert page.locator("button[value=suspend]").count() == 0
    assert page.locator("text=Configure…").count() == 0
    page.goto(f"{server.base}/console/b/mall/plugins/pricing.price-list")
    assert page.locator("form.config").count() == 0
    _shot(page, "read-only")
    csrf = page.locator("input[name=csrf]").first.get_attribute("value")
    before = _registry_state(teams, "mall")
    forged = page.request.post(f"{server.base}/console/b/mall/plugins/pricing.price-list",
                               form={"csrf": csrf, "op": "enable", "field.prices": '{"tea": "0.01"}'})
    assert forged.status == 403
    suspend = page.request.post(f"{server.base}/console/b/mall/status", form={"csrf": csrf, "op": "suspend"})
    assert suspend.status == 403
    assert _registry_state(teams, "mall") == before and before[0] == "active"
    page.context.close()


def test_posts_without_the_csrf_token_are_refused(server: Server, browser: Any, teams: Teams) -> None:
    page = _page(browser)
    _login(page, server, teams.admin)
    refused = page.request.post(f"{server.base}/console/b/edu/status", form={"op": "suspend"})
    assert refused.status == 403 and "CSRF" in refused.text()
    assert _registry_state(teams, "edu")[0] == "active"
    page.context.close()


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_main_pages_are_accessible_and_screenshotted(server: Server, browser: Any, teams: Teams,
                                                     locale: str) -> None:
    page = _page(browser, locale)
    page.goto(f"{server.base}/console/login")
    _axe(page, f"login-{locale}")
    _login(page, server, teams.admin)
    suffix = locale.split("-")[0]
    for name, path in (("map", "/console/map"), ("tree", "/console/tree"), ("business", "/console/b/edu"),
                       ("audit", "/console/audit")):
        page.goto(server.base + path)
        if name == "business":
            page.frame_locator("iframe.preview").locator("header").wait_for()
        _axe(page, f"{name}-{suffix}")
        _shot(page, f"{name}-{suffix}")
    heading = page.goto(server.base + "/console/map") and page.inner_text("h1")
    assert heading.startswith("能力地图" if suffix == "zh" else "Capability map")
    page.context.close()


def test_the_accessibility_check_can_fail(browser: Any) -> None:
    page = _page(browser)
    page.set_content('<html lang="en"><body><main><p class="x">low contrast</p></main>'
                     "<style>.x { color: #b0b0b0; background: #ffffff; }</style></body></html>")
    with pytest.raises(AssertionError, match="color-contrast"):
        _axe(page, "deliberately-bad")
    page.context.close()
