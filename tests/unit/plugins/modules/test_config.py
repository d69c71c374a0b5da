"""breakwater.ztp.config against a fake client: generation, waits, failures, downloads per thread."""
from __future__ import annotations

import copy
import threading

from ansible_collections.breakwater.ztp.plugins.modules import config
from ansible_collections.breakwater.ztp.tests.unit.helpers.modules import run_module

DEVICES = [
    {"id": "d1", "hostname": "sw-01", "serial_number": "FDO0000001", "status": "serial_registered",
     "config_template": "template_switch"},
    {"id": "d2", "hostname": "sw-02", "serial_number": "FDO0000002", "status": "serial_registered",
     "config_template": "template_switch"},
    {"id": "d3", "hostname": "ap-01", "serial_number": None, "status": "pending"},
]


class FakeBreakwater(object):
    """Generation ends at once: devices in ``broken`` fail on variable radius_secret, others succeed."""

    def __init__(self, broken=(), generate=True):
        self.devices = copy.deepcopy(DEVICES)
        self.events = [{"id": 1, "event_type": "manifest_created"}]
        self.broken = set(broken)
        self.generate = generate
        self.jobs = []
        self.threads = set()
        self.calls = 0
        self.twins = 0

    def get_manifest(self, manifest_id):
        self.calls += 1
        return {"id": manifest_id, "devices": copy.deepcopy(self.devices)}

    def list_events(self, manifest_id=None, **query):
        self.calls += 1
        return list(self.events)

    def generate_configs(self, manifest_id, device_ids=None, force_regenerate=False):
        self.calls += 1
        self.jobs.append(device_ids)
        for device in self.devices:
            if device["id"] in device_ids and self.generate:
                failed = device["id"] in self.broken
                device["status"] = "config_failed" if failed else "config_generated"
                details = {"code": "CONFIG_GENERATION_FAILED", "message": "no value for radius_secret",
                           "variable": "radius_secret"} if failed else {}
                self.events.append({"id": len(self.events) + 1, "device_id": device["id"], "details": details,
                                    "event_type": "config_failed" if failed else "config_generated"})
        return {"job_id": "job_1", "devices_queued": len(device_ids)}

    def get_device_config(self, device_id, format="text"):
        self.calls += 1
        self.threads.add(threading.get_ident())
        return {"content": "hostname %s\n" % device_id}

    def for_thread(self):
        self.twins += 1
        return self

    def add_calls(self, twin):
        pass  # the twin is this client: its calls are counted already


def test_generation_failure_fails_naming_device_template_and_variable():
    client = FakeBreakwater(broken={"d2"})
    result = run_module(config, {"manifest": "m1", "wait": True}, client)
    assert client.jobs == [["d1", "d2"]]
    assert result["failed"] and result["changed"]
    assert result["msg"] == ("Config generation failed on 1 of 2 device(s): sw-02 (d2): CONFIG_GENERATION_FAILED "
                             "no value for radius_secret")
    assert result["error"]["details"] == {"device_id": "d2", "template_id": "template_switch", "variable": "radius_secret"}
    assert result["not_queued"] == [{"id": "d3", "hostname": "ap-01", "status": "pending", "reason": "no_serial"}]
    assert result["api_calls"] == client.calls


def test_a_generation_that_does_not_end_fails_with_wait_timeout():
    client = FakeBreakwater(generate=False)
    result = run_module(config, {"manifest": "m1", "wait": True, "wait_timeout": 0}, client)
    assert result["failed"] and result["error"]["code"] == "WAIT_TIMEOUT"
    assert "d1, d2" in result["msg"]


def test_a_negative_wait_timeout_is_refused_naming_it():
    result = run_module(config, {"manifest": "m1", "wait": True, "wait_timeout": -5}, FakeBreakwater())
    assert result["failed"] and result["field"] == "wait_timeout" and result["value"] == -5


def test_saving_downloads_each_config_through_a_thread_client(tmp_path):
    client = FakeBreakwater()
    result = run_module(config, {"manifest": "m1", "dest": str(tmp_path), "max_workers": 2}, client)
    assert not result.get("failed") and result["changed"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sw-01.cfg", "sw-02.cfg"]
    assert (tmp_path / "sw-01.cfg").read_text() == "hostname d1\n"
    assert 1 <= client.twins <= 2 and threading.get_ident() not in client.threads
    again = run_module(config, {"manifest": "m1", "dest": str(tmp_path)}, client)
    assert not again["changed"] and client.jobs == [["d1", "d2"]]


def test_check_mode_queues_nothing():
    client = FakeBreakwater()
    result = run_module(config, {"manifest": "m1", "wait": True}, client, check_mode=True)
    assert result["changed"] and [d["id"] for d in result["queued"]] == ["d1", "d2"]
    assert client.jobs == []
