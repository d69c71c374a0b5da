"""breakwater.ztp.fortiztp_device against a fake client: unknown serials, rejections, waits, API errors."""
from __future__ import annotations

import copy

import pytest

from ansible_collections.breakwater.ztp.plugins.module_utils.api_error import ApiError
from ansible_collections.breakwater.ztp.plugins.module_utils.fortiztp_devices import DEVICE_FIELDS
from ansible_collections.breakwater.ztp.plugins.modules import fortiztp_device
from ansible_collections.breakwater.ztp.plugins.plugin_utils.site_action import InProcessModule, module_validator
from ansible_collections.breakwater.ztp.tests.unit.helpers.modules import FORTIZTP_ARGS, run_module


def record(serial, **fields):
    found = dict.fromkeys(DEVICE_FIELDS)
    found.update(deviceSN=serial, deviceType="FortiGate", provisionStatus="unprovisioned")
    found.update(fields)
    return found


class FakeFortiZTP(object):
    """Devices by serial. A bulk PUT naming a serial in ``reject`` is refused whole (400, naming it);
    ``settles`` False leaves provisioned devices waiting; ``status`` makes every bulk PUT fail so."""

    def __init__(self, serials=("FGT1", "FGT2"), reject=(), settles=True, status=None):
        self.devices = dict((s, record(s)) for s in serials)
        self.reject = set(reject)
        self.settles = settles
        self.status = status
        self.puts = []
        self.calls = 0

    def list_devices(self, serials=None, **query):
        self.calls += 1
        return [copy.deepcopy(d) for s, d in sorted(self.devices.items()) if serials is None or s in serials]

    def bulk_update_devices(self, bodies):
        self.calls += 1
        self.puts.append([b["deviceSN"] for b in bodies])
        if self.status:
            raise ApiError(self.status, "HTTP_%d" % self.status, "server error", method="PUT", path="/devices")
        bad = [b["deviceSN"] for b in bodies if b["deviceSN"] in self.reject]
        if bad:
            raise ApiError(400, "invalid_request", "Device %s doesn't exist in this account" % bad[0],
                           method="PUT", path="/devices")
        for body in bodies:
            self.devices[body["deviceSN"]].update(body)
            if body["provisionStatus"] == "provisioned":
                self.devices[body["deviceSN"]]["provisionSubStatus"] = None if self.settles else "waiting"

    def list_fortimanagers(self):
        self.calls += 1
        return []

    def list_scripts(self):
        self.calls += 1
        return []


TARGET = {"target": "FortiGateCloud", "region": "europe"}


def run(client, check_mode=False, **args):
    return run_module(fortiztp_device, dict(TARGET, **args), client, client_class="FortiZTPClient", check_mode=check_mode)


def test_unknown_serials_fail_before_any_write():
    client = FakeFortiZTP()
    result = run(client, devices=["FGT1", "FGT9"])
    assert result["failed"] and result["unknown_serials"] == ["FGT9"]
    assert result["msg"] == "FortiZTP does not know 1 serial number(s): FGT9; nothing was changed"
    assert client.puts == [] and result["api_calls"] == client.calls


def test_input_error_names_the_option_and_keeps_the_result_keys():
    result = run(FakeFortiZTP(), serial="FGT1", target="FortiGateCloud", region=None)
    assert result["failed"] and result["field"] == "region" and result["value"] is None
    assert result["devices"] == [] and result["changed_devices"] == []


def test_provision_in_chunks_then_nothing_to_do():
    client = FakeFortiZTP(serials=("FGT1", "FGT2", "FGT3"))
    result = run(client, devices=["FGT1", "FGT2", "FGT3"], chunk_size=2)
    assert client.puts == [["FGT1", "FGT2"], ["FGT3"]]
    assert result["changed"] and result["changed_devices"] == ["FGT1", "FGT2", "FGT3"]
    assert result["diff"]["after"]["FGT1"]["region"] == "europe"
    again = run(client, devices=["FGT1", "FGT2", "FGT3"])
    assert not again["changed"] and len(client.puts) == 2


def test_check_mode_predicts_and_writes_nothing():
    client = FakeFortiZTP()
    result = run(client, check_mode=True, serial="FGT1")
    assert result["changed"] and result["devices"][0]["provisionStatus"] == "provisioned"
    assert client.puts == []


