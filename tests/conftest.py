"""Shared fixtures: registries on a real SQLite file and on the real PostgreSQL server.

Any test that takes ``registry_url`` runs once per backend (``--db=both``, the
default; ``--db=sqlite`` or ``--db=postgresql`` select one).  Each PostgreSQL test
gets its own schema, dropped afterwards.  When PostgreSQL cannot be reached the
test is skipped on a developer machine and *fails* in CI (``CI=true``).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

PG_URL = os.environ.get("ZHONGTAI_TEST_POSTGRESQL_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--db", choices=["sqlite", "postgresql", "both"], default="both",
                     help="registry backends for tests that take `registry_url`")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "registry_url" in metafunc.fixturenames:
        choice = metafunc.config.getoption("--db")
        backends = ["sqlite", "postgresql"] if choice == "both" else [choice]
        metafunc.parametrize("registry_url", backends, indirect=True)


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def pg_dsn() -> str:
    """The libpq form of PG_URL, for psycopg."""
    return PG_URL.replace("postgresql+psycopg://", "postgresql://")


def postgresql_schema_url(prefix: str = "zt") -> Iterator[str]:
    """Create a fresh schema, yield a URL whose search_path is that schema, drop it afterwards."""
    try:
        import psycopg

        admin = psycopg.connect(pg_dsn(), autocommit=True, connect_timeout=5)
    except Exception as exc:  # noqa: BLE001 - any failure to connect means "unreachable"
        message = f"PostgreSQL at {PG_URL} cannot be reached: {exc}"
        if _in_ci():
            pytest.fail(message + " (CI=true: PostgreSQL tests must not be skipped)")
        pytest.skip(message)
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
        try:
            sep = "&" if "?" in PG_URL else "?"
            yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
        finally:
            admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


RABBITMQ_URL = os.environ.get("ZHONGTAI_TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")


@pytest.fixture
def rabbitmq() -> Iterator[tuple[str, str]]:
    """``(url, queue)``: the real RabbitMQ and a fresh queue name, deleted afterwards.

    Unreachable: skipped on a developer machine, a failure in CI (``CI=true``).
    """
    try:
        import pika

        connection = pika.BlockingConnection(pika.URLParameters(RABBITMQ_URL + "?socket_timeout=5"))
    except Exception as exc:  # noqa: BLE001 - any failure to connect means "unreachable"
        message = f"RabbitMQ at {RABBITMQ_URL} cannot be reached: {exc!r}"
        if _in_ci():
            pytest.fail(message + " (CI=true: broker tests must not be skipped)")
        pytest.skip(message)
    connection.close()  # an idle connection would miss heartbeats during a long test
    queue = f"zt-test-{uuid.uuid4().hex[:12]}"
    try:
        yield RABBITMQ_URL, queue
    finally:
        cleanup = pika.BlockingConnection(pika.URLParameters(RABBITMQ_URL))
        try:
            cleanup.channel().queue_delete(queue=queue)
        finally:
            cleanup.close()


@pytest.fixture
def registry_url(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/registry.db"
    else:
        yield from postgresql_schema_url()


@pytest.fixture
def sqlite_url(tmp_path: Any) -> str:
    return f"sqlite:///{tmp_path}/registry.db"


@pytest.fixture
def make_platform() -> Iterator[Callable[..., Any]]:
    """Build Platforms that are closed after the test: ``make_platform(url, discover=False)``."""
    from zhongtai.core.runtime import Platform

    made: list[Platform] = []

    def make(url: str, **kwargs: Any) -> Platform:
        kwargs.setdefault("refresh_interval", 0.0)
        platform = Platform(url, **kwargs)
        made.append(platform)
        return platform

    yield make
    for platform in made:
        platform.registry.close()


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, str, Any]:
    """``make demo`` run once per session, in a subprocess on a fresh registry: (exit code, output, output dir).

    Shared by the demo's own tests and by the test that runs the docs' commands against
    the registry the demo leaves behind.
    """
    import subprocess
    import sys
    from pathlib import Path

    output = tmp_path_factory.mktemp("demo") / "out"
    demo = Path(__file__).resolve().parents[1] / "examples" / "demo.py"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZHONGTAI_")}
    done = subprocess.run([sys.executable, str(demo), "--output-dir", str(output)], capture_output=True,
                          text=True, timeout=400, check=False, env=env)
    return done.returncode, done.stdout + done.stderr, output
