"""The console in the gateway app, in-process: login, sessions, CSRF, read-only teams, forms, dry runs, audit.

Everything goes through the real gateway app (``create_app`` mounts the
console at /console) over a real SQLite registry; the browser tests
(test_console_browser.py) repeat the main paths in Chromium against ``zhongtai serve``.
"""

from __future__ import annotations

import html
import time

import pytest

from tests.console.conftest import CSRF, SEALED, ConsoleClient, Teams, seed_teams

SECRET = "s3cr3t-unsubscribe-key"


def _enabled_rows(url: str, business: str) -> dict[str, object]:
    from zhongtai.core.registry.store import Registry

    registry = Registry(url)
    try:
        return {plugin: row for plugin, row in registry.snapshot().enablements.get(business, {}).items()}
    finally:
        registry.close()


def _audit(url: str) -> list[object]:
    from zhongtai.core.registry.store import Registry

    registry = Registry(url)
    try:
        return list(registry.audit(None, None, None))
    finally:
        registry.close()


def _preview(client: ConsoleClient, business: str, plugin: str, **fields: str) -> object:
    path = f"/console/b/{business}/plugins/{plugin}"
    data = {"csrf": client.csrf(path), "op": "enable", **{f"field.{k}": v for k, v in fields.items()}}
    return client.post(path, data)


def test_pages_need_a_login_and_call_tokens_cannot_log_in(console, teams: Teams) -> None:
    client = console()
    answer = client.get("/console/map")
    assert answer.status_code == 303 and answer.headers["location"].startswith("/console/login?next=")
    assert client.login("zt_000000000000_forged").status_code == 401
    refused = client.login(teams.call)
    assert refused.status_code == 403 and "manage or admin" in refused.text
    assert client.get("/console/map").status_code == 303


def test_login_sets_a_strict_http_only_cookie_and_logout_ends_the_session(console, teams: Teams) -> None:
    client = console()
    answer = client.login(teams.edu)
    assert answer.status_code == 303 and answer.headers["location"] == "/console/map"
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/console" in cookie
    assert "secure" not in cookie  # plain http here; over TLS it is Secure (next test)
    old_cookie = client.http.cookies.get("zt_console")
    page = client.get("/console/map")
    assert page.status_code == 200 and teams.edu_principal in page.text
    logout = client.post("/console/logout", {"csrf": CSRF.search(page.text).group(1)})
    assert logout.status_code == 303
    assert client.get("/console/map").status_code == 303
    client.http.cookies.set("zt_console", old_cookie, path="/console")  # a copy of the old cookie is dead too
    assert client.get("/console/map").status_code == 303


def test_cookie_is_secure_over_tls(teams: Teams) -> None:
    import warnings

    from zhongtai.core.runtime.platform import Platform
    from zhongtai.gateway.app import create_app

    platform = Platform(teams.url)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from starlette.testclient import TestClient

            client = TestClient(create_app(platform=platform), base_url="https://console.example",
                                follow_redirects=False)
        csrf = CSRF.search(client.get("/console/login").text).group(1)
        answer = client.post("/console/login", data={"csrf": csrf, "token": teams.admin})
        assert "secure" in answer.headers["set-cookie"].lower()
    finally:
        platform.close()


def test_sessions_expire_and_revoked_tokens_end_them(teams: Teams) -> None:
    import warnings

    from zhongtai.core import tokens
    from zhongtai.core.runtime.platform import Platform
    from zhongtai.gateway.app import create_app
    from zhongtai.gateway.console.settings import ConsoleSettings

    platform = Platform(teams.url, refresh_interval=0)
    try:
        app = create_app(platform=platform)
        short = ConsoleClient(app)
        # a console with a one-second session
        from starlette.applications import Starlette
        from starlette.routing import Mount

        from zhongtai.gateway.console.app import create_console

        brief = Starlette(routes=[Mount("/console", app=create_console(platform, ConsoleSettings(session_seconds=1)))])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expiring = ConsoleClient(brief)
        expiring.login(teams.admin)
        assert expiring.get("/console/map").status_code == 200
        time.sleep(2.1)
        assert expiring.get("/console/map").status_code == 303
        short.login(teams.edu)
        assert short.get("/console/tree").status_code == 200
        tokens.revoke(platform, teams.edu.split("_")[1], actor="setup")
        ended = short.get("/console/tree")
        assert ended.status_code == 303 and "expired=1" in ended.headers["location"]
    finally:
        platform.close()