def test_a_rejected_device_fails_and_the_others_are_retried_once():
    client = FakeFortiZTP(reject={"FGT2"})
    result = run(client, devices=["FGT1", "FGT2"])
    assert client.puts == [["FGT1", "FGT2"], ["FGT1"]]
    assert result["failed"] and result["changed_devices"] == ["FGT1"]
    assert [(d["serial"], d["status"]) for d in result["failed_devices"]] == [("FGT2", 400)]
    assert result["msg"].startswith("1 device(s) were not provisioned: FGT2: Device FGT2")


def test_allow_partial_failure_reports_without_failing():
    result = run(FakeFortiZTP(reject={"FGT2"}), devices=["FGT1", "FGT2"], allow_partial_failure=True)
    assert not result.get("failed") and result["failed_devices"][0]["serial"] == "FGT2"


@pytest.mark.parametrize("wait_timeout, listings", [(0, 0), (1, 1), (25, 3)])
def test_devices_still_waiting_at_the_timeout_fail_as_pending(wait_timeout, listings, monkeypatch):
    now, naps = [0.0], []

    def nap(seconds):
        naps.append(seconds)
        now[0] += seconds

    polling = "ansible_collections.breakwater.ztp.plugins.module_utils.polling"
    monkeypatch.setattr(polling + ".monotonic", lambda: now[0])
    monkeypatch.setattr(polling + ".sleep", nap)
    client = FakeFortiZTP(settles=False)
    result = run(client, serial="FGT1", wait=True, wait_timeout=wait_timeout, poll_interval=10)
    assert result["failed"] and result["pending_devices"] == [
        {"serial": "FGT1", "status": "provisioned", "sub_status": "waiting", "message": None}]
    assert result["msg"] == "1 device(s) were still being provisioned after %d seconds: FGT1 (waiting)" % wait_timeout
    assert sum(naps) == wait_timeout and all(n <= 10 for n in naps)  # the last poll is at the deadline
    assert client.calls == 3 + listings  # listing, bulk PUT, read-back, then one listing per poll


def test_a_wait_on_settled_devices_makes_no_extra_listing():
    client = FakeFortiZTP()
    result = run(client, serial="FGT1", wait=True, wait_timeout=0)
    assert not result.get("failed") and result["pending_devices"] == []
    assert client.calls == 3  # listing, bulk PUT, read-back


def test_a_negative_wait_timeout_is_refused_naming_it():
    result = run(FakeFortiZTP(), serial="FGT1", wait=True, wait_timeout=-1)
    assert result["failed"] and result["field"] == "wait_timeout"


def test_a_server_error_fails_with_the_api_error_and_the_partial_result():
    client = FakeFortiZTP(status=500)
    result = run(client, serial="FGT1")
    assert result["failed"] and result["error"]["code"] == "HTTP_500"
    assert result["changed_devices"] == ["FGT1"] and result["api_calls"] == client.calls


def in_process(client, args, known):
    """The module's task as the site plugins run it (InProcessModule), told what their plan read."""
    return InProcessModule(module_validator("fortiztp_device"), dict(FORTIZTP_ARGS, **args)).run(
        lambda params: client, lambda module: fortiztp_device.task(module, known=known))


def test_what_the_caller_read_is_not_read_again_and_the_result_is_the_same():
    """The site plugins pass what their plan read (records, targets): the module then lists nothing before its
    bulk PUT, and answers as if it had read them itself."""
    fmg = {"oid": 7, "sn": "FMG-VM0000000001", "ip": "10.0.0.1"}

    class WithTarget(FakeFortiZTP):
        def list_fortimanagers(self):
            self.calls += 1
            return [fmg]

    args = dict(devices=["FGT1", "FGT2"], target="FortiManager", fortimanager="FMG-VM0000000001")
    reading, told = WithTarget(), WithTarget()
    expected = in_process(reading, args, None)
    known = {"devices": dict((s, copy.deepcopy(d)) for s, d in told.devices.items()), "fortimanagers": [fmg]}
    result = in_process(told, args, known)
    assert told.puts == reading.puts == [["FGT1", "FGT2"]]
    assert told.calls == reading.calls - 2 == 2  # the bulk PUT and the read-back; no listing of devices or targets
    assert (result.pop("api_calls"), expected.pop("api_calls")) == (2, 4)
    assert result == expected and result["changed_devices"] == ["FGT1", "FGT2"]


def test_a_serial_the_caller_did_not_read_makes_the_module_list_them_all():
    client = FakeFortiZTP()
    result = in_process(client, {"devices": ["FGT1", "FGT2"], "target": "FortiGateCloud", "region": "europe"},
                        {"devices": {"FGT1": record("FGT1")}})
    assert result["changed"] and client.calls == 3  # listing (FGT2 was not known), bulk PUT, read-back
