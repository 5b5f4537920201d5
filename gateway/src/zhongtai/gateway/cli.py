"""``zhongtai serve``: the gateway under uvicorn (added to the CLI through ``zhongtai.cli``)."""

from __future__ import annotations

import os
import secrets

import click

from zhongtai.core.cli.output import echo
from zhongtai.core.cli.params import DAY_SECONDS, BoundedFloat, BoundedInt
from zhongtai.core.documents import MAX_DOCUMENT_BYTES

DEFAULT_PORT = 8000


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=BoundedInt(0, 65535),
              help="Port to listen on.")
@click.option("--workers", default=1, show_default=True, type=BoundedInt(1, 64),
              help="Worker processes (use PostgreSQL for more than one).")
@click.option("--rate-limit", type=BoundedFloat(0, 1_000_000),
              help="Requests per second per token (0: none; default 50).")
@click.option("--max-body", "max_body", type=BoundedInt(1, MAX_DOCUMENT_BYTES),
              help="Largest request body in bytes (default 1 MiB).")
@click.option("--timeout", type=BoundedFloat(0.001, DAY_SECONDS), help="Seconds a request may take (default 10).")
@click.option("--cors-origin", "cors_origins", multiple=True, metavar="ORIGIN",
              help="Allow this browser origin (repeatable; default: CORS off).")
@click.option("--trusted-user-header", metavar="HEADER",
              help="SSO: trust this header from the reverse proxy as the signed-in user (default: off).")
@click.option("--access-log/--no-access-log", default=True, show_default=True, help="Log each request.")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, workers: int, rate_limit: float | None, max_body: int | None,
          timeout: float | None, cors_origins: tuple[str, ...], trusted_user_header: str | None,
          access_log: bool) -> None:
    """Serve every extension point over HTTP: the business gateway.

    Clients authenticate with API tokens (zhongtai access tokens create); the
    API is described at /openapi.json and /docs.  SIGTERM drains in-flight
    requests.  See docs/gateway.md.  Structured logs: zhongtai --log-format json
    serve; traces: OTEL_TRACES_EXPORTER (docs/observability.md).

    \b
    Example:
      zhongtai serve --port 8000   # not run: serves until stopped (tests/gateway start it)
      zhongtai --database-url postgresql://app@db/zhongtai serve --host 0.0.0.0 --workers 4  # not run: production
    """
    import attrs
    import uvicorn

    from zhongtai.core.registry.store import ENV_URL
    from zhongtai.gateway.settings import GatewaySettings

    settings = GatewaySettings.from_env()
    changes: dict[str, object] = {}
    if rate_limit is not None:
        changes["rate_limit"] = rate_limit
    if max_body is not None:
        changes["max_body_bytes"] = max_body
    if timeout is not None:
        changes["request_timeout"] = timeout
    if cors_origins:
        changes["cors_origins"] = cors_origins
    if trusted_user_header:
        changes["trusted_user_header"] = trusted_user_header
    settings = attrs.evolve(settings, **changes)  # type: ignore[arg-type]
    os.environ.update(settings.to_env())  # every worker builds the same app from the environment
    # the console's sessions must be valid in every worker: one key for all of them unless one is configured
    os.environ.setdefault("ZHONGTAI_CONSOLE_SECRET_KEY", secrets.token_urlsafe(48))
    root = ctx.find_root().params
    database_url = root.get("database_url")
    if database_url:
        os.environ[ENV_URL] = database_url
    from zhongtai.core import logs

    structured = False  # zhongtai --log-format/--log-level: every worker logs structured lines (uvicorn's too)
    for name, variable in (("log_format", logs.ENV_FORMAT), ("log_level", logs.ENV_LEVEL)):
        if root.get(name):
            os.environ[variable] = str(root[name])
        structured = structured or bool(os.environ.get(variable))
    echo(f"zhongtai gateway on http://{host}:{port} ({workers} worker{'s' if workers > 1 else ''}); "
         "API reference at /docs", err=True)
    uvicorn.run("zhongtai.gateway.app:create_app_from_env", factory=True, host=host, port=port, workers=workers,
                access_log=access_log, timeout_graceful_shutdown=int(settings.request_timeout) + 5,
                server_header=False, log_level="info", log_config=None if structured else uvicorn.config.LOGGING_CONFIG)
