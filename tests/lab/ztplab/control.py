"""Control plane under /_lab: reset, faults, counters, settings, time, fixtures, templates,
state.

Not part of either API: no auth, not counted. Reference: docs/lab.md.
"""
from __future__ import annotations

from typing import Any, Optional

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from .errors import validation_error
from .faults import new_counters
from .state import SETTINGS_CHOICES, SETTINGS_TYPES
from .web import json_response


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ResetBody(Body):
    fixtures: str = "default"
    synthetic: Optional[int] = Field(None, ge=0)


class FaultBody(Body):
    path: str = "*"
    method: str = "*"
    status: Optional[int] = Field(503, ge=100, le=599)
    rate: float = Field(1.0, ge=0, le=1)
    count: Optional[int] = Field(None, ge=1)
    latency_ms: int = Field(0, ge=0)
    reset_connection: bool = False
    after: bool = False  # apply once the request was processed: the write happened, its answer is lost
    retry_after: Optional[int] = Field(None, ge=0)
    body: Any = None


class AdvanceBody(Body):
    seconds: float = Field(ge=0)


class OnlineBody(Body):
    online: bool


class FailBody(Body):
    reason: str = Field("DEVICE_UNREACHABLE", min_length=1)


class FixturesBody(Body):
    name: str


class SyntheticBody(Body):
    devices: int = Field(ge=1, le=200_000)
    name: Optional[str] = None
    site_id: Optional[str] = None


class SyntheticSitesBody(Body):
    sites: int = Field(ge=1, le=10_000)
    devices: int = Field(ge=1, le=10_000)
    manifests: bool = True  # false: new sites, a topology each and no manifest yet


# The most devices one call generates (as POST /_lab/synthetic allows in one site).
SYNTHETIC_SITES_MAX_DEVICES = 200_000


def build_router() -> APIRouter:
    router = APIRouter(prefix="/_lab", include_in_schema=False)

    def lab_of(request: Request):
        return request.app.state.lab

    @router.post("/reset")
    async def reset(request: Request, body: Optional[ResetBody] = None):
        body = body or ResetBody()
        if body.fixtures not in ("default", "none"):
            raise validation_error("fixtures must be default or none")
        lab = lab_of(request)
        with lab.lock:
            lab.reset(body.fixtures, body.synthetic)
        return json_response({"status": "reset"})

    @router.get("/counters")
    async def counters(request: Request):
        return json_response(lab_of(request).counters)

    @router.delete("/counters")
    async def zero_counters(request: Request):
        lab = lab_of(request)
        with lab.lock:
            lab.counters = new_counters()
        return json_response(lab.counters)

    @router.post("/faults")
    async def add_fault(request: Request, body: FaultBody):
        lab = lab_of(request)
        spec = body.model_dump()
        spec["method"] = spec["method"].upper()
        with lab.lock:
            return json_response(lab.faults.add(spec))

    @router.get("/faults")
    async def list_faults(request: Request):
        return json_response({"faults": list(lab_of(request).faults.items.values())})

    @router.delete("/faults")
    async def clear_faults(request: Request):
        lab = lab_of(request)
        with lab.lock:
            lab.faults.clear()
        return json_response({"faults": []})

    @router.delete("/faults/{fault_id}")
    async def delete_fault(request: Request, fault_id: str):
        lab = lab_of(request)
        with lab.lock:
            if lab.faults.items.pop(fault_id, None) is None:
                return json_response({"error": f"no fault {fault_id}"}, 404)
        return json_response({"deleted": fault_id})

    @router.post("/fortiztp/revoke-tokens")
    async def revoke_tokens(request: Request):
        lab = lab_of(request)
        with lab.lock:
            revoked = len(lab.tokens)
            lab.tokens.clear()
            lab.refresh.clear()
        return json_response({"revoked": revoked})

    @router.put("/fortiztp/devices/{serial}")
    async def set_online(request: Request, serial: str, body: OnlineBody):
        lab = lab_of(request)
        with lab.lock:
            return json_response(lab.fz_set_online(serial, body.online))

    @router.post("/devices/{device_id}/fail")
    async def fail_device(request: Request, device_id: str, body: Optional[FailBody] = None):
        lab = lab_of(request)
        with lab.lock:
            return json_response(lab.fail_device(device_id, (body or FailBody()).reason))

    @router.get("/settings")
    async def get_settings(request: Request):
        return json_response(lab_of(request).settings)

    @router.put("/settings")
    async def put_settings(request: Request, body: dict[str, Any]):
        lab = lab_of(request)
        for key, value in body.items():
            kind = SETTINGS_TYPES.get(key)
            if kind is None:
                raise validation_error(f"Unknown setting {key}", setting=key)
            if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
                raise validation_error(f"Setting {key} has the wrong type", setting=key)
            if key in SETTINGS_CHOICES and value not in SETTINGS_CHOICES[key]:
                raise validation_error(f"Setting {key} must be one of {SETTINGS_CHOICES[key]}",
                                       setting=key)
            if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
                raise validation_error(f"Setting {key} must not be negative", setting=key)
        with lab.lock:
            lab.tick()  # what was due at the old speed happens at the old speed
            lab.settings.update(body)
            if "speed" in body:
                lab.clock.set_speed(body["speed"])
        return json_response(lab.settings)

    @router.post("/time/advance")
    async def advance(request: Request, body: AdvanceBody):
        lab = lab_of(request)
        with lab.lock:
            lab.clock.advance(body.seconds)
            lab.tick()
            return json_response({"advanced": body.seconds, "sim_time": lab.now()})

    @router.post("/fixtures")
    async def load_fixtures(request: Request, body: FixturesBody):
        lab = lab_of(request)
        with lab.lock:
            lab.load_extra_fixtures(body.name)
        return json_response({"loaded": body.name})

    @router.post("/synthetic")
    async def synthetic(request: Request, body: SyntheticBody):
        lab = lab_of(request)
        with lab.lock:
            manifest_id = lab.add_synthetic(body.devices, body.name, body.site_id)
        return json_response({"manifest_id": manifest_id, "devices": body.devices})

    @router.post("/synthetic-sites")
    async def synthetic_sites(request: Request, body: SyntheticSitesBody):
        if body.sites * body.devices > SYNTHETIC_SITES_MAX_DEVICES:
            raise validation_error(f"sites x devices must be at most {SYNTHETIC_SITES_MAX_DEVICES}",
                                   sites=body.sites, devices=body.devices)
        lab = lab_of(request)
        with lab.lock:
            sites = lab.add_synthetic_sites(body.sites, body.devices, body.manifests)
        return json_response({"sites": sites})

    @router.post("/templates/{template_id}/bump")
    async def bump_template(request: Request, template_id: str):
        lab = lab_of(request)
        with lab.lock:
            return json_response(lab.bump_template(template_id))

    @router.get("/state")
    async def dump(request: Request):
        lab = lab_of(request)
        with lab.lock:
            return json_response(lab.dump())

    return router
