"""The console's routes: a Starlette app the gateway mounts at ``/console``.

Every page needs a logged-in session (:mod:`.sessions`), except the login
page, the language switch and the static files.  Every POST needs the
session's CSRF token and, when the browser sends an ``Origin``, this site's
origin.  Edit controls are shown, and POSTs that change a business are
accepted, only where the session's token covers the business; the kernel then
checks the same again inside the change's transaction.  Blocking work
(registry reads, plan compiles, changes) runs in worker threads.

Responses carry a Content-Security-Policy without inline scripts (the
console has no script at all), ``X-Frame-Options``, ``nosniff`` and
``Cache-Control: no-store``.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from zhongtai.core import tokens
from zhongtai.core.errors import NotFound, PermissionDenied, StaleWrite, Unauthenticated, UserError
from zhongtai.core.identity import validate_code
from zhongtai.core.views import business_detail, plugin_rows
from zhongtai.gateway.console import capability_map, changes, forms, i18n, panels
from zhongtai.gateway.console.audit import AuditFilter, audit_page
from zhongtai.gateway.console.charts import bar_chart
from zhongtai.gateway.console.i18n import N_
from zhongtai.gateway.console.i18n import gettext_ as _
from zhongtai.gateway.console.rendering import render
from zhongtai.gateway.console.sessions import COOKIE, ConsoleSession, SessionCodec, new_session
from zhongtai.gateway.console.settings import ConsoleSettings

if TYPE_CHECKING:
    from zhongtai.core.runtime.platform import Platform

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
#: The theme preview is the theming package's self-contained page: its own inline styles, no script.
PREVIEW_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; base-uri 'none'"
LOGIN_SCOPES = (tokens.MANAGE, tokens.ADMIN)
CALL_ONLY = N_("This token may only call extension points; log in with a manage or admin token.")
STATIC = Path(__file__).parent / "static"
MAX_FORM_BYTES = 1_048_576  # a form larger than this is refused before it is read
TOO_LARGE = N_("The form is too large (or its length is unknown).")


class Page:
    """What one request knows: its session, language and where the console is mounted."""

    def __init__(self, console: Console, request: Request, session: ConsoleSession, fresh: bool) -> None:
        self.console = console
        self.request = request
        self.session = session
        self.fresh = fresh  # the session cookie must be (re)written
        self.form: dict[str, str] = {}  # a POST's fields
        self.base = str(request.scope.get("root_path", ""))
        self.locale = i18n.negotiate(request.cookies.get(i18n.COOKIE), request.headers.get("accept-language"))

    def url(self, path: str, **query: Any) -> str:
        shown = {k: v for k, v in query.items() if v not in (None, "")}
        return self.base + path + (("?" + urllib.parse.urlencode(shown)) if shown else "")

    def html(self, template: str, status: int = 200, **context: Any) -> Response:
        lang, _ = i18n.LANGUAGES[self.locale]
        body = render(template, self.locale, {
            "page": self, "session": self.session, "csrf": self.session.csrf, "url": self.url, "lang": lang,
            "languages": i18n.LANGUAGES, "locale": self.locale, "here": self.request.url.path + (
                "?" + self.request.url.query if self.request.url.query else ""), **context})
        return self.finish(HTMLResponse(body, status_code=status))

    def redirect(self, path: str, **query: Any) -> Response:
        return self.finish(RedirectResponse(self.url(path, **query), status_code=303))

    def finish(self, response: Response) -> Response:
        if self.fresh:
            self.console.set_cookie(self.request, response, self.session)
        return response


Handler = Callable[[Page], Awaitable[Response]]


def _status_of(exc: UserError) -> int:
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, PermissionDenied):
        return 403
    if isinstance(exc, StaleWrite):
        return 409
    return 400


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value else default
    except ValueError:
        return default


def _text(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


class Console:
    """The console over one Platform (see the module docstring)."""

    def __init__(self, platform: Platform, settings: ConsoleSettings) -> None:
        self.platform = platform
        self.settings = settings
        self.codec = SessionCodec(settings)
        self.doctor = capability_map.PluginFindings()

    # -- sessions ---------------------------------------------------------------------
    def set_cookie(self, request: Request, response: Response, session: ConsoleSession) -> None:
        response.set_cookie(
            COOKIE, self.codec.dumps(session), max_age=self.settings.session_seconds,
            path=request.scope.get("root_path", "") or "/", httponly=True, samesite="strict",
            secure=request.url.scheme == "https")

    def _active(self, session: ConsoleSession) -> bool:
        """True while the session's token is still active (revoked or expired tokens end their sessions)."""
        if session.principal is None:
            return False
        try:
            with self.platform.registry.session() as db:
                return tokens.principal_token(db, session.principal) is not None
        except PermissionDenied:
            return False

    async def _page(self, request: Request, login_required: bool) -> Page | Response:
        session = self.codec.loads(request.cookies.get(COOKIE))
        fresh = session is None
        if session is None:
            session = new_session()
        page = Page(self, request, session, fresh)
        if session.logged_in and not await run_in_threadpool(self._active, session):
            self.codec.end(session)
            page.session, page.fresh = new_session(), True
            return page.redirect("/login", next=request.url.path, expired="1")
        if login_required and not session.logged_in:
            return page.redirect("/login", next=request.url.path)
        return page

    def _origin_ok(self, request: Request) -> bool:
        origin = request.headers.get("origin")
        if origin is None:
            return True
        return origin == f"{request.url.scheme}://{request.url.netloc}"

    def route(self, handler: Handler, *, login: bool = True, post: bool = False) -> Callable[[Request], Awaitable[
            Response]]:
        async def endpoint(request: Request) -> Response:
            page = await self._page(request, login)
            if isinstance(page, Response):
                return page
            if post:
                length = request.headers.get("content-length", "")
                if not length.isdigit() or int(length) > MAX_FORM_BYTES:
                    with i18n.active(page.locale):
                        message = _(TOO_LARGE)
                    return page.html("error.html", 413, title=N_("Refused"), message=message)
                form = await request.form(max_files=0, max_fields=2000)
                page.form = {k: v for k, v in form.items() if isinstance(v, str)}
                try:
                    if not self._origin_ok(request):
                        raise PermissionDenied("the form was sent from another site")
                    self.codec.check_csrf(page.session, page.form)
                except PermissionDenied as exc:
                    return page.html("error.html", 403, title=N_("Refused"), message=exc.message)
            try:
                return await handler(page)
            except UserError as exc:
                return page.html("error.html", _status_of(exc), title=N_("Something is wrong"), message=exc.message)
        return endpoint

    # -- login ------------------------------------------------------------------------
    async def login_form(self, page: Page) -> Response:
        query = page.request.query_params
        return page.html("login.html", next=query.get("next", ""), expired=bool(query.get("expired")), error="")

    async def login(self, page: Page) -> Response:
        form = page.form
        target = self._safe_next(page, form.get("next", ""))
        try:
            token = await run_in_threadpool(tokens.verify, self.platform.registry, form.get("token", "").strip())
        except Unauthenticated as exc:
            return page.html("login.html", 401, next=form.get("next", ""), expired=False, error=exc.message)
        if token.scope not in LOGIN_SCOPES:
            return page.html("login.html", 403, next=form.get("next", ""), expired=False,
                             error=CALL_ONLY)
        page.session = new_session(principal=token.principal, token_id=token.id, scope=token.scope,
                                   subtree=token.business)
        page.fresh = True
        return page.finish(RedirectResponse(target, status_code=303))

    def _safe_next(self, page: Page, target: str) -> str:
        """*target* if it is a path inside the console, else the capability map (no open redirects)."""
        if target.startswith(page.base + "/") and not target.startswith("//") and "\\" not in target:
            return target
        return page.url("/map")

    async def logout(self, page: Page) -> Response:
        self.codec.end(page.session)
        page.session, page.fresh = new_session(), True
        return page.redirect("/login", bye="1")

    async def language(self, page: Page) -> Response:
        locale = page.request.path_params["locale"]
        if locale not in i18n.LANGUAGES:
            raise NotFound(f"unknown language {locale!r}")
        response = page.finish(RedirectResponse(
            self._safe_next(page, page.request.query_params.get("next", "")), status_code=303))
        response.set_cookie(i18n.COOKIE, locale, max_age=365 * 86400, path=page.base or "/", samesite="strict",
                            httponly=True, secure=page.request.url.scheme == "https")
        return response

    # -- pages ------------------------------------------------------------------------
    async def home(self, page: Page) -> Response:
        return page.redirect("/map")

    async def capability_map(self, page: Page) -> Response:
        query = page.request.query_params
        data = await run_in_threadpool(
            capability_map.build_page, self.platform, self.doctor, subtree=query.get("subtree") or None,
            capability=query.get("capability") or None, page=_int(query.get("page"), 1),
            page_size=self.settings.page_size)
        return page.html("map.html", data=data)

    async def tree(self, page: Page) -> Response:
        query = page.request.query_params

        def build() -> dict[str, Any]:
            self.platform.refresh()
            snapshot = self.platform.snapshot
            subtree = query.get("subtree") or None
            if subtree is not None:
                validate_code(subtree)
                if subtree not in snapshot.businesses:
                    raise NotFound(f"unknown business {subtree!r}")
            codes = capability_map.tree_order(snapshot, subtree)
            size = self.settings.page_size
            pages = max(1, -(-len(codes) // size))
            number = min(max(_int(query.get("page"), 1), 1), pages)
            base = subtree.count(".") if subtree else 0
            rows = [(snapshot.businesses[c], c.count(".") - base, len(snapshot.children(c)))
                    for c in codes[(number - 1) * size: number * size]]
            return {"rows": rows, "subtree": subtree, "number": number, "pages": pages, "total": len(codes)}

        return page.html("tree.html", **await run_in_threadpool(build))

    async def business(self, page: Page) -> Response:
        code = page.request.path_params["code"]
        role = page.request.query_params.get("role", "")

        def build() -> dict[str, Any]:
            validate_code(code)
            self.platform.refresh()
            detail = business_detail(self.platform, code)
            plugins = [row for row in plugin_rows(self.platform.plugins.infos(), self.platform.snapshot, code)]
            roles = panels.roles_named(self.platform, code)
            chosen = role if role in roles else (roles[0] if roles else "")
            metrics = panels.metrics_panel(self.platform, code)
            chart = None
            if metrics.data:
                chart = bar_chart(_("Calls and errors per plugin"), [m.plugin for m in metrics.data],
                                  [m.calls for m in metrics.data], [m.errors for m in metrics.data],
                                  calls_label=_("calls"), errors_label=_("errors"))
            return {
                "detail": detail, "plugins": plugins, "roles": roles, "role": chosen,
                "theme": panels.theme_panel(self.platform, code),
                "matrix": panels.matrix_panel(self.platform, code, chosen) if chosen else panels.Panel(
                    note=N_("no roles are named in this business's channels.rules")),
                "metrics": metrics, "chart": chart, "outbox": panels.outbox_panel(self.platform, code),
                "editable": page.session.may_edit(code),
                "applied": page.request.query_params.get("applied", ""),
            }

        with i18n.active(page.locale):
            context = await run_in_threadpool(build)
        return page.html("business.html", code=code, **context)

    async def theme_preview(self, page: Page) -> Response:
        code = page.request.path_params["code"]

        def build() -> str:
            validate_code(code)
            return panels.theme_page(self.platform, code)

        response = HTMLResponse(await run_in_threadpool(build))
        response.headers["content-security-policy"] = PREVIEW_CSP
        response.headers["x-frame-options"] = "SAMEORIGIN"
        return page.finish(response)

    async def plugin_form(self, page: Page) -> Response:
        code, plugin = page.request.path_params["code"], page.request.path_params["plugin"]
        return page.html("plugin.html", **await run_in_threadpool(self._plugin_context, page, code, plugin, None, ""))

    def _plugin_context(self, page: Page, code: str, plugin: str, form: Mapping[str, Any] | None,
                        error: str) -> dict[str, Any]:
        validate_code(code)
        self.platform.refresh()
        snapshot = self.platform.snapshot
        if code not in snapshot.businesses:
            raise NotFound(f"unknown business {code!r}")
        info = self.platform.plugins.require(plugin)
        cls, known = forms_config_class(self.platform, plugin)
        row = snapshot.enablements.get(code, {}).get(plugin)
        own = dict(row.config) if row is not None and row.enabled else {}
        fields = forms.form_fields(cls, own)
        if form is not None:  # a refused submission: show what was typed again (never secrets)
            fields = [f if f.widget == forms.SECRET_INPUT else _retyped(f, form) for f in fields]
        enabled, why = snapshot.state_of(code, plugin)
        return {"code": code, "info": info, "fields": fields, "known": known, "row": row, "enabled": enabled,
                "why": why, "error": error, "editable": page.session.may_edit(code),
                "priority": form.get("priority", "") if form is not None else (str(row.priority) if row else "")}

    def _require_edit(self, page: Page, code: str) -> None:
        if not page.session.may_edit(code):
            raise PermissionDenied(f"{page.session.principal} may only read {code}: its token covers "
                                   f"{page.session.subtree or 'every business'}")

    async def plugin_change(self, page: Page) -> Response:
        code, plugin = page.request.path_params["code"], page.request.path_params["plugin"]
        form = page.form
        validate_code(code)
        self._require_edit(page, code)
        op = form.get("op", "enable")

        def preview() -> changes.Change:
            self.platform.refresh()
            if op == "disable":
                change = changes.Change(changes.DISABLE, code, plugin)
            elif op == "enable":
                cls, _ = forms_config_class(self.platform, plugin)
                row = self.platform.snapshot.enablements.get(code, {}).get(plugin)
                own = dict(row.config) if row is not None and row.enabled else {}
                priority_text = _text(form, "priority")
                try:
                    priority = int(priority_text) if priority_text else None
                except ValueError:
                    raise UserError(f"priority must be a whole number, not {priority_text[:40]!r}") from None
                config = forms.parse_form(cls, form, own, plugin=plugin)
                change = changes.Change(changes.ENABLE, code, plugin, config, priority)
            else:
                raise UserError(f"unknown operation {op[:40]!r}")
            return changes.Change(**{**change.to_json(),
                                     "expected_version": changes.current_version(self.platform, change)})

        try:
            change = await run_in_threadpool(preview)
            return await self._preview(page, change)
        except UserError as exc:
            if op != "enable" or isinstance(exc, (NotFound, PermissionDenied)):
                raise
            context = await run_in_threadpool(self._plugin_context, page, code, plugin, form, exc.message)
            return page.html("plugin.html", 400, **context)

    async def status_change(self, page: Page) -> Response:
        code = page.request.path_params["code"]
        form = page.form
        validate_code(code)
        self._require_edit(page, code)
        action = form.get("op", "")
        if action not in (changes.SUSPEND, changes.RESUME):
            raise UserError(f"unknown operation {action[:40]!r}")

        def prepare() -> changes.Change:
            self.platform.refresh()
            change = changes.Change(action, code)
            return changes.Change(action, code, expected_version=changes.current_version(self.platform, change))

        return await self._preview(page, await run_in_threadpool(prepare))

    async def _preview(self, page: Page, change: changes.Change) -> Response:
        actor = page.session.principal or ""
        report = await run_in_threadpool(changes.run, self.platform, change, actor, dry_run=True)
        impact, affected = changes.impact_rows(report)
        return page.html("confirm.html", change=change, report=report, diff=changes.diff_rows(report),
                         impact=impact, affected=affected, sealed=self.codec.seal(page.session, change.to_json()))

    async def confirm(self, page: Page) -> Response:
        form = page.form
        change = changes.Change.from_json(self.codec.unseal(page.session, form.get("change")))
        self._require_edit(page, change.business)
        actor = page.session.principal or ""
        report = await run_in_threadpool(changes.run, self.platform, change, actor, dry_run=False)
        return page.redirect(f"/b/{change.business}", applied=str(report.revision))

    async def audit(self, page: Page) -> Response:
        query = page.request.query_params
        where = AuditFilter(**{name: (query.get(name) or None) for name in ("business", "actor", "plugin",
                                                                             "since", "until")},
                            before_id=_int(query.get("before"), 0) or None)
        data = await run_in_threadpool(audit_page, self.platform, where, self.settings.page_size)
        return page.html("audit.html", where=where, data=data)

    # -- the app ----------------------------------------------------------------------
    def app(self) -> Starlette:
        r = self.route
        routes = [
            Route("/", r(self.home)),
            Route("/login", r(self.login_form, login=False), methods=["GET"]),
            Route("/login", r(self.login, login=False, post=True), methods=["POST"]),
            Route("/logout", r(self.logout, post=True), methods=["POST"]),
            Route("/lang/{locale}", r(self.language, login=False)),
            Route("/map", r(self.capability_map)),
            Route("/tree", r(self.tree)),
            Route("/audit", r(self.audit)),
            Route("/confirm", r(self.confirm, post=True), methods=["POST"]),
            Route("/b/{code}", r(self.business)),
            Route("/b/{code}/status", r(self.status_change, post=True), methods=["POST"]),
            Route("/b/{code}/theme-preview", r(self.theme_preview)),
            Route("/b/{code}/plugins/{plugin}", r(self.plugin_form), methods=["GET"]),
            Route("/b/{code}/plugins/{plugin}", r(self.plugin_change, post=True), methods=["POST"]),
            Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
        ]
        app = Starlette(routes=routes)
        app.add_middleware(SecurityHeaders)
        return app


class SecurityHeaders:
    """ASGI middleware: the console's security headers on every response that has none of its own."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def sending(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = [(k.lower(), v) for k, v in message.get("headers", [])]
                present = {k for k, _ in headers}
                for name, value in ((b"content-security-policy", CSP.encode()), (b"x-frame-options", b"DENY"),
                                    (b"x-content-type-options", b"nosniff"),
                                    (b"referrer-policy", b"same-origin"), (b"cache-control", b"no-store")):
                    if name not in present:
                        headers.append((name, value))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, sending)


def forms_config_class(platform: Platform, plugin: str) -> tuple[type | None, bool]:
    from zhongtai.core.views import config_class

    return config_class(platform, plugin)


def _retyped(field: forms.FormField, form: Mapping[str, Any]) -> forms.FormField:
    import attrs

    typed = form.get(f"field.{field.name}", "")
    return attrs.evolve(field, value=typed if isinstance(typed, str) else "")


def create_console(platform: Platform, settings: ConsoleSettings | None = None) -> Starlette:
    """The console app for *platform*; the gateway mounts it at ``/console``."""
    return Console(platform, settings or ConsoleSettings.from_env()).app()
