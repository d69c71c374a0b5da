"""breakwater.ztp.serial against a fake client: input errors, partial bulk failures, API errors."""
from __future__ import annotations

import copy

from ansible_collections.breakwater.ztp.plugins.module_utils.api_error import ApiError
from ansible_collections.breakwater.ztp.plugins.modules import serial
from ansible_collections.breakwater.ztp.tests.unit.helpers.modules import run_module

DEVICES = [
    {"id": "d1", "hostname": "sw-01", "serial_number": None, "status": "pending"},
    {"id": "d2", "hostname": "sw-02", "serial_number": None, "status": "pending"},
    {"id": "d3", "hostname": "sw-03", "serial_number": "FDO0000003", "status": "serial_registered"},
]


class FakeBreakwater(object):
    """One manifest; bulk items whose serial is in ``refuse`` fail; ``broken`` makes bulk calls raise."""

    def __init__(self, refuse=(), broken=False):
        self.devices = copy.deepcopy(DEVICES)
        self.refuse = set(refuse)
        self.broken = broken
        self.bulk_calls = []
        self.calls = 0

    def get_manifest(self, manifest_id):
        self.calls += 1
        return {"id": manifest_id, "devices": copy.deepcopy(self.devices)}

    def list_devices(self, **query):
        self.calls += 1
        return [dict(d, manifest_id="m1") for d in self.devices]

    def register_serial(self, device_id, serial_number, verification_method=None, operator_id=None):
        self.calls += 1
        return {"device_id": device_id, "serial_number": serial_number}

    def bulk_register_serials(self, manifest_id, serials, verification_method=None, operator_id=None):
        self.calls += 1
        self.bulk_calls.append(serials)
        if self.broken:
            raise ApiError(503, "HTTP_503", "unavailable", method="POST", path="/devices/bulk-serial", resource=manifest_id)
        return {"results": [
            {"device_id": s["device_id"], "status": "failed", "error": {"code": "SERIAL_ALREADY_REGISTERED", "message": "taken"}}
            if s["serial_number"] in self.refuse else {"device_id": s["device_id"], "status": "success"}
            for s in serials]}


def items(*pairs):
    return [{"hostname": h, "serial_number": s} for h, s in pairs]


def test_input_errors_fail_before_any_write_naming_each_item():
    client = FakeBreakwater()
    result = run_module(serial, {"manifest": "m1", "serials": items(("sw-01", "BAD-1"), ("sw-09", "FDO0000009"))}, client)
    assert result["failed"] and not result["changed"]
    assert result["msg"].startswith("2 problem(s) in the input, nothing was registered")
    assert [e["code"] for e in result["errors"]] == ["INVALID_SERIAL_NUMBER", "DEVICE_NOT_FOUND"]
    assert result["error"]["code"] == "INVALID_SERIAL_NUMBER" and result["error"]["details"]["index"] == 0
    assert client.bulk_calls == [] and result["api_calls"] == client.calls


def test_batch_size_below_one_names_the_option():
    result = run_module(serial, {"manifest": "m1", "serials": items(("sw-01", "FDO0000001")), "batch_size": 0},
                        FakeBreakwater())
    assert result["failed"] and result["field"] == "batch_size" and result["value"] == 0


def test_bulk_in_batches_with_a_refused_item_fails_with_every_result():
    client = FakeBreakwater(refuse={"FDO0000002"})
    result = run_module(serial, {"manifest": "m1", "batch_size": 1,
                                 "serials": items(("sw-01", "fdo0000001"), ("sw-02", "FDO0000002"))}, client)
    assert len(client.bulk_calls) == 2  # one call per batch of one
    assert result["failed"] and result["changed"]
    assert result["msg"].startswith("1 of 2 serial(s) failed: sw-02 (d2) FDO0000002: SERIAL_ALREADY_REGISTERED")
    assert result["summary"] == {"unchanged": 0, "registered": 1, "replaced": 0, "failed": 1}
    assert result["error"] == {"code": "SERIAL_ALREADY_REGISTERED", "message": "taken", "resource": "sw-02"}


def test_allow_partial_warns_instead_of_failing():
    warnings = []
    result = run_module(serial, {"manifest": "m1", "allow_partial": True,
                                 "serials": items(("sw-01", "FDO0000001"), ("sw-02", "FDO0000002"))},
                        FakeBreakwater(refuse={"FDO0000002"}), warnings=warnings)
    assert not result.get("failed") and result["changed"]
    assert len(warnings) == 1 and "sw-02" in warnings[0]


def test_an_api_error_keeps_the_results_so_far():
    client = FakeBreakwater(broken=True)
    result = run_module(serial, {"manifest": "m1", "serials": items(("sw-01", "FDO0000001"))}, client)
    assert result["failed"] and result["error"]["code"] == "HTTP_503"
    assert [r["status"] for r in result["results"]] == ["failed"]
    assert result["results"][0]["error"]["code"] == "NOT_ATTEMPTED"


def test_check_mode_predicts_and_writes_nothing():
    client = FakeBreakwater()
    result = run_module(serial, {"manifest": "m1", "serials": items(("sw-03", "FDO0000003"), ("sw-01", "FDO0000001"))},
                        client, check_mode=True)
    assert result["changed"] and result["summary"]["registered"] == 1 and result["summary"]["unchanged"] == 1
    assert client.bulk_calls == []
    assert "sw-01 (d1) FDO0000001" in result["diff"]["after"]
