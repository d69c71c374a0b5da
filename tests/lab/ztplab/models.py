"""Request and response models: they validate input (strictly: wrong JSON types are errors,
unknown fields are ignored) and make up the published OpenAPI description."""
from __future__ import annotations

from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")


class Out(BaseModel):
    model_config = ConfigDict(extra="allow")


# --- Breakwater requests --------------------------------------------------------------------
ManifestStatus = Literal["draft", "ready", "deploying", "deployed"]
DeviceStatus = Literal["pending", "serial_registered", "config_generated", "deploying",
                       "online", "config_failed", "failed"]
VerificationMethod = Literal["barcode_scan", "csv_import", "manual", "api"]


class ManifestCreate(Strict):
    name: str = Field(min_length=1)
    site_id: str = Field(min_length=1)
    description: Optional[str] = None
    topology_source: Optional[str] = None
    config_templates: Optional[dict[str, str]] = None


class ManifestUpdate(Strict):
    name: Optional[str] = Field(None, min_length=1)
    site_id: Optional[str] = Field(None, min_length=1)
    description: Optional[str] = None
    status: Optional[ManifestStatus] = None
    config_templates: Optional[dict[str, str]] = None


class SerialRegistration(Strict):
    serial_number: str
    verification_method: Optional[VerificationMethod] = None
    operator_id: Optional[str] = None


class BulkSerialItem(Strict):
    device_id: str
    serial_number: str


class BulkSerial(Strict):
    manifest_id: str
    serials: list[BulkSerialItem] = Field(min_length=1)
    verification_method: Optional[VerificationMethod] = None
    operator_id: Optional[str] = None


class GenerateConfigs(Strict):
    device_ids: Optional[list[str]] = None
    force_regenerate: bool = False


# --- Breakwater responses -------------------------------------------------------------------
class ErrorBody(Out):
    code: str
    message: str
    details: dict[str, Any]


class ErrorEnvelope(Out):
    error: ErrorBody


class CableSchedule(Out):
    connections: int
    generated_at: str
    download_url: str


class Device(Out):
    id: str
    manifest_id: str
    hostname: str
    device_type: str
    mac_address: str
    serial_number: Optional[str]
    ip_address: str
    status: DeviceStatus
    config_template: Optional[str]
    last_seen: Optional[str]
    status_reason: Optional[str]
    # Lab extension: what the device's present config was rendered from (null: no config).
    template_used: Optional[str] = None
    template_version: Optional[str] = None


class ManifestSummary(Out):
    id: str
    name: str
    site_id: str
    description: Optional[str]
    status: ManifestStatus
    device_count: int
    created_at: str
    updated_at: str
    topology_source: Optional[str]
    config_templates: dict[str, str]
    cable_schedule: Optional[CableSchedule]


class ManifestDetail(ManifestSummary):
    devices: list[Device]


class ManifestList(Out):
    manifests: list[ManifestSummary]
    total: int
    limit: int
    offset: int


class DeviceList(Out):
    devices: list[Device]


class Deleted(Out):
    message: str
    id: str


class SerialResult(Out):
    device_id: str
    serial_number: str
    status: DeviceStatus
    verified_at: str
    model_detected: Optional[str]


class BulkItemResult(Out):
    device_id: str
    status: Literal["success", "failed"]
    serial_number: str
    model_detected: Optional[str] = None


class BulkResult(Out):
    processed: int
    successful: int
    failed: int
    results: list[BulkItemResult]


class ConfigJob(Out):
    job_id: str
    status: Literal["processing"]
    devices_queued: int
    estimated_completion: str
    skipped: list[dict[str, Any]]


class DeviceConfig(Out):
    device_id: str
    config_generated_at: str
    format: Literal["text", "json"]
    content: str | dict[str, Any]
    template_used: str
    template_version: Optional[str] = None  # lab extension
    size_bytes: int


class TemplateVariable(Out):
    name: str
    type: str
    required: bool


class Template(Out):
    id: str
    name: str
    device_type: str
    category: str
    version: str
    variables: list[TemplateVariable]


class TemplateList(Out):
    templates: list[Template]


class SystemStatus(Out):
    system_status: str
    active_deployments: int
    queue_depth: int
    success_rate_24h: float
    average_deployment_time: str
    last_deployment: Optional[str]


class Event(Out):
    id: str
    timestamp: str
    event_type: str
    device_id: Optional[str]
    manifest_id: Optional[str]
    details: dict[str, Any]


class EventList(Out):
    events: list[Event]


# --- FortiZTP -------------------------------------------------------------------------------
class FzProvision(Strict):
    deviceSN: Optional[str] = None
    deviceType: Optional[Literal["FortiGate", "FortiAP", "FortiSwitch", "FortiExtender"]] = None
    provisionStatus: Optional[str] = None
    provisionTarget: Optional[str] = None
    region: Optional[str] = None
    externalControllerSn: Optional[str] = None
    externalControllerIp: Optional[str] = None
    platform: Optional[str] = None
    firmwareProfile: Optional[str] = None
    fortiManagerOid: Optional[int] = None
    scriptOid: Optional[int] = None
    useDefaultScript: Optional[bool] = None


class ScriptWrite(Strict):
    oid: Optional[int] = None
    name: str
    updateTime: Optional[int] = None


class FortiManagerWrite(Strict):
    oid: Optional[int] = None
    sn: str
    ip: str
    scriptOid: Optional[int] = None
    updateTime: Optional[int] = None


class FzError(Out):
    error: str
    error_description: str


class FzDevice(Out):
    """A FortiZTP device record: every field present, null when unset (docs/api/fortiztp.md).

    The lab keeps its own list rather than importing the collection's: it is the independent
    side of the tests. tests/lab/tests/test_fortiztp_model.py checks both lists are the same.
    """
    deviceSN: str
    deviceType: str
    provisionStatus: str
    provisionSubStatus: Optional[str]
    message: Optional[str]
    provisionTarget: Optional[str]
    region: Optional[str]
    externalControllerSn: Optional[str]
    externalControllerIp: Optional[str]
    platform: Optional[str]
    firmwareProfile: Optional[str]
    fortiManagerOid: Optional[int]
    scriptOid: Optional[int]
    useDefaultScript: Optional[bool]
    provisioningTimestamp: Optional[int]
    provisioningCompleteTimestamp: Optional[int]


class FzDeviceList(Out):
    total: int
    data: Optional[list[FzDevice]] = None
    devices: Optional[list[FzDevice]] = None
    hasCache: bool


class Script(Out):
    oid: int
    name: str
    updateTime: int


class ScriptList(Out):
    total: int
    data: list[Script]


class FortiManager(Out):
    oid: int
    sn: str
    ip: str
    scriptOid: Optional[int]
    updateTime: int


class FortiManagerList(Out):
    total: int
    data: Optional[list[FortiManager]] = None
    fortiManagers: Optional[list[FortiManager]] = None


class FirmwareProfiles(Out):
    data: list[str]


class System(Out):
    serviceName: str
    serviceRegion: str
    serviceStatus: str
    serverTime: str


class OAuthToken(Out):
    access_token: str
    expires_in: int
    refresh_token: str
    scope: str
    token_type: str
    message: str
    status: str
