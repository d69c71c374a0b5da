"""FortiZTP API v2 (/public/api/v2) and FortiCloud OAuth (/api/v1/oauth) routes.

Bearer-token checks and the hourly rate limit happen in the middleware (app.py).
"""
from __future__ import annotations

import json
import secrets
from typing import Optional

from fastapi import APIRouter, Request
from fastapi.responses import Response

from . import models as m
from .errors import FortiError, invalid_request
from .state import FZ_DEVICE_TYPES, FZ_PROVISION_STATUSES, iso, public
from .web import json_response

ERRORS = {code: {"model": m.FzError} for code in (400, 401, 403, 404, 429)}
TRUE, FALSE = ("true", "1"), ("false", "0")
# PUT/DELETE answers have no fixed media type: empty, or JSON (fortiztp_put_body switch).
WRITE_ANSWER = {"response_class": Response, "responses": {
    200: {"description": "Empty body, or JSON when fortiztp_put_body is json"},
    204: {"description": "No content (fortiztp_put_status 204)"}}}

TEXT_BODY = {"requestBody": {"required": True, "content": {
    "text/plain": {"schema": {"type": "string"}},
    "application/json": {"schema": {"type": "object", "required": ["content"],
                                    "properties": {"content": {"type": "string"}}}},
    "multipart/form-data": {"schema": {"type": "object", "required": ["file"],
                                       "properties": {"file": {"type": "string",
                                                               "format": "binary"}}}}}}}
OAUTH_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "properties": {
        "username": {"type": "string"}, "password": {"type": "string"},
        "client_id": {"type": "string"}, "client_secret": {"type": "string"},
        "grant_type": {"type": "string", "enum": ["password", "refresh_token"]},
        "refresh_token": {"type": "string"}, "token": {"type": "string"}}}}}}}


def write_answer(lab, record: dict | None = None) -> Response:
    """PUT/DELETE answer, per the fortiztp_put_body / fortiztp_put_status switches."""
    status = lab.settings["fortiztp_put_status"]
    if status == 204 or lab.settings["fortiztp_put_body"] == "empty":
        return Response(b"", status)
    return json_response(record if record is not None else {}, status)


def parse_bool(value: Optional[str], name: str) -> Optional[bool]:
    if value is None:
        return None
    if value.lower() in TRUE:
        return True
    if value.lower() in FALSE:
        return False
    raise invalid_request(f"{name} must be a boolean")


