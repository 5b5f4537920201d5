"""docs/gateway.md: the "Try it" block runs literally in bash, and says what it prints; SSO works as documented."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.gateway.conftest import free_port

pytestmark = pytest.mark.slow

DOC = Path(__file__).resolve().parents[2] / "docs" / "gateway.md"


def try_it_block() -> str:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Try it", 1)[1]
    match = re.search(r"```sh\n(.*?)```", section, re.S)
    assert match, "docs/gateway.md has no sh block under 'Try it'"
    return match.group(1)


def test_the_try_it_block_runs_literally(tmp_path):
    env = {**os.environ, "PORT": str(free_port()), "PATH": f"{Path(sys.executable).parent}{os.pathsep}"
           f"{os.environ['PATH']}"}
    for name in ("ZHONGTAI_DATABASE_URL", "ZHONGTAI_PLUGIN_PATH", "ZHONGTAI_ACTOR"):
        env.pop(name, None)
    script = "set -euo pipefail\n" + try_it_block()
    done = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    output = done.stdout
    assert done.returncode == 0, done.stdout + done.stderr + (tmp_path / "gateway.log").read_text(errors="replace")
    answers = [line for line in output.splitlines() if line.startswith("{")]
    assert '"business":"edu.k12"' in answers[0] and '"amount":"80.00"' in answers[0]
    assert '"business":"edu"' in answers[1] and '"amount":"100.00"' in answers[1]
    assert '"status": 403' in answers[2] and "urn:zhongtai:problem:forbidden" in answers[2]
    assert '"applied": true' in answers[3] or '"applied":true' in answers[3]
    assert re.search(r'"actor": "token:[0-9a-f]{12}/edu-ops"', output), output


def test_sso_trusted_header_mode(serve, sqlite_url):
    from contextlib import closing

    from zhongtai.core import governance
    from zhongtai.core.runtime.platform import Platform

    with closing(Platform(sqlite_url, refresh_interval=0)) as platform:
        platform.create_business("edu", owner="edu-team", actor="boot")
        platform.enable("pricing.price-list", "edu", config={"prices": {"math-101": "100.00"}}, actor="boot")
        governance.grant(platform.registry, "alice", "admin", actor="boot")
        governance.grant(platform.registry, "kate", "member", "edu-team", actor="alice")
    off = serve(sqlite_url)
    with off.client(**{"X-Forwarded-User": "alice"}) as client:  # off by default: the header means nothing
        assert client.post("/v1/admin/businesses", json={"code": "edu.x"}).status_code == 401
    server = serve(sqlite_url, "--trusted-user-header", "X-Forwarded-User")
    with server.client(**{"X-Forwarded-User": "kate"}) as kate, \
            server.client(**{"X-Forwarded-User": "mallory"}) as mallory, \
            server.client(**{"X-Forwarded-User": "token:0123456789ab/x"}) as poser:
        created = kate.post("/v1/admin/businesses", json={"code": "edu.sso"})
        assert created.status_code == 201, created.text
        assert mallory.post("/v1/admin/businesses", json={"code": "edu.nope"}).status_code == 403
        assert poser.post("/v1/admin/businesses", json={"code": "edu.nope"}).status_code == 401
        price = kate.post("/v1/points/pricing.base_price", headers={"X-Zhongtai-Business": "edu"},
                          json={"sku": "math-101", "request": {"channel": "app", "lines": [{"sku": "math-101"}]}})
        assert price.json()["result"]["amount"] == "100.00"
    with closing(Platform(sqlite_url, discover=False)) as platform:
        [row] = [e for e in platform.registry.audit("edu.sso") if e.action == "business.create"]
    assert row.actor == "kate"