def test_every_page_renders_with_a_strict_csp_and_escapes_user_text(console, teams: Teams) -> None:
    from zhongtai.core.runtime.platform import Platform

    platform = Platform(teams.url, refresh_interval=0)
    try:
        platform.create_business("edu.xss", name='<script>alert("x")</script>', owner="edu-team", actor="setup")
    finally:
        platform.close()
    client = console()
    client.login(teams.admin)
    for path in ("/console/map", "/console/map?subtree=edu&capability=pricing", "/console/tree",
                 "/console/b/edu.xss", "/console/b/edu/plugins/pricing.price-list", "/console/audit",
                 "/console/audit?business=edu&actor=setup", "/console/b/edu/theme-preview"):
        page = client.get(path)
        assert page.status_code == 200, (path, page.text[-1500:])
        csp = page.headers["content-security-policy"]
        assert "unsafe-inline" not in csp.split("script-src")[-1].split(";")[0], path
        assert page.headers["x-content-type-options"] == "nosniff"
        assert "<script>alert" not in page.text, path
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in client.get("/console/b/edu.xss").text
    assert "script-src 'self'" in client.get("/console/map").headers["content-security-policy"]
    assert client.get("/console/b/edu/theme-preview").headers["x-frame-options"] == "SAMEORIGIN"
    assert client.get("/console/map").headers["x-frame-options"] == "DENY"


def test_enable_with_config_shows_a_dry_run_diff_then_applies_as_the_principal(console, teams: Teams) -> None:
    client = console()
    client.login(teams.edu)
    preview = _preview(client, "edu", "notifiers.policy", quiet_hours="22:00-08:00", over_limit="refuse",
                       unsubscribe_secret=SECRET)
    assert preview.status_code == 200, preview.text[-2000:]
    text = html.unescape(preview.text)
    assert "Dry run" in text and "config.quiet_hours" in text and "22:00-08:00" in text
    assert "edu.k12" in text  # the impact on the descendant
    assert SECRET not in preview.text  # sealed, never echoed
    assert "notifiers.policy" not in _enabled_rows(teams.url, "edu")  # nothing changed yet
    sealed = SEALED.search(preview.text).group(1)
    applied = client.post("/console/confirm", {"csrf": CSRF.search(preview.text).group(1), "change": sealed})
    assert applied.status_code == 303 and applied.headers["location"].startswith("/console/b/edu?applied=")
    row = _enabled_rows(teams.url, "edu")["notifiers.policy"]
    assert row.config == {"quiet_hours": "22:00-08:00", "over_limit": "refuse", "unsubscribe_secret": SECRET}
    last = _audit(teams.url)[0]
    assert (last.actor, last.action, last.plugin) == (teams.edu_principal, "plugin.enable", "notifiers.policy")
    assert SECRET not in str(last.after)
    # the form never echoes the stored secret, and an empty secret input keeps it
    form = client.get("/console/b/edu/plugins/notifiers.policy")
    assert SECRET not in form.text and "one is stored" in form.text
    again = _preview(client, "edu", "notifiers.policy", quiet_hours="23:00-07:00", over_limit="refuse")
    client.post("/console/confirm", {"csrf": CSRF.search(again.text).group(1),
                                     "change": SEALED.search(again.text).group(1)})
    assert _enabled_rows(teams.url, "edu")["notifiers.policy"].config["unsubscribe_secret"] == SECRET
    audit = client.get("/console/audit?plugin=notifiers.policy")
    assert SECRET not in audit.text and "********" in audit.text and teams.edu_principal in audit.text
    # a confirmation can be used for this session only, and a changed row makes it stale
    replay = client.post("/console/confirm", {"csrf": CSRF.search(again.text).group(1),
                                              "change": SEALED.search(again.text).group(1)})
    assert replay.status_code == 409


