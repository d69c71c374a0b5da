"""The fault matrix (issue 13): 5xx bursts, connection resets on reads and on each POST, 429 with
Retry-After, latency above the timeout, token revocation mid-run.

Scenarios whose faults hit different requests share one faulted run (FAULTED_RUNS): a module-level
rollout of Floor A (tests/integration/fortiztp/faults.yml) with their faults injected, which
completes, or fails with a clear message (an API code, no traceback), and in which every fault
fired. Then a plain rerun without faults completes, and the lab shows no duplicated write (one
manifest Floor C, one serial event and one config per device) and every serial intact. Sharing a
run keeps every scenario and its checks at a third of the runs (each costs ~20 CPU-seconds).
"""
from __future__ import annotations

import fnmatch
import json

import pytest

from ansible_collections.breakwater.ztp.plugins.module_utils.health import assess_services, outage_problems
from tests.helpers.ansible import REPO, run_playbook

PLAYBOOK = REPO / "tests" / "integration" / "fortiztp" / "faults.yml"
FLOOR_A = {
    "device_001": "FGT60FTK20000001", "device_002": "FDO2401A001", "device_003": "FDO2401A002",
    "device_004": "FDO2401A003", "device_005": "FDO2401A004", "device_006": "FP231FTF20000001",
    "device_007": "FP231FTF20000002",
}
SERIALS = [{"device_id": device, "serial_number": serial} for device, serial in FLOOR_A.items()]
BW = "/api/v1/ztp"
FZ = "/public/api/v2"

# name -> (faults, extra vars, must the faulted run complete?)
SCENARIOS = {
    # Issue 18: a create the service may have processed is read back, then sent again or taken as done.
    "two 503s on POST /manifests": ([
        dict(path=BW + "/manifests", method="POST", status=503, count=2),
    ], {}, True),
    "slow answer on POST /manifests after it was processed": ([
        dict(path=BW + "/manifests", method="POST", status=None, latency_ms=2600, after=True, count=1),
    ], {}, True),
    "503 on POST /manifests after it was processed": ([
        dict(path=BW + "/manifests", method="POST", status=503, after=True, count=1),
    ], {}, True),
    "5xx burst on reads": ([
        dict(path=BW + "/manifests/*", method="GET", status=503, count=3),
        dict(path=FZ + "/devices*", method="GET", status=502, count=2),
    ], {}, True),
    "connection resets on reads": ([
        dict(path=BW + "/*", method="GET", reset_connection=True, count=2),
        dict(path=FZ + "/devices*", method="GET", reset_connection=True, count=1),
    ], {}, True),
    "reset on bulk-serial before it is processed": ([
        dict(path=BW + "/devices/bulk-serial", method="POST", reset_connection=True, count=1),
    ], {}, True),
    "503 on bulk-serial after it was processed": ([
        dict(path=BW + "/devices/bulk-serial", method="POST", status=503, after=True, count=1),
    ], {}, True),
    "reset on generate-configs after it was processed": ([
        dict(path=BW + "/manifests/*/generate-configs", method="POST", reset_connection=True, after=True, count=1),
    ], {}, True),
    "503 burst on generate-configs": ([
        dict(path=BW + "/manifests/*/generate-configs", method="POST", status=503, count=2),
    ], {}, True),
    "reset on the FortiZTP PUT after it was processed": ([
        dict(path=FZ + "/devices*", method="PUT", reset_connection=True, after=True, count=1),
    ], {}, True),
    "reset on the OAuth login POST": ([
        dict(path="/api/v1/oauth/token/", method="POST", reset_connection=True, count=1),
    ], {}, True),
    # A script POST is not repeated blindly (names are unique, the oid is the server's): the script
    # is read back by name and the lost answer taken as done.
    "reset on the FortiZTP script POST after it was processed": ([
        dict(path=FZ + "/setting/scripts", method="POST", reset_connection=True, after=True, count=1),
    ], {}, True),
    "429 with Retry-After": ([
        dict(path=BW + "/devices/bulk-serial", method="POST", status=429, retry_after=1, count=1),
        dict(path=FZ + "/devices*", status=429, retry_after=1, count=2),
    ], {}, True),
    "latency above the timeout on reads": ([
        dict(path=BW + "/manifests/*", method="GET", status=None, latency_ms=2600, count=1),
        dict(path=FZ + "/devices*", method="GET", status=None, latency_ms=2600, count=1),
    ], {}, True),
    "token revocation mid-run": ([], {"revoke_mid_run": True}, True),
}


# The faulted runs: scenarios whose faults hit different requests (a fault on a path and method is
# never beside another on the same), so that each fault meets the request it was written for.
FAULTED_RUNS = {
    "first try of each write lost": [
        "two 503s on POST /manifests", "reset on bulk-serial before it is processed",
        "reset on generate-configs after it was processed", "reset on the FortiZTP PUT after it was processed",
        "reset on the OAuth login POST", "reset on the FortiZTP script POST after it was processed"],
    "writes answered late or not at all, 5xx on reads": [
        "slow answer on POST /manifests after it was processed", "503 on bulk-serial after it was processed",
        "503 burst on generate-configs", "5xx burst on reads"],
    "manifest POST 503 after processing, resets on reads": [
        "503 on POST /manifests after it was processed", "connection resets on reads"],
    "429 with Retry-After, token revocation": ["429 with Retry-After", "token revocation mid-run"],
    "latency above the timeout": ["latency above the timeout on reads"],
}


