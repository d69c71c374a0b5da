"""Control plane: faults, counters, settings, reset, time, fixtures, synthetic sites, CLI."""
import json
import os
import subprocess
import sys
import time

import pytest
import requests

from tests.helpers.lab import LAB_DIR, start_lab, stop


def test_fault_status_count_and_envelopes(lab):
    fault_id = lab.fault(path="/api/v1/ztp/manifests*", status=503, count=2)
    for _attempt in range(2):
        resp = lab.bw("GET", "/manifests")
        assert resp.status_code == 503
        assert resp.json()["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert lab.bw("GET", "/manifests").status_code == 200
    faults = requests.get(lab.url + "/_lab/faults", timeout=5).json()["faults"]
    assert faults[0]["id"] == fault_id and faults[0]["hits"] == 2
    lab.fault(path="/public/api/v2/*", method="GET", status=500)
    resp = lab.fz("GET", "/system")
    assert resp.status_code == 500 and resp.json()["error"] == "server_error"
    lab.clear_faults()
    assert lab.fz("GET", "/system").status_code == 200


def test_fault_429_retry_after_and_custom_body(lab):
    lab.fault(path="/api/v1/ztp/status", status=429, retry_after=7, count=1)
    resp = lab.bw("GET", "/status")
    assert resp.status_code == 429 and resp.headers["Retry-After"] == "7"
    assert resp.json()["error"]["code"] == "RATE_LIMITED"
    lab.fault(path="/api/v1/ztp/status", status=502, body={"oops": True}, count=1)
    assert lab.bw("GET", "/status").json() == {"oops": True}


def test_fault_method_rate_and_delete(lab):
    fault_id = lab.fault(path="/api/v1/ztp/manifests", method="post", status=500)
    assert lab.bw("GET", "/manifests").status_code == 200
    assert lab.bw("POST", "/manifests", json={"name": "x", "site_id": "s"}).status_code == 500
    requests.delete(f"{lab.url}/_lab/faults/{fault_id}", timeout=5).raise_for_status()
    assert requests.delete(f"{lab.url}/_lab/faults/{fault_id}", timeout=5).status_code == 404
    lab.fault(path="/api/v1/ztp/templates", status=503, rate=0.5)
    statuses = [lab.bw("GET", "/templates").status_code for _attempt in range(40)]
    assert 5 < statuses.count(503) < 35


def test_fault_latency_only(lab):
    lab.fault(path="/api/v1/ztp/status", status=None, latency_ms=300)
    start = time.monotonic()
    assert lab.bw("GET", "/status").status_code == 200
    assert time.monotonic() - start >= 0.3


def test_fault_reset_connection(lab):
    lab.fault(path="/api/v1/ztp/status", reset_connection=True, count=1)
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(lab.breakwater_url + "/status", timeout=5,
                     headers={"Authorization": f"Bearer {lab.breakwater_token}"})
    assert lab.bw("GET", "/status").status_code == 200


def test_counters(lab):
    lab.reset_counters()
    lab.bw("GET", "/manifests/manifest_123")
    lab.bw("GET", "/manifests/nope")
    lab.bw("PUT", "/manifests/manifest_123", json={"name": "n"})
    lab.bw("GET", "/status", token="bad")
    lab.fault(path="/api/v1/ztp/templates", status=503, count=1)
    lab.bw("GET", "/templates")
    lab.fz("GET", "/system")
    lab.state()  # the control plane is not counted
    counters = lab.counters()
    assert counters["total"] == 7  # includes the OAuth login
    assert counters["writes"] == 1 and counters["logins"] == 1
    assert counters["by_method"] == {"GET": 5, "PUT": 1, "POST": 1}
    assert counters["by_route"]["GET /api/v1/ztp/manifests/{manifest_id}"] == 2
    assert counters["by_route"]["PUT /api/v1/ztp/manifests/{manifest_id}"] == 1
    assert counters["by_route"]["GET /api/v1/ztp/templates"] == 1
    assert counters["by_route"]["POST /api/v1/oauth/token/"] == 1
    assert counters["by_status"] == {"200": 4, "404": 1, "401": 1, "503": 1}
    assert counters["unauthorized"] == 1
    lab.reset_counters()
    assert lab.counters()["total"] == 0


def test_settings_validation_and_reset(lab):
    settings = lab.settings()
    assert settings["speed"] == 60 and settings["fortiztp_list_key"] == "data"
    assert lab.settings(boot_seconds=5)["boot_seconds"] == 5
    for bad in ({"speed": "fast"}, {"nope": 1}, {"fortiztp_put_status": 201},
                {"single_token": 1}, {"boot_seconds": -1}):
        assert requests.put(lab.url + "/_lab/settings", json=bad, timeout=5).status_code == 400
    lab.bw("DELETE", "/manifests/manifest_123")
    lab.fault(path="*", status=500)
    lab.reset()
    assert lab.settings()["boot_seconds"] == 60
    assert lab.bw("GET", "/manifests/manifest_123").status_code == 200
    lab.reset(fixtures="none")
    assert lab.bw("GET", "/manifests").json()["total"] == 0
    assert lab.fz("GET", "/devices").json()["total"] == 0


def test_extra_fixtures_online_switch_and_state(lab):
    lab.load_fixtures("fortiztp_spares")
    assert lab.fz("GET", "/devices/FX201ETK20000001").json()["deviceType"] == "FortiExtender"
    assert requests.post(lab.url + "/_lab/fixtures", json={"name": "nope"},
                         timeout=5).status_code == 400
    assert requests.put(lab.url + "/_lab/fortiztp/devices/NOPE", json={"online": False},
                        timeout=5).status_code == 400
    state = lab.state()
    assert {"manifests", "devices", "events", "fortiztp", "settings", "sim_time"} <= set(state)
    assert "helm_topology_789" in state["topologies"]


def test_speed_and_advance(lab):
    lab.settings(speed=0)
    before = lab.fz("GET", "/system").json()["serverTime"]
    time.sleep(1.1)
    assert lab.fz("GET", "/system").json()["serverTime"] == before
    lab.advance(3600)
    assert lab.fz("GET", "/system").json()["serverTime"] != before


def test_synthetic_10k(lab):
    start = time.monotonic()
    manifest_id = lab.synthetic(10_000, name="Big site", site_id="site_big")
    loaded = time.monotonic() - start
    start = time.monotonic()
    devices = lab.bw("GET", "/devices", params={"manifest_id": manifest_id}).json()["devices"]
    listed = time.monotonic() - start
    assert len(devices) == 10_000 and loaded < 5 and listed < 3, (loaded, listed)
    fortigates = [d for d in devices if d["device_type"] == "fortigate_60f"]
    assert len(fortigates) == 500
    assert lab.fz("GET", f"/devices/{fortigates[0]['serial_number']}").status_code == 200
    manifest = lab.bw("GET", f"/manifests/{manifest_id}").json()
    assert manifest["status"] == "ready" and manifest["site_id"] == "site_big"
    assert manifest["topology_source"] == "helm_topology_synthetic_10000"


def test_reset_with_synthetic(lab):
    lab.reset(synthetic=50)
    assert lab.bw("GET", "/manifests").json()["total"] == 3


def test_synthetic_sites_200_by_25_at_once(lab):
    start = time.monotonic()
    sites = lab.synthetic_sites(200, 25)
    loaded = time.monotonic() - start
    assert len(sites) == 200 and loaded < 2, loaded
    assert len({s["site_id"] for s in sites}) == len({s["name"] for s in sites}) == 200
    hostnames = [d["hostname"] for s in sites for d in s["devices"]]
    serials = [d["serial_number"] for s in sites for d in s["devices"]]
    assert len(set(hostnames)) == len(set(serials)) == 5000
    manifests = lab.bw("GET", "/manifests", params={"limit": 500}).json()
    assert manifests["total"] == 2 + 200  # the default fixtures' two, then one per site
    last = sites[-1]
    manifest = lab.bw("GET", f"/manifests/{last['manifest_id']}").json()
    assert (manifest["status"], manifest["site_id"], manifest["name"], manifest["topology_source"]) == (
        "ready", last["site_id"], last["name"], last["topology_source"])
    assert [(d["hostname"], d["serial_number"], d["device_type"], d["status"]) for d in manifest["devices"]] == [
        (d["hostname"], d["serial_number"], d["device_type"], "serial_registered") for d in last["devices"]]
    fortigates = [d for d in last["devices"] if d["device_type"] == "fortigate_60f"]
    assert len(fortigates) == 2  # every 20th device
    assert lab.fz("GET", f"/devices/{fortigates[1]['serial_number']}").json()["provisionStatus"] == \
        "unprovisioned"


def test_synthetic_sites_without_manifests_are_new_sites(lab):
    lab.reset(fixtures="none")
    sites = lab.synthetic_sites(3, 4, manifests=False)
    assert [s["manifest_id"] for s in sites] == [None, None, None]
    assert lab.bw("GET", "/manifests").json()["total"] == 0
    site = sites[1]
    resp = lab.bw("POST", "/manifests", json={"name": site["name"], "site_id": site["site_id"],
                                              "topology_source": site["topology_source"]})
    assert resp.status_code == 201, resp.text
    devices = lab.bw("GET", f"/manifests/{resp.json()['id']}").json()["devices"]
    assert [(d["hostname"], d["device_type"], d["serial_number"]) for d in devices] == [
        (d["hostname"], d["device_type"], None) for d in site["devices"]]
    assert lab.fz("GET", f"/devices/{site['devices'][0]['serial_number']}").status_code == 200


def test_synthetic_sites_refuses_too_many_and_unknown_fields(lab):
    for body in ({"sites": 1000, "devices": 201}, {"sites": 0, "devices": 5},
                 {"sites": 2, "devices": 5, "site_id": "x"}):
        resp = requests.post(lab.url + "/_lab/synthetic-sites", json=body, timeout=5)
        assert resp.status_code == 400, (body, resp.text)
    assert lab.bw("GET", "/manifests").json()["total"] == 2


def test_openapi_command_and_endpoint(lab):
    env = {**os.environ, "PYTHONPATH": str(LAB_DIR)}
    out = subprocess.run([sys.executable, "-m", "ztplab", "openapi"], env=env, check=True,
                         capture_output=True, text=True).stdout
    spec = json.loads(out)
    operations = sum(len(ops) for path, ops in spec["paths"].items()
                     if path.startswith("/public/api/v2"))
    assert operations == 18
    assert "/api/v1/ztp/manifests/{manifest_id}/cable-schedule.pdf" in spec["paths"]
    assert requests.get(lab.url + "/openapi.json", timeout=5).json()["paths"].keys() == \
        spec["paths"].keys()


def test_cli_start_options():
    # How fast the lab starts is measured by tests/bench/bench_lab.py, not asserted here.
    lab, proc = start_lab(["--fixtures", "none", "--fortiztp-list-key", "devices",
                           "--breakwater-token", "other-token"])
    try:
        assert lab.url.startswith("http://127.0.0.1:")
        assert lab.bw("GET", "/manifests", token="other-token").json()["total"] == 0
        assert "devices" in lab.fz("GET", "/devices").json()
    finally:
        stop(proc)


def test_breakwater_system_status_setting(lab):
    assert lab.bw("GET", "/status").json()["system_status"] == "operational"
    lab.settings(breakwater_system_status="maintenance")
    assert lab.bw("GET", "/status").json()["system_status"] == "maintenance"
    lab.reset()
    assert lab.bw("GET", "/status").json()["system_status"] == "operational"


def test_a_fault_after_processing_keeps_the_write_and_loses_the_answer(lab):
    lab.fault(path="/api/v1/ztp/devices/device_002/serial", method="POST", status=503, after=True, count=1)
    answer = lab.bw("POST", "/devices/device_002/serial", json={"serial_number": "FDO2401A001"})
    assert answer.status_code == 503
    assert lab.bw("GET", "/devices", params={"search": "sw-prod-01"}).json()["devices"][0]["serial_number"] == "FDO2401A001"
    lab.fault(path="/api/v1/ztp/devices/device_003/serial", method="POST", reset_connection=True, after=True, count=1)
    with pytest.raises(requests.exceptions.ConnectionError):
        lab.bw("POST", "/devices/device_003/serial", json={"serial_number": "FDO2401A002"})
    assert lab.bw("GET", "/devices", params={"search": "sw-prod-02"}).json()["devices"][0]["serial_number"] == "FDO2401A002"


def test_kept_alive_connection_answers_without_a_delayed_ack_stall(lab):
    # Without TCP_NODELAY on the lab's accepted sockets each kept-alive request waits ~40 ms
    # for the client's delayed ACK: 40 requests then take about 1.8 s, every time. The bound is
    # loose (25 ms a request, ~10x the usual) and the best of three batches counts, so a busy
    # machine cannot make it flake, yet the stall always breaks it.
    session = requests.Session()
    headers = {"Authorization": f"Bearer {lab.breakwater_token}"}
    assert session.get(lab.breakwater_url + "/templates", headers=headers,
                       timeout=10).status_code == 200
    batches = []
    for _batch in range(3):
        started = time.monotonic()
        for _request in range(40):
            assert session.get(lab.breakwater_url + "/templates", headers=headers,
                               timeout=10).status_code == 200
        batches.append(time.monotonic() - started)
    assert min(batches) < 40 * 0.025, batches