def build_router() -> APIRouter:
    router = APIRouter(prefix="/public/api/v2", tags=["fortiztp"], responses=ERRORS)

    @router.get("/devices", response_model=m.FzDeviceList)
    async def list_devices(request: Request, provisionStatus: Optional[str] = None,
                           deviceType: Optional[str] = None, deviceSN: Optional[str] = None,
                           useCache: Optional[str] = None):
        lab = request.app.state.lab
        parse_bool(useCache, "useCache")
        if provisionStatus is not None and provisionStatus not in FZ_PROVISION_STATUSES:
            raise invalid_request(f"provisionStatus must be one of "
                                  f"{', '.join(FZ_PROVISION_STATUSES)}")
        if deviceType is not None and deviceType not in FZ_DEVICE_TYPES:
            raise invalid_request(f"deviceType must be one of {', '.join(FZ_DEVICE_TYPES)}")
        serials = None if deviceSN is None else {s.strip() for s in deviceSN.split(",")}
        with lab.lock:
            devices = lab.fz_list(provisionStatus, deviceType, serials)
            key = lab.settings["fortiztp_list_key"]
        return json_response({"total": len(devices), key: devices, "hasCache": True})

    @router.put("/devices", **WRITE_ANSWER)
    async def provision_bulk(request: Request, body: list[m.FzProvision]):
        lab = request.app.state.lab
        with lab.lock:
            # Validate every item before applying any: the call succeeds or changes nothing.
            plan = []
            for item in body:
                data = item.model_dump()
                if not data["deviceSN"]:
                    raise invalid_request("deviceSN is required for every device")
                plan.append((data["deviceSN"], lab.fz_validate(
                    data["deviceSN"], data,
                    lambda sn: invalid_request(f"Device {sn} doesn't exist in this account"))))
            for serial, fields in plan:
                lab.fz_apply(serial, fields)
            return write_answer(lab)

    @router.get("/devices/{deviceSN}", response_model=m.FzDevice)
    async def get_device(request: Request, deviceSN: str, useCache: Optional[str] = None):
        lab = request.app.state.lab
        parse_bool(useCache, "useCache")
        with lab.lock:
            return json_response(public(lab.fz_device(deviceSN)))

    @router.put("/devices/{deviceSN}", **WRITE_ANSWER)
    async def provision_one(request: Request, deviceSN: str, body: m.FzProvision):
        lab = request.app.state.lab
        with lab.lock:
            fields = lab.fz_validate(deviceSN, body.model_dump(), lab.fz_device)
            lab.fz_apply(deviceSN, fields)
            return write_answer(lab)

    @router.get("/devices/{deviceSN}/regions/{region}/firmwareprofiles",
                response_model=m.FirmwareProfiles)
    async def firmware_profiles(request: Request, deviceSN: str, region: str):
        lab = request.app.state.lab
        with lab.lock:
            record = lab.fz_device(deviceSN)
        # Shape is a guess (see docs/api/fortiztp.md): names usable as firmwareProfile.
        profiles = ([f"{region}-7.2-mature", f"{region}-7.4-feature"]
                    if record["deviceType"] == "FortiGate" else [])
        return json_response({"data": profiles})

    # --- scripts ------------------------------------------------------------------------
    @router.get("/setting/scripts", response_model=m.ScriptList)
    async def list_scripts(request: Request):
        lab = request.app.state.lab
        with lab.lock:
            scripts = list(lab.scripts.values())
        return json_response({"total": len(scripts), "data": scripts})

    @router.post("/setting/scripts", response_model=m.Script)
    async def create_script(request: Request, body: m.ScriptWrite):
        lab = request.app.state.lab
        with lab.lock:  # a client-sent oid is ignored: the server assigns it
            return json_response(lab.save_script(None, body.name))

    @router.get("/setting/scripts/{oid}", response_model=m.Script)
    async def get_script(request: Request, oid: int):
        lab = request.app.state.lab
        with lab.lock:
            return json_response(lab.script(oid))

    @router.put("/setting/scripts/{oid}", **WRITE_ANSWER)
    async def update_script(request: Request, oid: int, body: m.ScriptWrite):
        lab = request.app.state.lab
        with lab.lock:
            lab.script(oid)
            check_oid(body.oid, oid)
            return write_answer(lab, lab.save_script(oid, body.name))

    @router.delete("/setting/scripts/{oid}", **WRITE_ANSWER)
    async def delete_script(request: Request, oid: int):
        lab = request.app.state.lab
        with lab.lock:
            lab.delete_script(oid)
            return write_answer(lab)

    @router.get("/setting/scripts/{oid}/content",
                responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}})
    async def get_script_content(request: Request, oid: int):
        lab = request.app.state.lab
        with lab.lock:
            lab.script(oid)
            content = lab.script_content[oid]
        return Response(content, media_type="text/plain")

    @router.put("/setting/scripts/{oid}/content", openapi_extra=TEXT_BODY, **WRITE_ANSWER)
    async def put_script_content(request: Request, oid: int):
        lab = request.app.state.lab
        with lab.lock:
            lab.script(oid)
        content = await read_script_upload(request)
        with lab.lock:
            lab.set_script_content(oid, content)
            return write_answer(lab, lab.scripts[oid])

    # --- FortiManager settings ------------------------------------------------------------
    @router.get("/setting/fortimanagers", response_model=m.FortiManagerList)
    async def list_fmgs(request: Request):
        lab = request.app.state.lab
        with lab.lock:
            fmgs = list(lab.fmgs.values())
            key = "data" if lab.settings["fortiztp_list_key"] == "data" else "fortiManagers"
        return json_response({"total": len(fmgs), key: fmgs})

    @router.post("/setting/fortimanagers", response_model=m.FortiManager)
    async def create_fmg(request: Request, body: m.FortiManagerWrite):
        lab = request.app.state.lab
        with lab.lock:
            return json_response(lab.save_fmg(None, body.sn, body.ip, body.scriptOid))

    @router.get("/setting/fortimanagers/{oid}", response_model=m.FortiManager)
    async def get_fmg(request: Request, oid: int):
        lab = request.app.state.lab
        with lab.lock:
            return json_response(lab.fmg(oid))

    @router.put("/setting/fortimanagers/{oid}", **WRITE_ANSWER)
    async def update_fmg(request: Request, oid: int, body: m.FortiManagerWrite):
        lab = request.app.state.lab
        with lab.lock:
            lab.fmg(oid)
            check_oid(body.oid, oid)
            return write_answer(lab, lab.save_fmg(oid, body.sn, body.ip, body.scriptOid))

    @router.delete("/setting/fortimanagers/{oid}", **WRITE_ANSWER)
    async def delete_fmg(request: Request, oid: int):
        lab = request.app.state.lab
        with lab.lock:
            lab.delete_fmg(oid)
            return write_answer(lab)

    @router.get("/system", response_model=m.System)
    async def system(request: Request):
        lab = request.app.state.lab
        with lab.lock:
            return json_response({"serviceName": "FortiZTP", "serviceRegion": "global",
                                  "serviceStatus": lab.settings["service_status"],
                                  "serverTime": iso(lab.now())})

    return router