def test_validator_failures_are_shown_on_the_form_and_nothing_changes(console, teams: Teams) -> None:
    client = console()
    client.login(teams.admin)
    refused = _preview(client, "edu", "notifiers.policy", quiet_hours="25:00-08:00", unsubscribe_secret=SECRET)
    assert refused.status_code == 400
    assert "quiet_hours" in html.unescape(refused.text) and 'id="form-error"' in refused.text
    assert 'value="25:00-08:00"' in refused.text and SECRET not in refused.text
    wrong_type = _preview(client, "edu", "pricing.price-list", prices="[1, 2]")
    assert wrong_type.status_code == 400 and "prices" in wrong_type.text
    assert "notifiers.policy" not in _enabled_rows(teams.url, "edu")


def test_another_teams_business_is_read_only_and_forged_posts_change_nothing(console, teams: Teams) -> None:
    client = console()
    client.login(teams.edu)
    mall = client.get("/console/b/mall")
    assert mall.status_code == 200 and "Read-only" in mall.text
    assert 'value="suspend"' not in mall.text and "Configure" not in mall.text
    form = client.get("/console/b/mall/plugins/pricing.price-list")
    assert "<form method=\"post\" action=\"/console/b/mall" not in form.text
    csrf = CSRF.search(mall.text).group(1)
    before = _enabled_rows(teams.url, "mall")
    forged = client.post("/console/b/mall/plugins/pricing.price-list",
                         {"csrf": csrf, "op": "enable", "field.prices": '{"tea": "0.01"}'})
    assert forged.status_code == 403
    assert client.post("/console/b/mall/status", {"csrf": csrf, "op": "suspend"}).status_code == 403
    # a confirmation sealed for the edu team's own business cannot be pointed at mall either
    assert _enabled_rows(teams.url, "mall") == before
    tree = client.get("/console/tree")
    assert tree.text.count('value="suspend"') == 2  # edu and edu.k12, not mall


def test_posts_without_the_csrf_token_or_from_another_site_are_refused(console, teams: Teams) -> None:
    client = console()
    client.login(teams.admin)
    before = _enabled_rows(teams.url, "edu")
    data = {"op": "enable", "field.prices": '{"math-101": "1.00"}'}
    assert client.post("/console/b/edu/plugins/pricing.price-list", data).status_code == 403
    assert client.post("/console/b/edu/plugins/pricing.price-list", {**data, "csrf": "wrong"}).status_code == 403
    csrf = client.csrf("/console/map")
    cross = client.post("/console/b/edu/plugins/pricing.price-list", {**data, "csrf": csrf},
                        headers={"Origin": "https://evil.example"})
    assert cross.status_code == 403
    assert client.post("/console/login", {"token": teams.admin}).status_code == 403
    assert _enabled_rows(teams.url, "edu") == before


def test_suspend_and_resume_through_the_dry_run(console, teams: Teams) -> None:
    client = console()
    client.login(teams.admin)
    preview = client.post("/console/b/edu/status", {"csrf": client.csrf("/console/tree"), "op": "suspend"})
    assert preview.status_code == 200 and "business.suspend" in preview.text and "suspended" in preview.text
    client.post("/console/confirm", {"csrf": CSRF.search(preview.text).group(1),
                                     "change": SEALED.search(preview.text).group(1)})
    assert "suspended" in client.get("/console/tree").text
    resume = client.post("/console/b/edu/status", {"csrf": client.csrf("/console/tree"), "op": "resume"})
    assert resume.status_code == 200
    client.post("/console/confirm", {"csrf": CSRF.search(resume.text).group(1),
                                     "change": SEALED.search(resume.text).group(1)})
    assert [e.action for e in _audit(teams.url)[:2]] == ["business.resume", "business.suspend"]


def test_the_language_follows_the_browser_then_the_switch(console, teams: Teams) -> None:
    client = console()
    client.login(teams.admin)
    assert "能力地图" in client.get("/console/map", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).text
    english = client.get("/console/map", headers={"Accept-Language": "en-US,en;q=0.9"}).text
    assert "Capability map" in english and 'lang="en"' in english
    switched = client.get("/console/lang/zh_CN?next=/console/tree")
    assert switched.status_code == 303 and switched.headers["location"] == "/console/tree"
    page = client.get("/console/tree", headers={"Accept-Language": "en"}).text
    assert 'lang="zh-CN"' in page and "所属团队" in page
    outside = client.get("/console/lang/en?next=https://evil.example/")
    assert outside.headers["location"] == "/console/map"


