"""Breakwater ZTP API routes (/api/v1/ztp). Auth happens in the middleware (app.py)."""
from __future__ import annotations

from typing import Literal, Optional

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import Response

from . import models as m
from .errors import BreakwaterError
from .pdf import cable_schedule_pdf
from .state import public
from .web import json_response

ERRORS = {code: {"model": m.ErrorEnvelope} for code in (400, 401, 403, 404, 409, 429)}


def build_router() -> APIRouter:
    router = APIRouter(prefix="/api/v1/ztp", tags=["breakwater"], responses=ERRORS)

    def state(request: Request):
        return request.app.state.lab

    @router.get("/manifests", response_model=m.ManifestList)
    async def list_manifests(request: Request, site_id: Optional[str] = None,
                             status: Optional[m.ManifestStatus] = None,
                             limit: int = Query(50, ge=1, le=500),
                             offset: int = Query(0, ge=0)):
        lab = state(request)
        with lab.lock:
            return json_response(lab.list_manifests(site_id, status, limit, offset))

    @router.post("/manifests", status_code=201, response_model=m.ManifestSummary)
    async def create_manifest(request: Request, body: m.ManifestCreate):
        lab = state(request)
        with lab.lock:
            manifest = lab.create_manifest(body.name, body.site_id, body.description,
                                           body.topology_source, body.config_templates)
            return json_response(lab.manifest_view(manifest, False), 201)

    @router.get("/manifests/{manifest_id}", response_model=m.ManifestDetail)
    async def get_manifest(request: Request, manifest_id: str):
        lab = state(request)
        with lab.lock:
            return json_response(lab.manifest_view(lab.get_manifest(manifest_id), True))

    @router.put("/manifests/{manifest_id}", response_model=m.ManifestDetail)
    async def update_manifest(request: Request, manifest_id: str, body: m.ManifestUpdate):
        lab = state(request)
        with lab.lock:
            manifest = lab.update_manifest(manifest_id, body.model_dump(exclude_none=True))
            return json_response(lab.manifest_view(manifest, True))

    @router.delete("/manifests/{manifest_id}", response_model=m.Deleted)
    async def delete_manifest(request: Request, manifest_id: str):
        lab = state(request)
        with lab.lock:
            lab.delete_manifest(manifest_id)
        return json_response({"message": "Manifest deleted successfully", "id": manifest_id})

    @router.get("/manifests/{manifest_id}/cable-schedule.pdf",
                responses={200: {"content": {"application/pdf": {}}}})
    async def cable_schedule(request: Request, manifest_id: str):
        lab = state(request)
        with lab.lock:
            manifest = lab.get_manifest(manifest_id)
            if manifest["topology_source"] is None:
                raise BreakwaterError(404, "CABLE_SCHEDULE_NOT_FOUND",
                                      f"Manifest {manifest_id} has no topology",
                                      {"manifest_id": manifest_id})
            pdf = cable_schedule_pdf(manifest, manifest["_links"])
        return Response(pdf, media_type="application/pdf", headers={
            "Content-Disposition": f'attachment; filename="{manifest_id}-cable-schedule.pdf"'})

    @router.post("/manifests/{manifest_id}/generate-configs", status_code=202,
                 response_model=m.ConfigJob)
    async def generate_configs(request: Request, manifest_id: str,
                               body: Optional[m.GenerateConfigs] = Body(None)):
        body = body or m.GenerateConfigs()
        lab = state(request)
        with lab.lock:
            return json_response(lab.generate_configs(manifest_id, body.device_ids,
                                                      body.force_regenerate), 202)

    @router.get("/devices", response_model=m.DeviceList)
    async def list_devices(request: Request, manifest_id: Optional[str] = None,
                           status: Optional[m.DeviceStatus] = None,
                           device_type: Optional[str] = None, search: Optional[str] = None,
                           limit: Optional[int] = Query(None, ge=1),
                           offset: int = Query(0, ge=0)):
        lab = state(request)
        with lab.lock:
            matches = lab.list_devices(manifest_id, status, device_type, search)
            end = None if limit is None else offset + limit
            devices = [public(lab.device_view(d)) for d in matches[offset:end]]
        return json_response({"devices": devices})

    @router.post("/devices/bulk-serial", response_model=m.BulkResult)
    async def bulk_serial(request: Request, body: m.BulkSerial):
        lab = state(request)
        with lab.lock:
            return json_response(lab.bulk_register(
                body.manifest_id, [item.model_dump() for item in body.serials],
                body.verification_method, body.operator_id))

    @router.post("/devices/{device_id}/serial", response_model=m.SerialResult)
    async def register_serial(request: Request, device_id: str, body: m.SerialRegistration):
        lab = state(request)
        with lab.lock:
            return json_response(lab.register_serial(device_id, body.serial_number,
                                                     body.verification_method,
                                                     body.operator_id))

    @router.get("/devices/{device_id}/config", response_model=m.DeviceConfig,
                responses={422: {"model": m.ErrorEnvelope}})
    async def device_config(request: Request, device_id: str,
                            format: Literal["text", "json"] = "text"):
        lab = state(request)
        with lab.lock:
            return json_response(lab.device_config(device_id, format))

    @router.get("/templates", response_model=m.TemplateList)
    async def list_templates(request: Request, device_type: Optional[str] = None,
                             category: Optional[str] = None):
        lab = state(request)
        with lab.lock:
            templates = [lab.template_view(tid) for tid, t in lab.templates.items()
                         if (device_type is None or t["device_type"] == device_type)
                         and (category is None or t["category"] == category)]
        return json_response({"templates": templates})

    @router.get("/status", response_model=m.SystemStatus)
    async def system_status(request: Request):
        lab = state(request)
        with lab.lock:
            return json_response(lab.system_status())

    @router.get("/events", response_model=m.EventList)
    async def list_events(request: Request, manifest_id: Optional[str] = None,
                          device_id: Optional[str] = None, event_type: Optional[str] = None,
                          start_date: Optional[str] = None, end_date: Optional[str] = None):
        lab = state(request)
        with lab.lock:
            return json_response({"events": lab.list_events(manifest_id, device_id, event_type,
                                                            start_date, end_date)})

    return router