def check_oid(body_oid: Optional[int], path_oid: int) -> None:
    if body_oid is not None and body_oid != path_oid:
        raise invalid_request(f"oid {body_oid} in the body does not match {path_oid}")


async def read_script_upload(request: Request) -> str:
    """Script content as text/plain (or octet-stream), multipart part `file`, or JSON."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "multipart/form-data":
        try:
            form = await request.form()
        except Exception:  # malformed multipart from the client, not a lab failure
            raise invalid_request("Malformed multipart body") from None
        upload = form.get("file")
        if upload is None:
            raise invalid_request("multipart body needs a part named file")
        raw = await upload.read() if hasattr(upload, "read") else upload.encode()
    elif ctype == "application/json":
        try:
            data = json.loads(await request.body())
        except ValueError:
            raise invalid_request("Body is not valid JSON") from None
        if not isinstance(data, dict) or not isinstance(data.get("content"), str):
            raise invalid_request("JSON body needs a string field content")
        return data["content"]
    elif ctype in ("text/plain", "application/octet-stream"):
        raw = await request.body()
    else:
        raise invalid_request("Send the script as text/plain, multipart file or JSON content")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise invalid_request("Script content must be UTF-8 text") from None


def build_oauth_router() -> APIRouter:
    router = APIRouter(prefix="/api/v1/oauth", tags=["oauth"], responses=ERRORS)

    async def read_oauth_body(request: Request) -> dict:
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        try:
            if ctype == "application/x-www-form-urlencoded":
                data = dict(await request.form())
            else:
                data = json.loads(await request.body())
        except Exception:  # unparseable client body
            raise invalid_request("Body must be JSON (or form-encoded)") from None
        if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
            raise invalid_request("Body must be an object of strings")
        return data

    async def token(request: Request):
        lab = request.app.state.lab
        data = await read_oauth_body(request)
        grant = data.get("grant_type")
        with lab.lock:
            if data.get("client_id") != "fortiztp":
                raise FortiError(400, "invalid_client", "Unknown client_id")
            if grant == "refresh_token":
                lab.counters["refreshes"] += 1
                user = lab.refresh.pop(data.get("refresh_token") or "", None)
                if user is None:
                    raise FortiError(401, "invalid_grant", "Invalid refresh token")
            elif grant == "password":
                lab.counters["logins"] += 1
                for field in ("username", "password"):
                    if not data.get(field):
                        raise invalid_request(f"{field} is required")
                user = data["username"]
                if (user, data["password"]) != (lab.defaults["api_id"],
                                                lab.defaults["password"]):
                    raise FortiError(401, "invalid_grant", "Invalid username or password")
            else:
                raise FortiError(400, "unsupported_grant_type",
                                 "grant_type must be password or refresh_token")
            return json_response(issue_token(lab, user))

    async def revoke(request: Request):
        lab = request.app.state.lab
        data = await read_oauth_body(request)
        with lab.lock:
            lab.counters["revokes"] += 1
            if not data.get("token"):
                raise invalid_request("token is required")
            lab.tokens.pop(data["token"], None)
            lab.refresh.pop(data["token"], None)
        return json_response({})

    for path in ("/token/", "/token"):
        router.add_api_route(path, token, methods=["POST"], response_model=m.OAuthToken,
                             openapi_extra=OAUTH_BODY, include_in_schema=path.endswith("/"))
    for path in ("/revoke_token/", "/revoke_token"):
        router.add_api_route(path, revoke, methods=["POST"], openapi_extra=OAUTH_BODY,
                             include_in_schema=path.endswith("/"))
    return router


def issue_token(lab, user: str) -> dict:
    if lab.settings["single_token"]:
        # One active token per API user: a new one invalidates the earlier ones.
        for old in [t for t, info in lab.tokens.items() if info["user"] == user]:
            del lab.tokens[old]
        for old in [t for t, u in lab.refresh.items() if u == user]:
            del lab.refresh[old]
    access, refresh = (f"lab-{next(lab.token_seq)}-{secrets.token_hex(8)}" for _kind in "ar")
    lifetime = lab.settings["token_lifetime"]
    lab.tokens[access] = {"user": user, "expires": lab.clock.wall() + lifetime}
    lab.refresh[refresh] = user
    return {"access_token": access, "expires_in": lifetime,
            "message": "successfully authenticated", "refresh_token": refresh,
            "scope": "read write", "status": "success", "token_type": "Bearer"}
