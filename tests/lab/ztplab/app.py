"""The ASGI application: both APIs, the control plane, and the middleware that counts,
injects faults, authenticates and rate-limits before any handler runs."""
from __future__ import annotations

import asyncio
import contextvars
import math

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from . import breakwater, control, fortiztp
from .errors import BreakwaterError, FortiError
from .state import LabState
from .web import json_response

BREAKWATER, FORTIZTP, OAUTH = "breakwater", "fortiztp", "oauth"
READ_METHODS = ("GET", "HEAD", "OPTIONS")
# Set per connection by server.LabH11Protocol, so a fault can drop the socket.
current_transport: contextvars.ContextVar = contextvars.ContextVar("current_transport",
                                                                   default=None)
BREAKWATER_FAULT_CODES = {401: "UNAUTHORIZED", 403: "INSUFFICIENT_PERMISSIONS",
                          404: "NOT_FOUND", 409: "CONFLICT", 429: "RATE_LIMITED",
                          500: "INTERNAL_ERROR", 502: "BAD_GATEWAY",
                          503: "SERVICE_UNAVAILABLE", 504: "GATEWAY_TIMEOUT"}
FORTI_FAULT_CODES = {400: "invalid_request", 401: "invalid_token", 403: "access_denied",
                     404: "not_found", 429: "rate_limit_exceeded", 500: "server_error",
                     503: "temporarily_unavailable"}


def api_of(path: str) -> str | None:
    if path.startswith("/api/v1/ztp/") or path == "/api/v1/ztp":
        return BREAKWATER
    if path.startswith("/public/api/"):
        return FORTIZTP
    if path.startswith("/api/v1/oauth/"):
        return OAUTH
    return None


def error_response(api: str, status: int, code: str | None, message: str,
                   details: dict | None = None, headers: dict | None = None):
    """An error in the style of the API the path belongs to."""
    if api == BREAKWATER:
        code = code or BREAKWATER_FAULT_CODES.get(status, f"HTTP_{status}")
        return json_response(BreakwaterError(status, code, message, details).body(), status,
                             headers)
    code = code or FORTI_FAULT_CODES.get(status, "server_error" if status >= 500
                                         else "invalid_request")
    return json_response({"error": code, "error_description": message}, status, headers)


