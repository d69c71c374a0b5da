"""In-memory state of both clouds, behind one lock, driven by a lazy simulated clock.

Nothing runs in the background: every request first calls `tick()`, which applies the
transitions (config generation, boot, FortiZTP provisioning) whose simulated due time has
passed. Given the same calls and `/_lab/time/advance` steps, the outcome is deterministic.
"""
from __future__ import annotations

import copy
import heapq
import itertools
import re
import threading
import time
from datetime import datetime, timezone

from . import fixtures
from .faults import Faults, new_counters
from .errors import (BreakwaterError, FortiError, device_not_found, invalid_request,
                     manifest_not_found, validation_error)

SERIAL_RE = re.compile(r"^[A-Z0-9]{6,20}$")
MANIFEST_STATUSES = ("draft", "ready", "deploying", "deployed")
DEVICE_STATUSES = ("pending", "serial_registered", "config_generated", "deploying", "online",
                   "config_failed", "failed")
EVENT_TYPES = ("manifest_created", "manifest_updated", "manifest_deleted", "serial_registered",
               "serial_replaced", "config_generated", "config_failed", "deployment_started",
               "device_online", "device_failed", "deployment_completed", "deployment_failed")
VERIFICATION_METHODS = ("barcode_scan", "csv_import", "manual", "api")
# PUT status target -> the status the manifest must be in (documented example: deploying
# requires ready). `deployed` is only ever set by the service.
REQUIRED_STATUS = {"draft": "ready", "ready": "draft", "deploying": "ready",
                   "deployed": "deploying"}

FZ_DEVICE_TYPES = ("FortiGate", "FortiAP", "FortiSwitch", "FortiExtender")
FZ_PROVISION_STATUSES = ("provisioned", "unprovisioned", "hidden", "incomplete")
FZ_CLOUD_TARGETS = ("FortiGateCloud", "FortiEdgeCloud", "FortiManagerCloud",
                    "FortiExtenderCloud")
FZ_TARGETS = ("FortiManager", "ExternalController", "FortiSASE") + FZ_CLOUD_TARGETS
FZ_SERVICE_STATUSES = ("Operational", "Degraded performance", "Partial outage", "Major outage")
FZ_INCOMPLETE_AFTER = 1800  # simulated seconds before an offline device turns incomplete
FZ_TARGET_FIELDS = ("provisionTarget", "region", "externalControllerSn", "externalControllerIp",
                    "platform", "firmwareProfile", "fortiManagerOid", "scriptOid",
                    "useDefaultScript")
FZ_DEVICE_FIELDS = ("deviceSN", "deviceType", "provisionStatus") + FZ_TARGET_FIELDS + (
    "provisioningTimestamp", "provisioningCompleteTimestamp", "provisionSubStatus", "message")


def iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(value: str) -> float:
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise validation_error(f"Not an ISO 8601 date: {value!r}", value=value) from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.timestamp()


def public(record: dict) -> dict:
    """A record without its internal (underscore) keys."""
    return {k: v for k, v in record.items() if not k.startswith("_")}


class Clock:
    """now_sim = start + real_elapsed * speed + manual_advance.

    `wall()` (tokens, rate limits) is real time plus manual advances, not sped up, so a token
    does not expire after a minute at speed 60.
    """

    def __init__(self, speed: float):
        self.speed = speed
        self.real0 = time.monotonic()
        self.sim0 = float(int(time.time()))
        self.advanced = 0.0

    def sim(self) -> float:
        return self.sim0 + (time.monotonic() - self.real0) * self.speed + self.advanced

    def wall(self) -> float:
        return time.time() + self.advanced

    def set_speed(self, speed: float) -> None:
        # Rebase so changing speed never makes simulated time jump.
        self.sim0 = self.sim() - self.advanced
        self.real0 = time.monotonic()
        self.speed = speed

    def advance(self, seconds: float) -> None:
        self.advanced += seconds