def test_the_map_paginates_and_filters(console, teams: Teams) -> None:
    from zhongtai.core.runtime.platform import Platform

    platform = Platform(teams.url, refresh_interval=0)
    try:
        for i in range(60):
            platform.create_business(f"edu.k12.c{i:02d}", owner="edu-team", actor="setup")
    finally:
        platform.close()
    client = console()
    client.login(teams.admin)
    first = client.get("/console/map").text
    assert "Page 1 of 2" in first and "63 businesses" in first and "edu.k12.c47" in first and "edu.k12.c48" not in first
    second = client.get("/console/map?page=2").text
    assert "edu.k12.c59" in second and "mall" in second
    pricing = client.get("/console/map?subtree=edu.k12&capability=pricing.base_price").text
    assert '<span class="point">pricing.base_price<' in pricing
    assert '<span class="point">theming.tokens<' not in pricing
    assert ">mall<" not in pricing
    assert "pricing.price-list" in pricing and "inherited from</span> edu" in pricing
    assert client.get("/console/map?capability=nope").status_code == 404
    assert client.get("/console/map?subtree=Bad Code").status_code == 400


@pytest.mark.parametrize("path", ["/console/b/nope", "/console/b/edu/plugins/nope.plugin"])
def test_unknown_things_are_404_pages_not_tracebacks(console, teams: Teams, path: str) -> None:
    client = console()
    client.login(teams.admin)
    answer = client.get(path)
    assert answer.status_code == 404 and "Back to the capability map" in answer.text


def test_doctor_findings_show_on_the_businesses_they_concern(teams: Teams) -> None:
    from sqlalchemy import text

    from zhongtai.core.registry.store import Registry
    from zhongtai.core.runtime.platform import Platform
    from zhongtai.gateway.app import create_app

    registry = Registry(teams.url)
    with registry.engine.begin() as connection:  # a stored config the plugin no longer accepts
        connection.execute(text("UPDATE zt_enablement SET config = :c WHERE business = 'mall' "
                                "AND plugin = 'pricing.price-list'"), {"c": '{"prices": "oops"}'})
    registry.close()
    platform = Platform(teams.url)
    try:
        client = ConsoleClient(create_app(platform=platform))
        client.login(teams.admin)
        page = html.unescape(client.get("/console/map").text)
        row = page.split('href="/console/b/mall"')[1].split("</tr>")[0]
        assert "invalid-config" in row and "prices" in row
        assert "invalid-config" not in page.split('href="/console/b/mall"')[0]
    finally:
        platform.close()


def test_a_change_and_the_audit_filters_on_each_backend(registry_url: str) -> None:
    from zhongtai.core.runtime.platform import Platform
    from zhongtai.gateway.app import create_app

    seeded = seed_teams(registry_url)
    platform = Platform(registry_url, refresh_interval=0)
    try:
        client = ConsoleClient(create_app(platform=platform))
        client.login(seeded.edu)
        preview = _preview(client, "edu.k12", "pricing.price-list", prices='{"math-101": "80.00"}')
        assert preview.status_code == 200, preview.text[-1500:]
        applied = client.post("/console/confirm", {"csrf": CSRF.search(preview.text).group(1),
                                                   "change": SEALED.search(preview.text).group(1)})
        assert applied.status_code == 303
        rows = lambda query: client.get(f"/console/audit?{query}").text.count("<time ")  # noqa: E731
        assert rows("business=edu") == 7  # 2 creates, 2 enables, 2 tokens, the console's enable at edu.k12
        assert rows("business=edu.k12") == 2
        assert rows(f"actor={seeded.edu_principal}") == 1
        assert rows("plugin=pricing.price-list&since=1h") == 3
        assert rows("business=edu&until=2000-01-01") == 0
    finally:
        platform.close()


def test_oversized_forms_are_refused_before_they_are_read(console, teams: Teams) -> None:
    client = console()
    client.login(teams.admin)
    csrf = client.csrf("/console/map")
    answer = client.post("/console/b/edu/plugins/pricing.price-list",
                         {"csrf": csrf, "op": "enable", "field.prices": "x" * 1_100_000})
    assert answer.status_code == 413 and "too large" in answer.text