class LabMiddleware:
    def __init__(self, app: FastAPI, routes):
        self.app = app
        self.routes = routes  # the API routes, to name a request by its path template

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        lab: LabState = self.app.state.lab
        path, method = scope["path"], scope["method"]
        with lab.lock:
            lab.tick()
        api = api_of(path)
        if api is None:  # control plane, OpenAPI: neither counted nor faulted
            return await self.app(scope, receive, send)
        statuses = []

        async def send_and_count(message):
            if message["type"] == "http.response.start":
                statuses.append(message["status"])
            await send(message)

        with lab.lock:
            self.count_request(lab, api, method, self.route_of(scope))
            fault = lab.faults.pick(method, path)
        try:
            if fault and fault.get("after"):
                await self.process_then_fault(lab, fault, api, scope, receive, send_and_count)
                return
            if fault and await self.apply_fault(fault, api, scope, receive, send_and_count):
                return
            with lab.lock:
                refusal = self.authorize(lab, api, scope, method)
            app = refusal or self.app
            await app(scope, receive, send_and_count)
        finally:
            if statuses:
                with lab.lock:
                    self.count_status(lab, statuses[0])

    def route_of(self, scope) -> str:
        partial = None
        for route in self.routes:
            match, _child_scope = route.matches(scope)
            if match == Match.FULL:
                return route.path
            if match == Match.PARTIAL and partial is None:
                partial = route.path
        return partial or scope["path"]

    @staticmethod
    def count_request(lab, api, method, route) -> None:
        counters = lab.counters
        counters["total"] += 1
        if api != OAUTH and method not in READ_METHODS:
            counters["writes"] += 1
        counters["by_method"][method] = counters["by_method"].get(method, 0) + 1
        key = f"{method} {route}"
        counters["by_route"][key] = counters["by_route"].get(key, 0) + 1

    @staticmethod
    def count_status(lab, status: int) -> None:
        counters = lab.counters
        counters["by_status"][str(status)] = counters["by_status"].get(str(status), 0) + 1
        if status == 401:
            counters["unauthorized"] += 1
        elif status == 429:
            counters["rate_limited"] += 1

    async def process_then_fault(self, lab, fault, api, scope, receive, send) -> None:
        """Let the request take effect, then lose its answer to the fault (a write that happened
        although the client saw a 5xx or a dropped connection)."""
        with lab.lock:
            refusal = self.authorize(lab, api, scope, scope["method"])

        async def lost(message):
            pass

        await (refusal or self.app)(scope, receive, lost)
        if not await self.apply_fault(fault, api, scope, receive, send):
            await error_response(api, 502, None, f"Injected fault {fault['id']}",
                                 {"fault_id": fault["id"]})(scope, receive, send)

    @staticmethod
    async def apply_fault(fault, api, scope, receive, send) -> bool:
        """Apply a fault; True when it answered (or dropped) the request itself."""
        if fault["latency_ms"]:
            await asyncio.sleep(fault["latency_ms"] / 1000)
        if fault["reset_connection"]:
            transport = current_transport.get()
            if transport is None:
                raise RuntimeError("reset_connection needs the lab's own server")
            transport.abort()
            await asyncio.sleep(0.01)  # let uvicorn see the disconnect before we return
            return True
        if fault["status"] is None:
            return False
        headers = {}
        if fault["retry_after"] is not None:
            headers["Retry-After"] = str(fault["retry_after"])
        if fault["body"] is not None:
            response = json_response(fault["body"], fault["status"], headers)
        else:
            response = error_response(api, fault["status"], None,
                                      f"Injected fault {fault['id']}",
                                      {"fault_id": fault["id"]}, headers)
        await response(scope, receive, send)
        return True

    @staticmethod
    def authorize(lab, api, scope, method):
        """None when the call may proceed, else the refusal response."""
        if api == OAUTH:
            return None
        auth = dict(scope["headers"]).get(b"authorization", b"").decode("latin-1")
        scheme, _space, token = auth.partition(" ")
        token = token.strip() if scheme.lower() == "bearer" else ""
        if api == BREAKWATER:
            if token == lab.defaults["breakwater_token"]:
                return None
            if token == lab.defaults["breakwater_readonly_token"]:
                if method in READ_METHODS:
                    return None
                return error_response(api, 403, "INSUFFICIENT_PERMISSIONS",
                                      "API token lacks required permissions",
                                      {"required_permission": "write"})
            return error_response(api, 401, "UNAUTHORIZED", "Missing or unknown API token")
        info = lab.tokens.get(token)
        now = lab.clock.wall()
        if info is None or info["expires"] <= now:
            return error_response(api, 401, "invalid_token",
                                  "Invalid, expired or revoked access token",
                                  headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
        window = [t for t in lab.rate_windows.get(info["user"], []) if t > now - 3600]
        lab.rate_windows[info["user"]] = window
        if len(window) >= lab.settings["rate_limit_per_hour"]:
            retry = max(1, math.ceil(window[0] + 3600 - now))
            return error_response(api, 429, "rate_limit_exceeded",
                                  f"API usage limit of {lab.settings['rate_limit_per_hour']} "
                                  "calls per hour exceeded",
                                  headers={"Retry-After": str(retry)})
        window.append(now)
        return None


def create_app(defaults: dict) -> tuple[FastAPI, LabMiddleware]:
    app = FastAPI(title="ztplab: Breakwater ZTP and FortiZTP emulator", version="1.0.0",
                  docs_url=None, redoc_url=None)
    app.state.lab = LabState(defaults)
    api_routers = [breakwater.build_router(), fortiztp.build_router(),
                   fortiztp.build_oauth_router()]
    for router in api_routers + [control.build_router()]:
        app.include_router(router)

    @app.exception_handler(BreakwaterError)
    async def breakwater_error(request, exc: BreakwaterError):
        return json_response(exc.body(), exc.status, exc.headers)

    @app.exception_handler(FortiError)
    async def forti_error(request, exc: FortiError):
        return json_response(exc.body(), exc.status, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request, exc: RequestValidationError):
        errors = [{"loc": [str(p) for p in e.get("loc", ())], "msg": e.get("msg", ""),
                   "type": e.get("type", "")} for e in exc.errors()]
        message = "; ".join(f"{'.'.join(e['loc'])}: {e['msg']}" for e in errors) or "Invalid"
        api = api_of(request.url.path) or BREAKWATER
        return error_response(api, 400, "VALIDATION_ERROR" if api == BREAKWATER
                              else "invalid_request", message, {"errors": errors})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request, exc: StarletteHTTPException):
        api = api_of(request.url.path)
        if api is None:
            return json_response({"detail": exc.detail}, exc.status_code, exc.headers)
        code = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(exc.status_code)
        if api != BREAKWATER and code:
            code = code.lower()
        return error_response(api, exc.status_code, code, str(exc.detail),
                              headers=exc.headers)

    def openapi():
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, routes=app.routes,
                                 description="Strict emulator of the Breakwater ZTP API "
                                 "(/api/v1/ztp) and the FortiZTP API v2 (/public/api/v2).")
            schema.setdefault("components", {})["securitySchemes"] = {
                "breakwater": {"type": "http", "scheme": "bearer"},
                "fortiztp": {"type": "http", "scheme": "bearer"}}
            for path, operations in schema["paths"].items():
                api = api_of(path)
                for operation in operations.values():
                    if api in (BREAKWATER, FORTIZTP):
                        operation["security"] = [{api: []}]
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi
    return app, LabMiddleware(app, [r for router in api_routers for r in router.routes])