class LabState:
    def __init__(self, defaults: dict):
        self.defaults = dict(defaults)  # settings from the command line
        self.lock = threading.RLock()
        self.reset(defaults.get("fixtures", "default"), defaults.get("synthetic"))

    # --- lifecycle of the whole lab -------------------------------------------------------
    def reset(self, fixture_set: str = "default", synthetic: int | None = None) -> None:
        self.settings = {k: self.defaults[k] for k in SETTINGS_TYPES}
        self.clock = Clock(self.settings["speed"])
        self.counters = new_counters()
        self.faults = Faults()
        self.rate_windows: dict[str, list[float]] = {}  # API user -> wall times of calls
        self.topologies: dict[str, dict] = {}
        self.templates = copy.deepcopy(fixtures.TEMPLATES)  # versions change (bump_template)
        self.manifests: dict[str, dict] = {}
        self.devices: dict[str, dict] = {}
        self.serial_owner: dict[str, str] = {}
        self.events: list[dict] = []
        self.queue: list[tuple] = []  # heap of (due_sim, seq, kind, key, token)
        self.seq = itertools.count()
        self.next_manifest = 124
        self.next_device = 1
        self.next_job = 789
        self.synthetic_count = 0
        self.deployments: list[dict] = []  # finished: {started, finished, devices_ok, failed}
        # FortiZTP
        self.fz_devices: dict[str, dict] = {}
        self.fz_active: set[str] = set()  # provisioned, still waiting/provisioning
        self.scripts: dict[int, dict] = {}
        self.script_content: dict[int, str] = {}
        self.fmgs: dict[int, dict] = {}
        self.next_script = self.next_fmg = 1
        self.tokens: dict[str, dict] = {}    # access token -> {user, expires}
        self.refresh: dict[str, str] = {}    # refresh token -> user
        self.token_seq = itertools.count(1)
        if fixture_set == "default":
            self.load_default_fixtures()
        if synthetic:
            self.add_synthetic(synthetic)

    def load_default_fixtures(self) -> None:
        self.topologies.update(copy.deepcopy(fixtures.TOPOLOGIES))
        for spec in fixtures.MANIFESTS:
            manifest = self._new_manifest(spec["id"], spec["name"], spec["site_id"],
                                          spec["description"], spec["topology_source"],
                                          spec["config_templates"], event=False)
            manifest["status"] = spec["status"]
            for device_id in manifest["_device_ids"]:
                device = self.devices[device_id]
                self._set_serial(device, spec["serials"][device["hostname"]])
        self.add_fortiztp_devices(fixtures.FORTIZTP_DEVICES)
        now_ms = self.now_ms()
        for script in fixtures.SCRIPTS:
            self.scripts[script["oid"]] = {"oid": script["oid"], "name": script["name"],
                                           "updateTime": now_ms}
            self.script_content[script["oid"]] = script["content"]
        for fmg in fixtures.FORTIMANAGERS:
            self.fmgs[fmg["oid"]] = {**fmg, "updateTime": now_ms}
        self.next_script = max(self.scripts, default=0) + 1
        self.next_fmg = max(self.fmgs, default=0) + 1

    def load_extra_fixtures(self, name: str) -> None:
        if name == "default":
            if "manifest_123" in self.manifests:
                raise validation_error("The default fixtures are already loaded", name=name)
            self.load_default_fixtures()
        elif name in fixtures.EXTRA_FIXTURES:
            self.add_fortiztp_devices(fixtures.EXTRA_FIXTURES[name])
        else:
            raise validation_error(f"Unknown fixture set {name!r}", name=name)

    def add_fortiztp_devices(self, serials_and_types) -> None:
        for serial, device_type in serials_and_types:
            if serial not in self.fz_devices:
                record = dict.fromkeys(FZ_DEVICE_FIELDS)
                record.update(deviceSN=serial, deviceType=device_type,
                              provisionStatus="unprovisioned", _online=True)
                self.fz_devices[serial] = record

    def add_synthetic(self, n: int, name: str | None = None, site_id: str | None = None) -> str:
        """A generated topology of n devices and a ready manifest with every serial set."""
        return self._synthetic_site(n, name, site_id, manifest=True)["manifest_id"]

    def add_synthetic_sites(self, sites: int, n: int, manifests: bool = True) -> list[dict]:
        """`sites` generated topologies of n devices each, one site apiece (site_synthetic_<k>,
        "Synthetic site <k>"), with a ready manifest each, or with none (a new site: the
        serials are known to the caller and FortiZTP, not registered in Breakwater)."""
        return [self._synthetic_site(n, None, None, manifests, numbered=True) for _site in range(sites)]

    def _synthetic_site(self, n: int, name: str | None, site_id: str | None, manifest: bool,
                        numbered: bool = False) -> dict:
        self.synthetic_count += 1
        k = self.synthetic_count
        name = name or (f"Synthetic site {k}" if numbered else f"Synthetic site {n}")
        topology_id = f"helm_topology_synthetic_{n}" + ("" if k == 1 else f"_{k}")
        devices, links, serials, fz = [], [], {}, []
        previous = None
        for i in range(n):
            is_fw = i % 20 == 0
            hostname = f"syn{k}-{'fw' if is_fw else 'sw'}-{i:05d}"
            devices.append({"hostname": hostname,
                            "device_type": "fortigate_60f" if is_fw else "cisco_ie3300",
                            "mac_address": "02:%02X:%02X:%02X:%02X:%02X" % (
                                k % 256, (i >> 24) & 255, (i >> 16) & 255, (i >> 8) & 255,
                                i & 255),
                            "ip_address": f"10.{k % 256}.{(i >> 8) & 255}.{i & 255}",
                            "vars": {}})
            serial = (f"FGT60FS{k:02d}{i:07d}" if is_fw else f"FDOS{k:02d}{i:07d}")
            serials[hostname] = serial
            if is_fw:
                fz.append((serial, "FortiGate"))
            if previous:
                links.append((previous, "Gi1/10", hostname, "Gi1/9", "cat6"))
            previous = hostname
        self.topologies[topology_id] = {
            "name": name,
            "default_templates": {"cisco_ie3300": "template_switch_basic",
                                  "fortigate_60f": "template_firewall_dmz"},
            "vars": {"vlan_list": [10], "dmz_subnet": "172.31.0.1 255.255.255.0"},
            "devices": devices, "links": links}
        self.add_fortiztp_devices(fz)
        site = {"site_id": site_id or f"site_synthetic_{k}", "name": name,
                "topology_source": topology_id, "manifest_id": None,
                "devices": [{"hostname": d["hostname"], "serial_number": serials[d["hostname"]],
                             "device_type": d["device_type"]} for d in devices]}
        if manifest:
            created = self._new_manifest(None, name, site["site_id"], "Generated by the lab",
                                         topology_id, {}, event=False)
            created["status"] = "ready"
            for device_id in created["_device_ids"]:
                device = self.devices[device_id]
                self._set_serial(device, serials[device["hostname"]])
            site["manifest_id"] = created["id"]
        return site

    # --- time -----------------------------------------------------------------------------
    def now(self) -> float:
        return self.clock.sim()

    def now_ms(self) -> int:
        return int(self.clock.sim() * 1000)

    def schedule(self, due: float, kind: str, key: str, token: int) -> None:
        heapq.heappush(self.queue, (due, next(self.seq), kind, key, token))

    def tick(self) -> None:
        """Apply every transition whose simulated due time has passed, oldest first."""
        now = self.now()
        while self.queue and self.queue[0][0] <= now:
            due, _seq, kind, key, token = heapq.heappop(self.queue)
            if kind == "config":
                self._finish_config(key, token, due)
            elif kind == "boot":
                self._finish_boot(key, token, due)
            elif kind == "settle":
                self._settle(key, due)
        now_ms = int(now * 1000)
        for serial in list(self.fz_active):
            self._fz_materialize(self.fz_devices[serial], now_ms)

    # --- Breakwater: manifests ------------------------------------------------------------
    def get_manifest(self, manifest_id: str) -> dict:
        manifest = self.manifests.get(manifest_id)
        if manifest is None:
            raise manifest_not_found(manifest_id)
        return manifest

    def get_device(self, device_id: str) -> dict:
        device = self.devices.get(device_id)
        if device is None:
            raise device_not_found(device_id)
        return device

    def _check_templates(self, config_templates: dict) -> None:
        for device_type, template_id in config_templates.items():
            template = self.templates.get(template_id)
            if template is None:
                raise BreakwaterError(404, "TEMPLATE_NOT_FOUND",
                                      f"Template {template_id} does not exist",
                                      {"template_id": template_id})
            if template["device_type"] != device_type:
                raise validation_error(
                    f"Template {template_id} is for {template['device_type']}, not {device_type}",
                    template_id=template_id, device_type=device_type)

    def create_manifest(self, name, site_id, description, topology_source, config_templates):
        config_templates = config_templates or {}
        if topology_source is not None and topology_source not in self.topologies:
            raise BreakwaterError(404, "TOPOLOGY_NOT_FOUND",
                                  f"Topology {topology_source} does not exist",
                                  {"topology_source": topology_source})
        self._check_templates(config_templates)
        return self._new_manifest(None, name, site_id, description, topology_source,
                                  config_templates)

    def _new_manifest(self, manifest_id, name, site_id, description, topology_source,
                      config_templates, event=True) -> dict:
        if manifest_id is None:
            manifest_id = f"manifest_{self.next_manifest}"
            self.next_manifest += 1
        now = self.now()
        topology = self.topologies.get(topology_source) if topology_source else None
        manifest = {"id": manifest_id, "name": name, "site_id": site_id,
                    "description": description, "status": "draft", "created_at": now,
                    "updated_at": now, "topology_source": topology_source,
                    "config_templates": dict(config_templates), "_device_ids": [],
                    "_links": list(topology["links"]) if topology else [],
                    "_deploy_started": None, "_deployment": []}
        self.manifests[manifest_id] = manifest
        for planned in (topology["devices"] if topology else []):
            device_id = f"device_{self.next_device:03d}"
            self.next_device += 1
            self.devices[device_id] = {
                "id": device_id, "manifest_id": manifest_id, "hostname": planned["hostname"],
                "device_type": planned["device_type"], "mac_address": planned["mac_address"],
                "serial_number": None, "ip_address": planned["ip_address"],
                "status": "pending", "config_template": None, "last_seen": None,
                "status_reason": None,
                # Template variables: topology site vars, overridden by the device's own.
                "_vars": {**topology["vars"], **planned["vars"]},
                "_topology_templates": topology["default_templates"],
                "_config": None, "_job": 0}
            self._assign_template(self.devices[device_id], manifest)
            manifest["_device_ids"].append(device_id)
        if event:
            self.add_event("manifest_created", manifest_id, None,
                           {"name": name, "topology_source": topology_source,
                            "device_count": len(manifest["_device_ids"])})
        return manifest

    def _assign_template(self, device: dict, manifest: dict) -> None:
        device_type = device["device_type"]
        device["config_template"] = (manifest["config_templates"].get(device_type)
                                     or device["_topology_templates"].get(device_type))

    def manifest_view(self, manifest: dict, with_devices: bool) -> dict:
        view = {k: manifest[k] for k in ("id", "name", "site_id", "description", "status")}
        view["device_count"] = len(manifest["_device_ids"])
        view["created_at"] = iso(manifest["created_at"])
        view["updated_at"] = iso(manifest["updated_at"])
        view["topology_source"] = manifest["topology_source"]
        view["config_templates"] = manifest["config_templates"]
        if with_devices:
            view["devices"] = [public(self.device_view(self.devices[d]))
                               for d in manifest["_device_ids"]]
        view["cable_schedule"] = None if manifest["topology_source"] is None else {
            "connections": len(manifest["_links"]),
            "generated_at": iso(manifest["created_at"]),
            "download_url": f"/api/v1/ztp/manifests/{manifest['id']}/cable-schedule.pdf"}
        return view

    @staticmethod
    def device_view(device: dict) -> dict:
        view = dict(device)
        view["last_seen"] = iso(device["last_seen"])
        # Lab extension: what the present config was rendered from, so a client can tell a
        # stale config from the device list alone (null without a config).
        config = device["_config"]
        view["template_used"] = config["template_used"] if config else None
        view["template_version"] = config["template_version"] if config else None
        return view

    def list_manifests(self, site_id, status, limit, offset):
        if status is not None and status not in MANIFEST_STATUSES:
            raise validation_error(f"status must be one of {', '.join(MANIFEST_STATUSES)}",
                                   field="status")
        matches = [m for m in self.manifests.values()
                   if (site_id is None or m["site_id"] == site_id)
                   and (status is None or m["status"] == status)]
        page = matches[offset:offset + limit]
        return {"manifests": [self.manifest_view(m, False) for m in page],
                "total": len(matches), "limit": limit, "offset": offset}

    def _writable(self, manifest: dict) -> None:
        if manifest["status"] == "deploying":
            raise BreakwaterError(409, "DEPLOYMENT_IN_PROGRESS",
                                  f"Manifest {manifest['id']} is being deployed",
                                  {"manifest_id": manifest["id"], "current_status": "deploying"})

    def update_manifest(self, manifest_id: str, changes: dict) -> dict:
        manifest = self.get_manifest(manifest_id)
        self._writable(manifest)
        status = changes.get("status")
        if status is not None:
            if status not in MANIFEST_STATUSES:
                raise validation_error(
                    f"status must be one of {', '.join(MANIFEST_STATUSES)}", field="status")
            current = manifest["status"]
            if status != current and current != REQUIRED_STATUS[status]:
                raise BreakwaterError(
                    409, "INVALID_MANIFEST_STATUS",
                    f"Cannot set manifest to {status} in {current} status",
                    {"manifest_id": manifest_id, "current_status": current,
                     "required_status": REQUIRED_STATUS[status]})
            if status == "deployed" and current != "deployed":
                raise BreakwaterError(
                    409, "INVALID_MANIFEST_STATUS", "Status deployed is set by the service",
                    {"manifest_id": manifest_id, "current_status": current,
                     "required_status": "deploying"})
        if changes.get("config_templates") is not None:
            self._check_templates(changes["config_templates"])
        changed = [k for k in ("name", "site_id", "description") if changes.get(k) is not None
                   and changes[k] != manifest[k]]
        for key in changed:
            manifest[key] = changes[key]
        if changes.get("config_templates") is not None:
            manifest["config_templates"].update(changes["config_templates"])
            changed.append("config_templates")
            for device_id in manifest["_device_ids"]:
                self._assign_template(self.devices[device_id], manifest)
        status_changed = status is not None and status != manifest["status"]
        if status_changed:
            manifest["status"] = status
            changed.append("status")
        if changed:
            manifest["updated_at"] = self.now()
            self.add_event("manifest_updated", manifest_id, None, {"changed": changed})
        if status_changed and status == "deploying":
            self._start_deployment(manifest)
        return manifest

    def delete_manifest(self, manifest_id: str) -> None:
        manifest = self.get_manifest(manifest_id)
        self._writable(manifest)
        for device_id in manifest["_device_ids"]:
            device = self.devices.pop(device_id)
            self.serial_owner.pop(device["serial_number"], None)
        del self.manifests[manifest_id]
        self.add_event("manifest_deleted", manifest_id, None, {"name": manifest["name"]})

    # --- Breakwater: devices and serials --------------------------------------------------
    def list_devices(self, manifest_id, status, device_type, search):
        if status is not None and status not in DEVICE_STATUSES:
            raise validation_error(f"status must be one of {', '.join(DEVICE_STATUSES)}",
                                   field="status")
        if manifest_id is not None:
            manifest = self.manifests.get(manifest_id)
            pool = [self.devices[d] for d in manifest["_device_ids"]] if manifest else []
        else:
            pool = self.devices.values()
        needle = search.lower() if search else None
        return [d for d in pool
                if (status is None or d["status"] == status)
                and (device_type is None or d["device_type"] == device_type)
                and (needle is None or any(needle in (d[k] or "").lower()
                                           for k in ("hostname", "mac_address",
                                                     "serial_number")))]

    def register_serial(self, device_id: str, serial: str, method: str | None,
                        operator: str | None) -> dict:
        """Register one serial; raises the documented errors. Returns the answer body."""
        device = self.get_device(device_id)
        self._writable(self.manifests[device["manifest_id"]])
        self.check_serial(serial)
        holder = self.serial_owner.get(serial)
        if holder is not None and holder != device_id:
            raise BreakwaterError(409, "SERIAL_ALREADY_REGISTERED",
                                  f"Serial number {serial} is already registered",
                                  {"serial_number": serial, "device_id": holder})
        if device["serial_number"] != serial:
            replaced = device["serial_number"]
            self._set_serial(device, serial)
            device["_verified_at"] = self.now()
            details = {"serial_number": serial, "operator_id": operator,
                       "verification_method": method}
            if replaced:
                details["previous_serial_number"] = replaced
            self.add_event("serial_replaced" if replaced else "serial_registered",
                           device["manifest_id"], device_id, details)
            self._reopen_if_deployed(device, "serial_replaced")
        return {"device_id": device_id, "serial_number": serial, "status": device["status"],
                "verified_at": iso(device.get("_verified_at") or self.now()),
                "model_detected": model_detected(serial, device["device_type"])}

    @staticmethod
    def check_serial(serial: str) -> None:
        if not SERIAL_RE.match(serial):
            raise BreakwaterError(400, "INVALID_SERIAL_NUMBER",
                                  "Serial number must be 6-20 characters A-Z and 0-9",
                                  {"serial_number": serial})

    def _set_serial(self, device: dict, serial: str) -> None:
        self.serial_owner.pop(device["serial_number"], None)
        device["serial_number"] = serial
        self.serial_owner[serial] = device["id"]
        device["status"] = "serial_registered"
        device["status_reason"] = None
        device["_config"] = None
        device["_job"] += 1  # a pending config job for the old unit no longer applies
        device["_queued"] = False

    def _reopen_if_deployed(self, device: dict, reason: str, when: float | None = None) -> None:
        """A device of a deployed manifest left `online`: the manifest goes back to `ready`
        so that it can be deployed again (Day 2)."""
        manifest = self.manifests[device["manifest_id"]]
        if manifest["status"] != "deployed" or device["status"] == "online":
            return
        manifest["status"] = "ready"
        manifest["updated_at"] = self.now() if when is None else when
        self.add_event("manifest_updated", manifest["id"], None,
                       {"changed": ["status"], "status_from": "deployed", "status_to": "ready",
                        "reason": reason, "device_id": device["id"],
                        "hostname": device["hostname"]}, when)

    def bulk_register(self, manifest_id: str, items: list, method, operator) -> dict:
        manifest = self.get_manifest(manifest_id)
        self._writable(manifest)
        counts: dict[str, int] = {}
        for item in items:
            counts[item["serial_number"]] = counts.get(item["serial_number"], 0) + 1
        results = []
        for item in items:
            device_id, serial = item["device_id"], item["serial_number"]
            try:
                if counts[serial] > 1:
                    raise BreakwaterError(409, "SERIAL_ALREADY_REGISTERED",
                                          f"Serial number {serial} appears twice in the request",
                                          {"serial_number": serial})
                device = self.devices.get(device_id)
                if device is None or device["manifest_id"] != manifest_id:
                    raise device_not_found(device_id)
                answer = self.register_serial(device_id, serial, method, operator)
                results.append({"device_id": device_id, "status": "success",
                                "serial_number": serial,
                                "model_detected": answer["model_detected"]})
            except BreakwaterError as err:
                results.append({"device_id": device_id, "status": "failed",
                                "serial_number": serial,
                                "error": {"code": err.code, "message": err.message}})
        ok = sum(r["status"] == "success" for r in results)
        return {"processed": len(results), "successful": ok, "failed": len(results) - ok,
                "results": results}

    # --- Breakwater: configs --------------------------------------------------------------
    def generate_configs(self, manifest_id: str, device_ids, force: bool) -> dict:
        manifest = self.get_manifest(manifest_id)
        self._writable(manifest)
        if device_ids is None:
            targets = manifest["_device_ids"]
        else:
            for device_id in device_ids:
                device = self.devices.get(device_id)
                if device is None or device["manifest_id"] != manifest_id:
                    raise device_not_found(device_id)
            targets = list(dict.fromkeys(device_ids))
        due = self.now() + self.settings["config_seconds"]
        queued, skipped = [], []
        for device_id in targets:
            device = self.devices[device_id]
            if device["serial_number"] is None:
                skipped.append({"device_id": device_id, "reason": "no_serial"})
            elif device.get("_queued"):
                skipped.append({"device_id": device_id, "reason": "in_progress"})
            elif not force and self._config_current(device):
                skipped.append({"device_id": device_id, "reason": "config_current"})
            else:
                device["_job"] += 1
                device["_queued"] = True
                self.schedule(due, "config", device_id, device["_job"])
                queued.append(device_id)
        job_id = f"config_job_{self.next_job}"
        self.next_job += 1
        return {"job_id": job_id, "status": "processing", "devices_queued": len(queued),
                "estimated_completion": iso(due), "queued": queued, "skipped": skipped}

    def _config_current(self, device: dict) -> bool:
        """Rendered from the device's present template at that template's present version."""
        config = device["_config"]
        template = self.templates.get(device["config_template"])
        return (config is not None and template is not None
                and config["template_used"] == device["config_template"]
                and config["template_version"] == template["version"])

    def _finish_config(self, device_id: str, job: int, when: float) -> None:
        device = self.devices.get(device_id)
        if device is None or device["_job"] != job:
            return  # deleted, or serial replaced meanwhile
        device["_queued"] = False
        try:
            config = render_config(device, self.templates.get(device["config_template"]))
        except BreakwaterError as err:
            device.update(status="config_failed", status_reason=err.code, _config=None,
                          _config_error=err)
            self.add_event("config_failed", device["manifest_id"], device_id,
                           {"template_id": device["config_template"], "code": err.code,
                            "message": err.message, **err.details}, when)
            self._reopen_if_deployed(device, "config_failed", when)
            return
        config["config_generated_at"] = when
        device.update(status="config_generated", status_reason=None, _config=config)
        self.add_event("config_generated", device["manifest_id"], device_id,
                       {"template_id": config["template_used"],
                        "template_version": config["template_version"],
                        "config_size": config["size_bytes"]}, when)
        self._reopen_if_deployed(device, "config_regenerated", when)

    def device_config(self, device_id: str, fmt: str) -> dict:
        device = self.get_device(device_id)
        config = device["_config"]
        if device["status"] == "config_failed":
            raise device["_config_error"]
        if config is None:
            raise BreakwaterError(404, "CONFIG_NOT_GENERATED",
                                  f"No configuration generated for device {device_id}",
                                  {"device_id": device_id, "status": device["status"]})
        return {"device_id": device_id, "config_generated_at": iso(config["config_generated_at"]),
                "format": fmt, "content": config["text"] if fmt == "text" else config["json"],
                "template_used": config["template_used"],
                "template_version": config["template_version"],  # lab extension
                "size_bytes": config["size_bytes"]}

    # --- Breakwater: deployment -----------------------------------------------------------
    def _start_deployment(self, manifest: dict) -> None:
        """Deploy only what is not online: devices with a config (`config_generated`, or
        `failed` from an earlier deployment). A device whose config is still being generated
        waits for the next deployment."""
        now = self.now()
        manifest["_deploy_started"] = now
        due = now + self.settings["boot_seconds"]
        started = []
        for device_id in manifest["_device_ids"]:
            device = self.devices[device_id]
            if (device["_config"] is not None and not device.get("_queued")
                    and device["status"] in ("config_generated", "failed")):
                device.update(status="deploying", status_reason=None)
                device["_job"] += 1
                self.schedule(due, "boot", device_id, device["_job"])
                started.append(device_id)
        manifest["_deployment"] = started
        self.add_event("deployment_started", manifest["id"], None,
                       {"devices": started, "not_deployed": self._not_deployed(manifest)})
        if not started:
            self.schedule(now, "settle", manifest["id"], 0)

    def _not_deployed(self, manifest: dict) -> list[str]:
        """Devices neither online nor part of the current deployment."""
        deploying = set(manifest["_deployment"])
        return [d for d in manifest["_device_ids"] if d not in deploying
                and self.devices[d]["status"] != "online"]

    def _finish_boot(self, device_id: str, job: int, when: float) -> None:
        device = self.devices.get(device_id)
        if device is None or device["_job"] != job:
            return
        if device["device_type"].startswith("fortigate_"):
            ready_at = self._fortigate_ready_at(device["serial_number"], when)
            if ready_at is None:
                self._device_settled(device, "failed", "ZTP_NOT_PROVISIONED", when)
            elif ready_at > when:
                self.schedule(ready_at, "boot", device_id, job)  # wait for FortiZTP
            else:
                self._device_settled(device, "online", None, when)
        else:
            self._device_settled(device, "online", None, when)

    def _fortigate_ready_at(self, serial: str, when: float) -> float | None:
        """When FortiZTP will have handed this FortiGate to a FortiManager (None: never)."""
        record = self.fz_devices.get(serial)
        if (record is None or record["provisionStatus"] != "provisioned"
                or record["provisionTarget"] != "FortiManager"):
            return None
        view = fz_view_at(record, int(when * 1000))
        if view["provisionStatus"] != "provisioned":
            return None  # incomplete
        if view["provisionSubStatus"] is None:
            return when
        if not record["_online"]:
            return record["provisioningTimestamp"] / 1000 + FZ_INCOMPLETE_AFTER
        return record["provisioningTimestamp"] / 1000 + record["_wait"] + record["_prov"]

    def _device_settled(self, device: dict, status: str, reason, when: float) -> None:
        device.update(status=status, status_reason=reason)
        if status == "online":
            device["last_seen"] = when
            self.add_event("device_online", device["manifest_id"], device["id"], {}, when)
        else:
            self.add_event("device_failed", device["manifest_id"], device["id"],
                           {"reason": reason, "serial_number": device["serial_number"]}, when)
        self._settle(device["manifest_id"], when)

    def _settle(self, manifest_id: str, when: float) -> None:
        """End the deployment once each of its devices is online or failed: `deployed` when
        every device of the manifest is online, else back to `ready`."""
        manifest = self.manifests.get(manifest_id)
        if manifest is None or manifest["status"] != "deploying":
            return
        deployment = [self.devices[d] for d in manifest["_deployment"]]
        if any(d["status"] == "deploying" for d in deployment):
            return
        failed = [d["id"] for d in deployment if d["status"] == "failed"]
        online = sum(self.devices[d]["status"] == "online" for d in manifest["_device_ids"])
        self.deployments.append({"started": manifest["_deploy_started"], "finished": when,
                                 "online": len(deployment) - len(failed),
                                 "failed": len(failed)})
        manifest["updated_at"] = when
        details = {"devices": manifest["_deployment"], "devices_online": online,
                   "not_deployed": self._not_deployed(manifest)}
        if online == len(manifest["_device_ids"]):
            manifest["status"] = "deployed"
            self.add_event("deployment_completed", manifest_id, None, details, when)
        elif failed:
            manifest["status"] = "ready"
            self.add_event("deployment_failed", manifest_id, None,
                           {**details, "failed": failed}, when)
        else:
            manifest["status"] = "ready"
            self.add_event("deployment_completed", manifest_id, None, details, when)

    def system_status(self) -> dict:
        now = self.now()
        recent = [d for d in self.deployments if d["finished"] >= now - 86400]
        ok = sum(d["online"] for d in recent)
        total = ok + sum(d["failed"] for d in recent)
        durations = [d["finished"] - d["started"] for d in self.deployments]
        mean = int(sum(durations) / len(durations)) if durations else 0
        return {
            "system_status": self.settings["breakwater_system_status"],
            "active_deployments": sum(m["status"] == "deploying"
                                      for m in self.manifests.values()),
            "queue_depth": sum(1 for d in self.devices.values()
                               if d.get("_queued") or d["status"] == "deploying"),
            "success_rate_24h": round(100.0 * ok / total, 1) if total else 100.0,
            "average_deployment_time": "%02d:%02d:%02d" % (mean // 3600, mean // 60 % 60,
                                                           mean % 60),
            "last_deployment": iso(max((d["finished"] for d in self.deployments),
                                       default=None)),
        }

    def fail_device(self, device_id: str, reason: str) -> dict:
        """An online device fails in the field (lab control plane): status `failed` with
        `status_reason`, event `device_failed` as a deployment reports it, and a deployed
        manifest back to `ready`, so that the device can be deployed again."""
        self.tick()
        device = self.get_device(device_id)
        if device["status"] != "online":
            raise validation_error(f"Device {device_id} is {device['status']}, not online",
                                   device_id=device_id, status=device["status"])
        device.update(status="failed", status_reason=reason)
        self.add_event("device_failed", device["manifest_id"], device_id,
                       {"reason": reason, "serial_number": device["serial_number"]})
        self._reopen_if_deployed(device, "device_failed")
        return public(self.device_view(device))

    # --- Breakwater: templates ------------------------------------------------------------
    def template_view(self, template_id: str) -> dict:
        return {"id": template_id,
                **{k: v for k, v in self.templates[template_id].items() if k != "body"}}

    def bump_template(self, template_id: str) -> dict:
        """A new version of a template, as if edited in the Breakwater UI: configs rendered
        from the old version become stale, and new ones differ by a revision comment."""
        template = self.templates.get(template_id)
        if template is None:
            raise BreakwaterError(404, "TEMPLATE_NOT_FOUND",
                                  f"Template {template_id} does not exist",
                                  {"template_id": template_id})
        previous = template["version"]
        head, _dot, last = previous.rpartition(".")
        template["version"] = (f"{head}.{int(last) + 1}" if head and last.isdigit()
                               else f"{previous}.1")
        comment = "!" if template["device_type"].startswith("cisco_") else "#"
        template["body"] = template["body"] + [f"{comment} revision {template['version']}"]
        return {**self.template_view(template_id), "previous_version": previous}

    # --- Breakwater: events ---------------------------------------------------------------
    def add_event(self, event_type: str, manifest_id, device_id, details: dict,
                  when: float | None = None) -> None:
        self.events.append({"id": f"event_{len(self.events) + 1}",
                            "_ts": self.now() if when is None else when,
                            "event_type": event_type, "device_id": device_id,
                            "manifest_id": manifest_id, "details": details})

    def list_events(self, manifest_id, device_id, event_type, start_date, end_date):
        start = parse_iso(start_date) if start_date else None
        end = parse_iso(end_date) if end_date else None
        out = []
        for event in self.events:
            if ((manifest_id is None or event["manifest_id"] == manifest_id)
                    and (device_id is None or event["device_id"] == device_id)
                    and (event_type is None or event["event_type"] == event_type)
                    and (start is None or event["_ts"] >= start)
                    and (end is None or event["_ts"] <= end)):
                view = public(event)
                view["timestamp"] = iso(event["_ts"])
                out.append(view)
        return out

    # --- FortiZTP: devices ----------------------------------------------------------------
    def fz_device(self, serial: str) -> dict:
        record = self.fz_devices.get(serial)
        if record is None:
            raise FortiError(404, "not_found", f"Device {serial} doesn't exist in this account")
        return record

    def fz_validate(self, serial: str, body: dict, exists_error) -> dict:
        """Check one provisioning request; returns the fields to apply. Changes nothing."""
        record = self.fz_devices.get(serial)
        if record is None:
            raise exists_error(serial)
        if body.get("deviceSN") is not None and body["deviceSN"] != serial:
            raise invalid_request(f"deviceSN {body['deviceSN']} does not match {serial}")
        for field in ("deviceType", "provisionStatus"):
            if body.get(field) is None:
                raise invalid_request(f"Device {serial}: {field} is required")
        if body["deviceType"] != record["deviceType"]:
            raise invalid_request(f"Device {serial} is a {record['deviceType']}, "
                                  f"not a {body['deviceType']}")
        if body["provisionStatus"] not in ("provisioned", "unprovisioned"):
            raise invalid_request(f"Device {serial}: provisionStatus must be provisioned or "
                                  "unprovisioned")
        if body["provisionStatus"] == "unprovisioned":
            return dict.fromkeys(FZ_TARGET_FIELDS)
        target = body.get("provisionTarget")
        if target not in FZ_TARGETS:
            raise invalid_request(f"Device {serial}: provisionTarget must be one of "
                                  f"{', '.join(FZ_TARGETS)}")
        fields = {k: body.get(k) for k in FZ_TARGET_FIELDS}
        if target == "FortiManager":
            oid = body.get("fortiManagerOid")
            if oid is not None:
                fmg = self.fmgs.get(oid)
                if fmg is None:
                    raise invalid_request(f"FortiManager setting {oid} doesn't exist")
                fields["externalControllerSn"] = fields["externalControllerSn"] or fmg["sn"]
                fields["externalControllerIp"] = fields["externalControllerIp"] or fmg["ip"]
            elif not (body.get("externalControllerSn") and body.get("externalControllerIp")):
                raise invalid_request(f"Device {serial}: FortiManager target needs "
                                      "fortiManagerOid or externalControllerSn and "
                                      "externalControllerIp")
        elif target in FZ_CLOUD_TARGETS and not body.get("region"):
            raise invalid_request(f"Device {serial}: region is required for {target}")
        elif target == "ExternalController" and not body.get("externalControllerIp"):
            raise invalid_request(f"Device {serial}: externalControllerIp is required for "
                                  "ExternalController")
        if body.get("scriptOid") is not None and body["scriptOid"] not in self.scripts:
            raise invalid_request(f"Script {body['scriptOid']} doesn't exist")
        return fields

    def fz_apply(self, serial: str, fields: dict) -> None:
        record = self.fz_devices[serial]
        if fields["provisionTarget"] is None:
            record.update(fields, provisionStatus="unprovisioned", provisionSubStatus=None,
                          message=None, provisioningTimestamp=None,
                          provisioningCompleteTimestamp=None)
            self.fz_active.discard(serial)
            return
        if (record["provisionStatus"] == "provisioned"
                and all(record[k] == v for k, v in fields.items())):
            return  # same target again: nothing restarts
        record.update(fields, provisionStatus="provisioned", provisionSubStatus="waiting",
                      message="Waiting for the device to connect",
                      provisioningTimestamp=self.now_ms(), provisioningCompleteTimestamp=None,
                      _wait=self.settings["fortiztp_waiting_seconds"],
                      _prov=self.settings["fortiztp_provisioning_seconds"])
        self.fz_active.add(serial)

    def _fz_materialize(self, record: dict, now_ms: int) -> None:
        record.update(fz_view_at(record, now_ms))
        if record["provisionSubStatus"] is None or record["provisionStatus"] == "incomplete":
            self.fz_active.discard(record["deviceSN"])

    def fz_list(self, status, device_type, serials) -> list[dict]:
        return [public(r) for r in self.fz_devices.values()
                if (status is None or r["provisionStatus"] == status)
                and (device_type is None or r["deviceType"] == device_type)
                and (serials is None or r["deviceSN"] in serials)]

    def fz_set_online(self, serial: str, online: bool) -> dict:
        record = self.fz_devices.get(serial)
        if record is None:
            raise validation_error(f"No FortiZTP device {serial}", serial=serial)
        record["_online"] = online
        return public(record)

    # --- FortiZTP: scripts and FortiManager settings --------------------------------------
    def script(self, oid: int) -> dict:
        if oid not in self.scripts:
            raise FortiError(404, "not_found", f"Script {oid} doesn't exist")
        return self.scripts[oid]

    def fmg(self, oid: int) -> dict:
        if oid not in self.fmgs:
            raise FortiError(404, "not_found", f"FortiManager setting {oid} doesn't exist")
        return self.fmgs[oid]

    def save_script(self, oid: int | None, name: str) -> dict:
        if not name:
            raise invalid_request("name is required")
        if any(s["name"] == name and s["oid"] != oid for s in self.scripts.values()):
            raise invalid_request(f"A script named {name} already exists")
        if oid is None:
            oid, self.next_script = self.next_script, self.next_script + 1
            self.script_content[oid] = ""
        self.scripts[oid] = {"oid": oid, "name": name, "updateTime": self.now_ms()}
        return self.scripts[oid]

    def set_script_content(self, oid: int, content: str) -> None:
        self.script(oid)["updateTime"] = self.now_ms()
        self.script_content[oid] = content

    def delete_script(self, oid: int) -> None:
        self.script(oid)
        users = [f"FortiManager setting {f['oid']}" for f in self.fmgs.values()
                 if f["scriptOid"] == oid]
        users += [f"device {d['deviceSN']}" for d in self.fz_devices.values()
                  if d["scriptOid"] == oid and d["provisionStatus"] != "unprovisioned"]
        if users:
            raise invalid_request(f"Script {oid} is used by {', '.join(users)}")
        del self.scripts[oid]
        del self.script_content[oid]

    def save_fmg(self, oid: int | None, sn: str, ip: str, script_oid) -> dict:
        if not sn or not ip:
            raise invalid_request("sn and ip are required")
        if script_oid is not None and script_oid not in self.scripts:
            raise invalid_request(f"Script {script_oid} doesn't exist")
        if oid is None:
            oid, self.next_fmg = self.next_fmg, self.next_fmg + 1
        self.fmgs[oid] = {"oid": oid, "sn": sn, "ip": ip, "scriptOid": script_oid,
                          "updateTime": self.now_ms()}
        return self.fmgs[oid]

    def delete_fmg(self, oid: int) -> None:
        self.fmg(oid)
        users = [d["deviceSN"] for d in self.fz_devices.values()
                 if d["fortiManagerOid"] == oid and d["provisionStatus"] != "unprovisioned"]
        if users:
            raise invalid_request(f"FortiManager setting {oid} is used by devices "
                                  f"{', '.join(users)}")
        del self.fmgs[oid]

    # --- debugging dump -------------------------------------------------------------------
    def dump(self) -> dict:
        return {
            "sim_time": iso(self.now()), "settings": self.settings,
            "manifests": [self.manifest_view(m, False) | {"device_ids": m["_device_ids"]}
                          for m in self.manifests.values()],
            "devices": [public(self.device_view(d)) | {"config_generated": d["_config"]
                                                       is not None}
                        for d in self.devices.values()],
            "events": self.list_events(None, None, None, None, None),
            "fortiztp": {"devices": self.fz_list(None, None, None),
                         "scripts": list(self.scripts.values()),
                         "fortimanagers": list(self.fmgs.values()),
                         "active_tokens": len(self.tokens)},
            "topologies": sorted(self.topologies),
        }