def run(lab, tmp_path, extra):
    return run_playbook(lab, PLAYBOOK, extra_vars=dict(extra, floor_a_serials=SERIALS),
                        token_cache_dir=str(tmp_path / "tokens"))


def failures(result_run):
    return [r for r in result_run.records if r["status"] == "failed"]


def assert_clear(result_run):
    """Completed, or failed with a message holding an API code, never a traceback."""
    assert "Traceback" not in result_run.output and "MODULE FAILURE" not in result_run.output, result_run.output[-3000:]
    for record in failures(result_run):
        result = record["result"]
        assert (result.get("error") or {}).get("code") or result.get("field"), json.dumps(result)[:1500]


def assert_converged(lab):
    """Every serial intact and no duplicated write: one serial event and one config per device."""
    state = lab.state()
    devices = dict((d["id"], d) for d in state["devices"] if d["manifest_id"] == "manifest_123")
    assert dict((i, devices[i]["serial_number"]) for i in FLOOR_A) == FLOOR_A
    assert all(devices[i]["status"] == "config_generated" for i in FLOOR_A), devices
    events = state["events"]
    for kind in ("serial_replaced", "config_generated"):
        per_device = [e["device_id"] for e in events if e["event_type"] == kind]
        assert sorted(per_device) == sorted(FLOOR_A), (kind, per_device)
    floor_c = [m for m in state["manifests"] if m["name"] == "Floor C" and m["site_id"] == "site-faults"]
    assert len(floor_c) == 1 and floor_c[0]["status"] == "ready", floor_c
    scripts = [s for s in state["fortiztp"]["scripts"] if s["name"] == "floor-a-baseline"]
    assert len(scripts) == 1, state["fortiztp"]["scripts"]
    fortigate = [d for d in state["fortiztp"]["devices"] if d["deviceSN"] == "FGT60FTK20000001"][0]
    assert fortigate["provisionStatus"] != "unprovisioned" and fortigate["fortiManagerOid"] == 1, fortigate


def test_every_scenario_has_one_faulted_run_and_no_two_faults_meet_one_request():
    grouped = [name for names in FAULTED_RUNS.values() for name in names]
    assert sorted(grouped) == sorted(SCENARIOS), "each scenario in exactly one faulted run"
    for names in FAULTED_RUNS.values():
        targets = [(fault["path"], fault.get("method", "*")) for name in names for fault in SCENARIOS[name][0]]
        for index, (path, method) in enumerate(targets):
            for other_path, other_method in targets[index + 1:]:
                same_method = "*" in (method, other_method) or method == other_method
                assert not (same_method and (fnmatch.fnmatch(path, other_path) or fnmatch.fnmatch(other_path, path))), (
                    names, path, other_path)


@pytest.mark.slow
@pytest.mark.parametrize("faulted_run", list(FAULTED_RUNS), ids=[s.replace(" ", "_") for s in FAULTED_RUNS])
def test_fault_then_plain_rerun_converges(lab, tmp_path, faulted_run):
    scenarios = FAULTED_RUNS[faulted_run]
    extra, completes = {}, True
    for scenario in scenarios:
        faults, scenario_extra, scenario_completes = SCENARIOS[scenario]
        for fault in faults:
            lab.fault(**fault)
        extra.update(scenario_extra)
        completes = completes and scenario_completes
    faulted = run(lab, tmp_path, extra)
    assert_clear(faulted)
    if completes:
        assert faulted.rc == 0, faulted.output[-3000:]
    else:
        assert faulted.rc != 0 and failures(faulted), "the fault was expected to stop the run"
    silent = [f for f in lab._lab("GET", "/faults").json()["faults"] if not f["hits"]]
    assert not silent, "a fault never fired: %s" % silent
    lab.clear_faults()

    lab.reset_counters()
    rerun = run(lab, tmp_path, {})
    assert rerun.rc == 0, rerun.output[-3000:]
    assert_clear(rerun)
    if faulted.rc == 0:
        # The faulted run did everything: the rerun writes nothing.
        assert rerun.recap["localhost"]["changed"] == 0, rerun.changed_tasks
        assert lab.counters()["writes"] == 0, lab.counters()["by_route"]
    assert_converged(lab)


def test_outage_status_is_named_by_health(lab):
    """The lab's outage controls, read the way the rollout's preflight reads them (health.py)."""
    def answers():
        return lab.bw("GET", "/status").json(), lab.fz("GET", "/system").json()

    assert assess_services(*answers()) == ([], [])
    lab.settings(service_status="Major outage", breakwater_system_status="maintenance")
    problems = outage_problems(*answers())
    assert problems == [
        "Breakwater ZTP reports system_status 'maintenance': the service has an outage, so nothing is written",
        "FortiZTP reports serviceStatus 'Major outage': the service has an outage, so nothing is written",
    ]
    lab.settings(service_status="Degraded performance", breakwater_system_status="operational")
    problems, warnings = assess_services(*answers())
    assert problems == [] and warnings == ["FortiZTP reports serviceStatus 'Degraded performance': the rollout may be slow"]
    assert lab.counters()["writes"] == 0
