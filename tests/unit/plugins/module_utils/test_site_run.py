# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The site's I/O (module_utils/site_run.py) over fake clients: reads, config generation, waits, deployment.

The fakes hold their state in memory, answer in the shapes of the lab (tests/lab/ztplab) and
count their calls. The waits run on a fake clock (polling.monotonic and polling.sleep patched),
so no test sleeps.
"""

from __future__ import annotations

import copy
import json
import threading

import pytest

from ansible_collections.breakwater.ztp.plugins.module_utils import configs, polling, site_run
from ansible_collections.breakwater.ztp.plugins.module_utils.api_error import ApiError
from ansible_collections.breakwater.ztp.plugins.module_utils.resource import InputError, TaskFailure

# PUT status target -> the status the manifest must be in (as the lab enforces it).
REQUIRED_STATUS = {"draft": "ready", "ready": "draft", "deploying": "ready", "deployed": "deploying"}


class FakeBreakwater(object):
    """An in-memory Breakwater: manifests with devices, templates, events; counts every call."""

    def __init__(self, manifests=(), templates=(), events=()):
        self.manifests = dict((m["id"], copy.deepcopy(m)) for m in manifests)
        self.templates = list(templates)
        self.events = list(events)
        self.calls = {}
        self.log = []
        self.lock = threading.Lock()
        # Config generation: device id -> (event type, details); the events appear after
        # ``config_polls`` listings of the events following the request.
        self.config_outcomes = {}
        self.config_polls = 1
        self.skip = {}  # device id -> reason the server skips it
        self._config_due = None
        # Deployment: the manifest settles after ``deploy_polls`` reads into ``deploy_result``.
        self.deploy_polls = 1
        self.deploy_result = ("deployed", {})
        self._deploy_due = None
        self.configs = {}  # device id -> content

    def _call(self, name, *args, **kwargs):
        with self.lock:
            self.calls[name] = self.calls.get(name, 0) + 1
            self.log.append((name, args, kwargs))

    def _event(self, event_type, manifest_id, device_id, details):
        self.events.append({"id": "event_%d" % (len(self.events) + 1), "event_type": event_type,
                            "device_id": device_id, "manifest_id": manifest_id,
                            "timestamp": "2026-03-01T10:%02d:00Z" % len(self.events), "details": details})

    def list_templates(self, device_type=None, category=None):
        self._call("list_templates")
        return copy.deepcopy(self.templates)

    def list_manifests(self, site_id=None, status=None):
        self._call("list_manifests", site_id=site_id)
        return [dict((k, v) for k, v in m.items() if k != "devices") for m in self.manifests.values()
                if site_id is None or m.get("site_id") == site_id]

    def get_manifest(self, manifest_id):
        self._call("get_manifest", manifest_id)
        manifest = self.manifests.get(manifest_id)
        if manifest is None:
            raise ApiError(404, "MANIFEST_NOT_FOUND", "Manifest %s not found" % manifest_id, method="GET",
                           path="/manifests/%s" % manifest_id, resource=manifest_id)
        if manifest["status"] == "deploying" and self._deploy_due is not None:
            self._deploy_due -= 1
            if self._deploy_due <= 0:
                self._deploy_due = None
                status, devices = self.deploy_result
                manifest["status"] = status
                for device in manifest["devices"]:
                    device["status"], device["status_reason"] = devices.get(device["id"], ("online", None))
        return copy.deepcopy(manifest)

    def update_manifest(self, manifest_id, body):
        self._call("update_manifest", manifest_id, body)
        manifest = self.manifests[manifest_id]
        status = body.get("status")
        if status is not None and status != manifest["status"] and manifest["status"] != REQUIRED_STATUS[status]:
            raise ApiError(409, "INVALID_MANIFEST_STATUS", "Cannot set manifest to %s in %s status" % (
                status, manifest["status"]), resource=manifest_id)
        if status is not None:
            manifest["status"] = status
            if status == "deploying":
                self._deploy_due = self.deploy_polls
        return copy.deepcopy(manifest)

    def list_events(self, manifest_id=None, device_id=None, event_type=None, start_date=None, end_date=None):
        self._call("list_events", manifest_id=manifest_id, event_type=event_type)
        if self._config_due is not None:
            self._config_due -= 1
            if self._config_due <= 0:
                self._config_due = None
                for queued, (kind, details) in sorted(self.config_outcomes.items()):
                    if queued in self._queued:
                        self._event(kind, self._queued_manifest, queued, details)
        return [copy.deepcopy(e) for e in self.events
                if (manifest_id is None or e["manifest_id"] == manifest_id)
                and (device_id is None or e["device_id"] == device_id)
                and (event_type is None or e["event_type"] == event_type)]

    def generate_configs(self, manifest_id, device_ids=None, force_regenerate=False):
        self._call("generate_configs", manifest_id, list(device_ids), force_regenerate=force_regenerate)
        skipped = [{"device_id": d, "reason": self.skip[d]} for d in device_ids if d in self.skip]
        self._queued = [d for d in device_ids if d not in self.skip]
        self._queued_manifest = manifest_id
        self._config_due = self.config_polls
        return {"job_id": "config_job_1", "status": "processing", "devices_queued": len(self._queued),
                "queued": list(self._queued), "skipped": skipped}

    def get_device_config(self, device_id, format="text"):
        self._call("get_device_config", device_id, format=format)
        content = self.configs[device_id]
        return {"device_id": device_id, "format": format, "content": content}


class FakeFortiZTP(object):
    """An in-memory FortiZTP: device records (one listing per snapshot), FortiManager targets, scripts."""

    def __init__(self, snapshots=(), fortimanagers=(), scripts=()):
        self.snapshots = [list(s) for s in snapshots] or [[]]
        self.fortimanagers = list(fortimanagers)
        self.scripts = list(scripts)
        self.calls = {}
        self.log = []

    def _call(self, name, **kwargs):
        self.calls[name] = self.calls.get(name, 0) + 1
        self.log.append((name, kwargs))

    def list_devices(self, provision_status=None, device_type=None, serials=None, use_cache=None):
        self._call("list_devices", serials=serials)
        snapshot = self.snapshots.pop(0) if len(self.snapshots) > 1 else self.snapshots[0]
        return copy.deepcopy(snapshot)  # all of them: index_by_serial keeps the wanted ones

    def list_fortimanagers(self):
        self._call("list_fortimanagers")
        return copy.deepcopy(self.fortimanagers)

    def list_scripts(self):
        self._call("list_scripts")
        return copy.deepcopy(self.scripts)


@pytest.fixture
def clock(monkeypatch):
    """A fake clock for polling.poll: sleeping advances it; ``clock.sleeps`` lists the pauses."""
    class Clock(object):
        now = 1000.0
        sleeps = []

        def monotonic(self):
            return self.now

        def sleep(self, seconds):
            self.sleeps.append(seconds)
            self.now += seconds

    fake = Clock()
    fake.sleeps = []
    monkeypatch.setattr(polling, "monotonic", fake.monotonic)
    monkeypatch.setattr(polling, "sleep", fake.sleep)
    return fake


def site(**overrides):
    base = {"ztp_site_id": "site_456", "ztp_manifest_name": "Plant A", "ztp_manifest_id": None, "rollout_fortiztp_enabled": True,
            "fortiztp_provision_device_type_pattern": "^forti", "ztp_fortimanager_sn": ["FMG-VM0000000001"], "ztp_fortimanager_ip": ["10.0.0.10"],
            "ztp_fortiztp_script": None}
    base.update(overrides)
    return base


def device(number, hostname, device_type="cisco_ie3300", status="serial_registered", serial=None):
    return {"id": "device_%d" % number, "hostname": hostname, "device_type": device_type,
            "serial_number": serial or "FDO2401A00%d" % number, "status": status, "status_reason": None,
            "config_template": "template_switch_basic"}


def manifest(status="ready", devices=None, **overrides):
    body = {"id": "manifest_123", "name": "Plant A", "site_id": "site_456", "status": status,
            "devices": devices if devices is not None else [
                device(1, "sw-01"), device(2, "sw-02"),
                device(3, "fw-01", "fortigate_60f", serial="FGT60F0000000001")]}
    body.update(overrides)
    return body


TEMPLATES = [{"id": "template_switch_basic", "device_type": "cisco_ie3300"}]


# --- read_breakwater -----------------------------------------------------------------------------
def test_read_breakwater_by_name():
    client = FakeBreakwater([manifest(), manifest(id="manifest_999", site_id="site_other")], TEMPLATES)
    templates, found, status = site_run.read_breakwater(client, site())
    assert status is None
    assert templates == TEMPLATES
    assert found["id"] == "manifest_123" and len(found["devices"]) == 3
    assert client.calls == {"list_templates": 1, "list_manifests": 1, "get_manifest": 1}
    assert ("list_manifests", (), {"site_id": "site_456"}) in client.log


def test_read_breakwater_of_a_new_site():
    client = FakeBreakwater([manifest(name="Other")], TEMPLATES)
    assert site_run.read_breakwater(client, site()) == (TEMPLATES, None, None)
    assert client.calls == {"list_templates": 1, "list_manifests": 1}


def test_the_same_name_in_another_site_is_another_manifest():
    client = FakeBreakwater([manifest(site_id="site_other")], TEMPLATES)
    assert site_run.read_breakwater(client, site())[1] is None


def test_an_ambiguous_name_names_ztp_manifest_name():
    client = FakeBreakwater([manifest(), manifest(id="manifest_124")], TEMPLATES)
    with pytest.raises(InputError) as caught:
        site_run.read_breakwater(client, site())
    assert caught.value.field == "ztp_manifest_name"
    assert caught.value.value == "Plant A"
    assert caught.value.reason == ("matches 2 manifests in site site_456: manifest_123, manifest_124; "
                                   "set ztp_manifest_id to pick one")
    assert "give id" not in str(caught.value)
    assert "get_manifest" not in client.calls


def test_ztp_manifest_id_picks_the_manifest_without_listing():
    client = FakeBreakwater([manifest(), manifest(id="manifest_124")], TEMPLATES)
    found = site_run.read_breakwater(client, site(ztp_manifest_id="manifest_124"))[1]
    assert found["id"] == "manifest_124"
    assert client.calls == {"list_templates": 1, "get_manifest": 1}


def test_an_unknown_ztp_manifest_id_is_an_error():
    client = FakeBreakwater([manifest()], TEMPLATES)
    with pytest.raises(InputError) as caught:
        site_run.read_breakwater(client, site(ztp_manifest_id="manifest_404"))
    assert (caught.value.field, caught.value.value) == ("ztp_manifest_id", "manifest_404")
    assert caught.value.reason == "is not a manifest (MANIFEST_NOT_FOUND)"


def test_an_api_failure_is_never_read_as_no_manifest():
    class Broken(FakeBreakwater):
        def get_manifest(self, manifest_id):
            raise ApiError(500, "INTERNAL_ERROR", "boom", resource=manifest_id)

    with pytest.raises(ApiError) as caught:
        site_run.read_breakwater(Broken([manifest()], TEMPLATES), site())
    assert caught.value.code == "INTERNAL_ERROR"


# --- read_fortiztp -------------------------------------------------------------------------------
DEVICES = [{"hostname": "sw-01", "serial_number": "FDO2401A001", "device_type": "cisco_ie3300"},
           {"hostname": "fw-02", "serial_number": "FGT60F0000000002", "device_type": "fortigate_60f"},
           {"hostname": "fw-01", "serial_number": "FGT60F0000000001", "device_type": "fortigate_60f"}]


def record(serial, status="provisioned", sub_status=None, target="FortiManager"):
    return {"deviceSN": serial, "deviceType": "FortiGate", "provisionStatus": status,
            "provisionSubStatus": sub_status, "provisionTarget": target}


FMG = {"oid": 1, "sn": "FMG-VM0000000001", "ip": "10.0.0.10", "scriptOid": None}


def test_read_fortiztp_reads_the_fortinet_devices_once():
    client = FakeFortiZTP([[record("FGT60F0000000001"), record("FGT60F0000000002"), record("FGT60F0000009999")]],
                          [FMG], [{"oid": 1, "name": "fmg-preconfig"}])
    records, fortimanagers, scripts, system = site_run.read_fortiztp(client, site(ztp_fortiztp_script="fmg-preconfig"),
                                                                     DEVICES)
    assert system is None
    assert sorted(records) == ["FGT60F0000000001", "FGT60F0000000002"]  # another site's device is left out
    assert fortimanagers == [FMG] and scripts == [{"oid": 1, "name": "fmg-preconfig"}]
    assert client.calls == {"list_devices": 1, "list_fortimanagers": 1, "list_scripts": 1}
    assert client.log[0] == ("list_devices", {"serials": ["FGT60F0000000001", "FGT60F0000000002"]})


def test_read_fortiztp_lists_only_what_the_site_uses():
    client = FakeFortiZTP([[record("FGT60F0000000001")]], [FMG])
    records, fortimanagers, scripts = site_run.read_fortiztp(client, site(ztp_fortimanager_sn=[]), DEVICES)[:3]
    assert (fortimanagers, scripts) == ([], [])
    assert client.calls == {"list_devices": 1}


def test_read_swapped_adds_the_serials_an_rma_swaps_out_and_costs_nothing_without_one():
    manifest = {"devices": [{"hostname": "fw-01", "serial_number": "FGT60F0000000009"},
                            {"hostname": "fw-02", "serial_number": "FGT60F0000000002"}]}
    known = {"FGT60F0000000001": record("FGT60F0000000001", status="unprovisioned")}
    client = FakeFortiZTP([[record("FGT60F0000000009")]])
    records = site_run.read_swapped(client, site(), DEVICES, manifest, known)
    assert sorted(records) == ["FGT60F0000000001", "FGT60F0000000009"]
    assert client.log == [("list_devices", {"serials": ["FGT60F0000000009"]})]
    untouched = FakeFortiZTP([])
    assert site_run.read_swapped(untouched, site(), DEVICES, {"devices": []}, known) == known
    assert untouched.calls == {}


@pytest.mark.parametrize("overrides, devices", [
    ({"rollout_fortiztp_enabled": False}, DEVICES),
    ({}, DEVICES[:1]),  # no Fortinet device
    ({"fortiztp_provision_device_type_pattern": "^juniper"}, DEVICES),
])
def test_read_fortiztp_without_fortinet_devices_calls_nothing(overrides, devices):
    client = FakeFortiZTP([[record("FGT60F0000000001")]], [FMG])
    assert site_run.read_fortiztp(client, site(**overrides), devices) == ({}, [], [], None)
    assert client.calls == {}


# --- read_site: the read orchestration ---------------------------------------------------------------
def inventory():
    return [dict((k, d[k]) for k in ("hostname", "serial_number", "device_type")) for d in manifest()["devices"]]


def full_site(**overrides):
    base = dict(rollout_require_healthy=True, ztp_config_templates=None, serials_replace=False,
                ztp_topology_source=None, ztp_fortiztp_script_content=None)
    base.update(overrides)
    return site(**base)


def test_read_site_reads_both_apis_and_checks_what_it_read():
    bw = FakeBreakwater([manifest()], TEMPLATES + [{"id": "template_firewall", "device_type": "fortigate_60f"}])
    fz = FakeFortiZTP([[record("FGT60F0000000001")]], [FMG])
    clients = {"breakwater": bw, "fortiztp": fz}
    read = site_run.read_site(full_site(), inventory(), clients.get)
    assert read["manifest"]["id"] == "manifest_123" and len(read["templates"]) == 2
    assert sorted(read["fortiztp_records"]) == ["FGT60F0000000001"] and read["fortimanagers"] == [FMG]
    assert read["devices"] == inventory() and read["health_warnings"] == []
    assert read["problems"] == [], read["problems"]
    assert fz.calls == {"list_devices": 1, "list_fortimanagers": 1}  # no health read unless asked


def test_read_site_names_every_problem_and_an_outage_with_the_variable():
    bw = FakeBreakwater([manifest()], TEMPLATES)
    bw.get_status = lambda: {"system_status": "outage"}
    fz = FakeFortiZTP([[]], [FMG])
    fz.get_system = lambda: {"serviceStatus": "Degraded performance"}
    read = site_run.read_site(full_site(), inventory(), {"breakwater": bw, "fortiztp": fz}.get, check_health=True)
    assert read["problems"][0].startswith("rollout_require_healthy: Breakwater ZTP reports system_status 'outage'")
    assert read["problems"][1:] == ["fortigate_60f: no template for this device type",
                                    "FortiZTP: does not know FGT60F0000000001 (add them to the FortiCloud account, "
                                    "or check their serial numbers)"]
    assert len(read["health_warnings"]) == 1 and "Degraded performance" in read["health_warnings"][0]
    relaxed = site_run.read_site(full_site(rollout_require_healthy=False), inventory(), {"breakwater": bw, "fortiztp": fz}.get,
                                 check_health=True)
    assert not any(p.startswith("rollout_require_healthy") for p in relaxed["problems"])


def test_read_site_without_device_hosts_works_on_the_manifests_devices():
    bw = FakeBreakwater([manifest()], TEMPLATES)
    fz = FakeFortiZTP([[record("FGT60F0000000001")]], [FMG])
    read = site_run.read_site(full_site(), [], {"breakwater": bw, "fortiztp": fz}.get)
    assert [d["hostname"] for d in read["devices"]] == ["sw-01", "sw-02", "fw-01"]
    assert fz.calls == {"list_devices": 1, "list_fortimanagers": 1}  # learnt from the manifest, read after it
    skipped = FakeFortiZTP([[record("FGT60F0000000001")]], [FMG])
    site_run.read_site(full_site(), inventory(), {"breakwater": bw, "fortiztp": skipped}.get, with_fortiztp=False)
    assert skipped.calls == {}


# --- fortimanager_ready --------------------------------------------------------------------------
@pytest.mark.parametrize("sn, ip, targets, expected", [
    (["FMG-VM0000000001"], ["10.0.0.10"], [FMG], True),
    (["FMG-VM0000000001"], ["10.0.0.10"], [dict(FMG, sn=["FMG-VM0000000001"], ip=["10.0.0.10"])], True),
    (["FMG-VM0000000001"], ["10.0.0.11"], [FMG], False),  # another address
    (["FMG-VM0000000002"], ["10.0.0.10"], [FMG], False),
    (["FMG-VM0000000001"], ["10.0.0.10"], [], False),
    (["FMG-VM0000000001"], ["10.0.0.10"], None, False),
    (["FMG2", "FMG1"], ["10.0.1.11", "10.0.1.10"], [{"oid": 2, "sn": ["FMG1", "FMG2"], "ip": ["10.0.1.10", "10.0.1.11"]}],
     True),  # order does not matter
    (["FMG1"], ["10.0.1.10"], [{"oid": 2, "sn": ["FMG1", "FMG2"], "ip": ["10.0.1.10", "10.0.1.11"]}], False),
    (["FMG-VM0000000001"], ["10.0.0.10"], [dict(FMG, oid=7, sn="FMG-OTHER"), FMG], True),
])
def test_fortimanager_ready(sn, ip, targets, expected):
    assert site_run.fortimanager_ready(site(ztp_fortimanager_sn=sn, ztp_fortimanager_ip=ip), targets) is expected


def test_an_ha_fortimanager_as_fortiztp_stores_it_is_ready():
    target = {"oid": 2, "sn": "FMG-VM0000000002,FMG-VM0000000003", "ip": "10.0.1.10,10.0.1.11", "scriptOid": None}
    wanted = site(ztp_fortimanager_sn=["FMG-VM0000000002", "FMG-VM0000000003"], ztp_fortimanager_ip=["10.0.1.10", "10.0.1.11"])
    assert site_run.fortimanager_ready(wanted, [target]) is True


def test_a_fortimanager_without_the_sites_script_is_not_ready():
    assert site_run.fortimanager_ready(site(ztp_fortiztp_script="fmg-preconfig"), [FMG]) is False


# --- generate_configs ----------------------------------------------------------------------------
def config_client(**kwargs):
    client = FakeBreakwater([manifest()], TEMPLATES, events=[
        {"id": "event_0", "event_type": "config_generated", "device_id": "device_1", "manifest_id": "manifest_123",
         "timestamp": "2026-02-01T10:00:00Z", "details": {}},  # an old generation: not this one
    ])
    for key, value in kwargs.items():
        setattr(client, key, value)
    return client


def test_generate_configs_waits_for_the_events(clock):
    client = config_client(config_polls=3, config_outcomes={
        "device_1": ("config_generated", {"template_id": "template_switch_basic"}),
        "device_2": ("config_generated", {"template_id": "template_switch_basic"})})
    lines = []
    generated, failures = site_run.generate_configs(client, manifest(), ["sw-01", "sw-02"], False, 60, 3,
                                                    on_poll=lines.append)
    assert [d["hostname"] for d in generated] == ["sw-01", "sw-02"]
    assert failures == []
    assert ("generate_configs", ("manifest_123", ["device_1", "device_2"]), {"force_regenerate": False}) in client.log
    # One listing before the request (the events seen already), then one per poll.
    assert client.calls["list_events"] == 4
    assert clock.sleeps == [3, 3]
    assert lines == ["configs: generated 0/2, failed 0, pending 2", "configs: generated 0/2, failed 0, pending 2",
                     "configs: generated 2/2, failed 0, pending 0"]


def test_a_config_failure_is_a_failure_with_code_and_variable(clock):
    client = config_client(config_outcomes={
        "device_1": ("config_generated", {"template_id": "template_switch_basic"}),
        "device_2": ("config_failed", {"template_id": "template_switch_basic", "code": "TEMPLATE_VARIABLE_MISSING",
                                       "message": "Variable vlan_list is not defined", "variable": "vlan_list"})})
    lines = []
    generated, failures = site_run.generate_configs(client, manifest(), ["sw-01", "sw-02"], True, 60, 3,
                                                    on_poll=lines.append)
    assert [d["hostname"] for d in generated] == ["sw-01"]
    assert failures == [{"id": "device_2", "hostname": "sw-02", "code": "TEMPLATE_VARIABLE_MISSING",
                         "message": "Variable vlan_list is not defined", "template_id": "template_switch_basic",
                         "variable": "vlan_list"}]
    assert lines == ["configs: generated 1/2, failed 1, pending 0"]
    assert client.log[1][2] == {"force_regenerate": True}


def test_skipped_devices_are_not_waited_for(clock):
    client = config_client(skip={"device_1": "config_current"},
                           config_outcomes={"device_2": ("config_generated", {})})
    generated, failures = site_run.generate_configs(client, manifest(), ["sw-01", "sw-02"], False, 60, 3)
    assert [d["hostname"] for d in generated] == ["sw-02"] and failures == []


def test_everything_skipped_returns_at_once(clock):
    client = config_client(skip={"device_1": "config_current"})
    assert site_run.generate_configs(client, manifest(), ["sw-01"], False, 60, 3) == ([], [])
    assert clock.sleeps == []


def test_generate_configs_for_no_known_host_calls_nothing():
    client = config_client()
    assert site_run.generate_configs(client, manifest(), ["sw-99"], False, 60, 3) == ([], [])
    assert site_run.generate_configs(client, manifest(), [], False, 60, 3) == ([], [])
    assert client.calls == {}


def test_generate_configs_asks_for_the_hosts_given_only():
    client = config_client(config_outcomes={"device_3": ("config_generated", {})})
    generated, _failures = site_run.generate_configs(client, manifest(), ["fw-01", "sw-99"], False, 0, 3)
    assert [d["hostname"] for d in generated] == ["fw-01"]
    assert client.log[1][1] == ("manifest_123", ["device_3"])


def test_generate_configs_timeout_names_the_pending_devices(clock):
    client = config_client(config_polls=100, config_outcomes={"device_2": ("config_generated", {})})
    with pytest.raises(TaskFailure) as caught:
        site_run.generate_configs(client, manifest(), ["sw-01", "sw-02"], False, 10, 3)
    assert caught.value.msg == "config generation: still waiting after 10 seconds: configs of sw-01, sw-02"
    assert caught.value.result == {"changed": True}
    assert clock.sleeps == [3, 3, 3, 1]  # never past the deadline


# --- configs.save_configs and missing_config_files (the module and the site share them) ----------------
def with_configs():
    return [device(1, "sw-01", status="config_generated"), device(2, "sw-02", status="online"),
            device(3, "fw-01", "fortigate_60f", serial="FGT60F0000000001")]


def test_save_configs_writes_through_the_given_function():
    client = FakeBreakwater([manifest()])
    client.configs = {"device_1": "hostname sw-01\n", "device_2": "hostname sw-02\n"}
    written = {}

    def write(path, content):
        written[path] = content
        return path.endswith("sw-01.cfg")  # sw-02's file was the same already

    entries = configs.save_configs(client, with_configs(), "/srv/intended/site_456/", "text", write, 16)
    assert entries == [
        {"id": "device_1", "hostname": "sw-01", "path": "/srv/intended/site_456/sw-01.cfg", "changed": True},
        {"id": "device_2", "hostname": "sw-02", "path": "/srv/intended/site_456/sw-02.cfg", "changed": False},
        {"id": "device_3", "hostname": "fw-01", "path": "/srv/intended/site_456/fw-01.cfg", "changed": False,
         "reason": "no config (status serial_registered)"}]
    assert written == {"/srv/intended/site_456/sw-01.cfg": b"hostname sw-01\n",
                       "/srv/intended/site_456/sw-02.cfg": b"hostname sw-02\n"}
    assert client.calls == {"get_device_config": 2}


def test_save_configs_as_json():
    client = FakeBreakwater([manifest()])
    client.configs = {"device_1": {"vlan": [10], "hostname": "sw-01"}}
    written = {}
    configs.save_configs(client, with_configs()[:1], "out", "json",
                         lambda path, content: written.setdefault(path, content) is not None, 4)
    assert list(written) == ["out/sw-01.json"]
    assert json.loads(written["out/sw-01.json"].decode("utf-8")) == {"hostname": "sw-01", "vlan": [10]}
    assert client.log == [("get_device_config", ("device_1",), {"format": "json"})]


def test_save_configs_of_no_device():
    client = FakeBreakwater([manifest()])
    assert configs.save_configs(client, [], "out", "text", lambda p, c: True, 4) == []
    assert client.calls == {}


def test_missing_config_files():
    devices = [device(1, "sw-01", status="online"), device(2, "sw-02", status="config_generated"),
               device(3, "sw-03", status="serial_registered"), device(4, "sw-04", status="failed"),
               device(5, "sw-05", status="config_failed"), device(6, "sw/06", status="deploying")]
    present = {"/dest/sw-01.cfg"}
    missing = configs.missing_config_files(devices, "/dest/", "text", present.__contains__)
    assert [d["hostname"] for d in missing] == ["sw-02", "sw-04", "sw/06"]
    as_json = configs.missing_config_files(devices[:1], "/dest", "json", {"/dest/sw-01.json"}.__contains__)
    assert as_json == []


def test_files_to_save_are_the_new_configs_and_the_missing_files():
    devices = [device(1, "sw-01", status="online"), device(2, "sw-02", status="config_generated"),
               device(3, "sw-03", status="serial_registered"), device(4, "sw-04", status="online")]
    present = {"/dest/sw-01.cfg", "/dest/sw-04.cfg"}
    chosen = configs.files_to_save(devices, "/dest", "text", present.__contains__, regenerated=["device_4"])
    assert [d["hostname"] for d in chosen] == ["sw-02", "sw-04"]  # sw-01's file is current; sw-03 holds none
    every = configs.files_to_save(devices, "/dest", "text", present.__contains__, save_all=True)
    assert [d["hostname"] for d in every] == ["sw-01", "sw-02", "sw-04"]


# --- wait_provisioned ------------------------------------------------------------------------------
SERIALS = ["FGT60F0000000001", "FGT60F0000000002"]


def test_wait_provisioned_polls_until_none_is_provisioning(clock):
    client = FakeFortiZTP([
        [record(SERIALS[0], sub_status="waiting"), record(SERIALS[1], sub_status="waiting")],
        [record(SERIALS[0]), record(SERIALS[1], sub_status="provisioning")],
        [record(SERIALS[0]), record(SERIALS[1], status="incomplete"), record("FGT60F0000009999")],
    ])
    lines = []
    records = site_run.wait_provisioned(client, SERIALS, 60, 10, on_poll=lines.append)
    assert sorted(records) == SERIALS
    assert records[SERIALS[1]]["provisionStatus"] == "incomplete"  # given up: the wait ends, the report says
    assert lines == ["fortiztp: provisioned 0/2, incomplete 0, provisioning 2",
                     "fortiztp: provisioned 1/2, incomplete 0, provisioning 1",
                     "fortiztp: provisioned 1/2, incomplete 1, provisioning 0"]
    assert clock.sleeps == [10, 10]
    assert client.calls == {"list_devices": 3}
    assert client.log[0] == ("list_devices", {"serials": SERIALS})


def test_wait_provisioned_done_at_once():
    client = FakeFortiZTP([[record(SERIALS[0])]])
    assert list(site_run.wait_provisioned(client, SERIALS[:1], 0, 10)) == SERIALS[:1]


def test_wait_provisioned_timeout_names_the_serials(clock):
    client = FakeFortiZTP([[record(SERIALS[0]), record(SERIALS[1], sub_status="waiting")]])
    with pytest.raises(TaskFailure) as caught:
        site_run.wait_provisioned(client, SERIALS, 25, 10)
    assert caught.value.msg == ("FortiZTP provisioning: still waiting after 25 seconds: FortiZTP still "
                                "provisioning FGT60F0000000002")
    assert caught.value.result == {"changed": True}
    assert clock.sleeps == [10, 10, 5]


# --- deploy ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("status, transitions", [
    ("draft", ["ready", "deploying"]),
    ("ready", ["deploying"]),
    ("deploying", []),  # already running: just wait for it
])
def test_deploy_walks_to_deploying(clock, status, transitions):
    client = FakeBreakwater([manifest(status=status)])
    if status == "deploying":
        client._deploy_due = 1
    final, failed = site_run.deploy(client, manifest(status=status), 60, 10)
    assert [args[1]["status"] for name, args, _kwargs in client.log if name == "update_manifest"] == transitions
    assert final["status"] == "deployed" and failed == []
    assert "list_events" not in client.calls


def test_deploy_waits_and_reports_progress(clock):
    client = FakeBreakwater([manifest()])
    client.deploy_polls = 3
    lines = []
    final, failed = site_run.deploy(client, manifest(), 60, 10, on_poll=lines.append)
    assert final["status"] == "deployed"
    assert lines == ["deployment: online 0/3, serial_registered 3", "deployment: online 0/3, serial_registered 3",
                     "deployment: online 3/3"]
    assert clock.sleeps == [10, 10]


def test_deploy_returns_the_devices_not_online_with_reasons(clock):
    client = FakeBreakwater([manifest()], events=[
        {"id": "event_1", "event_type": "device_failed", "device_id": "device_3", "manifest_id": "manifest_123",
         "timestamp": "2026-03-01T10:31:00Z", "details": {"reason": "ZTP_NOT_PROVISIONED"}}])
    client.deploy_result = ("ready", {"device_2": ("serial_registered", None), "device_3": ("failed", None)})
    final, failed = site_run.deploy(client, manifest(), 60, 10)
    assert final["status"] == "ready"
    assert failed == [
        {"id": "device_2", "hostname": "sw-02", "status": "serial_registered", "status_reason": "NOT_DEPLOYED",
         "serial_number": "FDO2401A002"},
        {"id": "device_3", "hostname": "fw-01", "status": "failed", "status_reason": "ZTP_NOT_PROVISIONED",
         "serial_number": "FGT60F0000000001"},
    ]
    assert client.calls["list_events"] == 1  # one call for every reason


def test_deploy_prefers_the_status_reason(clock):
    client = FakeBreakwater([manifest()])
    client.deploy_result = ("ready", {"device_3": ("failed", "BOOT_TIMEOUT")})
    _final, failed = site_run.deploy(client, manifest(), 60, 10)
    assert [(f["hostname"], f["status_reason"]) for f in failed] == [("fw-01", "BOOT_TIMEOUT")]
    assert "list_events" not in client.calls


def test_deploy_timeout(clock):
    client = FakeBreakwater([manifest()])
    client.deploy_polls = 100
    with pytest.raises(TaskFailure) as caught:
        site_run.deploy(client, manifest(), 30, 10)
    assert caught.value.msg == "deployment: still waiting after 30 seconds: manifest manifest_123 still deploying"
    assert caught.value.result == {"changed": True}


# --- in_parallel -----------------------------------------------------------------------------------
class Twinned(object):
    """A client with thread twins, as BreakwaterClient and FortiZTPClient have: counts calls per twin."""

    def __init__(self):
        self.calls, self.twins = 0, []

    def for_thread(self):
        twin = Twinned()
        self.twins.append(twin)
        return twin

    def add_calls(self, twin):
        self.calls += twin.calls

    def read(self, value):
        self.calls += 1
        if isinstance(value, Exception):
            raise value
        return value


def test_in_parallel_reads_with_a_twin_each_and_counts_every_call():
    client = Twinned()
    answers = site_run.in_parallel(client, lambda c: c.read("a"), None, lambda c: c.read("b"))
    assert answers == ["a", None, "b"]
    assert len(client.twins) == 2 and client.calls == 2


def test_in_parallel_raises_the_first_error_once_every_read_ended():
    client = Twinned()
    with pytest.raises(ApiError):
        site_run.in_parallel(client, lambda c: c.read(ApiError(500, "INTERNAL_ERROR", "boom")),
                             lambda c: c.read("b"))
    assert client.calls == 2  # both ran; the calls of both counted