# Settings changeable at run time (PUT /_lab/settings), with their types.
SETTINGS_TYPES = {
    "speed": (int, float), "boot_seconds": (int, float), "config_seconds": (int, float),
    "fortiztp_waiting_seconds": (int, float), "fortiztp_provisioning_seconds": (int, float),
    "fortiztp_put_body": str, "fortiztp_put_status": int, "fortiztp_list_key": str,
    "single_token": bool, "token_lifetime": int, "service_status": str,
    "rate_limit_per_hour": int,
    # Breakwater documents only "operational"; any other text lets a test play an outage.
    "breakwater_system_status": str,
}
SETTINGS_CHOICES = {"fortiztp_put_body": ("empty", "json"), "fortiztp_put_status": (200, 204),
                    "fortiztp_list_key": ("data", "devices"),
                    "service_status": FZ_SERVICE_STATUSES}


def fz_view_at(record: dict, at_ms: int) -> dict:
    """Provisioning progress of a FortiZTP device at a simulated time (pure function)."""
    fields = {k: record[k] for k in ("provisionStatus", "provisionSubStatus", "message",
                                     "provisioningCompleteTimestamp")}
    if record["provisionStatus"] != "provisioned" or record["provisionSubStatus"] is None:
        return fields
    elapsed = (at_ms - record["provisioningTimestamp"]) / 1000
    if not record["_online"]:
        if elapsed >= FZ_INCOMPLETE_AFTER:
            fields.update(provisionStatus="incomplete", provisionSubStatus="provisioningtoolong",
                          message="Provisioning did not complete within 30 minutes")
    elif elapsed >= record["_wait"] + record["_prov"]:
        fields.update(provisionSubStatus=None, message=None,
                      provisioningCompleteTimestamp=record["provisioningTimestamp"]
                      + int((record["_wait"] + record["_prov"]) * 1000))
    elif elapsed >= record["_wait"]:
        fields.update(provisionSubStatus="provisioning", message="Device is being provisioned")
    return fields


def model_detected(serial: str, device_type: str) -> str | None:
    """The model a serial belongs to: the planned type's prefixes first (a prefix may be
    shared by several products), then every other type's, so that a unit of the wrong type
    shows as its real model. None when no prefix matches."""
    own = fixtures.MODEL_TABLE.get(device_type, [])
    others = [pm for t, pms in fixtures.MODEL_TABLE.items() if t != device_type for pm in pms]
    for table in (own, others):
        for prefix, model in sorted(table, key=lambda pm: -len(pm[0])):
            if serial.startswith(prefix):
                return model
    return None


_TYPE_CHECKS = {"string": str, "array": list, "integer": int, "boolean": bool}


def render_config(device: dict, template: dict | None) -> dict:
    """Render a template for a device; CONFIG_GENERATION_FAILED names the bad variable."""
    def fail(message, **details):
        return BreakwaterError(422, "CONFIG_GENERATION_FAILED", message,
                               {"device_id": device["id"], **details})

    if template is None:
        raise fail(f"Device {device['id']} has no config template",
                   template_id=device["config_template"])
    values = {**device["_vars"], **{k: device[k] for k in ("hostname", "ip_address",
                                                           "mac_address", "serial_number")}}
    used = {}
    for var in template["variables"]:
        name, value = var["name"], values.get(var["name"])
        if value is None:
            if var["required"]:
                raise fail(f"Required variable {name} has no value", variable=name)
            used[name] = None
            continue
        expected = _TYPE_CHECKS[var["type"]]
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise fail(f"Variable {name} must be of type {var['type']}", variable=name)
        used[name] = value
    text_values = {k: ("" if v is None else " ".join(map(str, v)) if isinstance(v, list)
                       else str(v)) for k, v in used.items()}
    lines = [line.format_map(text_values) for line in template["body"]]
    text = "\n".join(lines) + "\n"
    return {"text": text, "template_used": device["config_template"],
            "template_version": template["version"], "size_bytes": len(text.encode()),
            "json": {"template": device["config_template"], "hostname": device["hostname"],
                     "variables": used, "lines": lines}}
