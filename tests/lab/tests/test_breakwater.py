"""Breakwater ZTP API: endpoints, lifecycles, error codes (docs/api/breakwater.md)."""
import pytest

from lab_helpers import EXAMPLE, error_code, provision_fortigate, register_all, rollout


def test_list_manifests_fixture_and_pagination(lab):
    body = lab.bw("GET", "/manifests").json()
    assert body["total"] == 2 and body["limit"] == 50 and body["offset"] == 0
    first = next(m for m in body["manifests"] if m["id"] == "manifest_123")
    assert first["site_id"] == "site_456" and first["status"] == "ready"
    assert first["device_count"] == 7 and "devices" not in first
    page = lab.bw("GET", "/manifests", params={"limit": 1, "offset": 1}).json()
    assert page["total"] == 2 and len(page["manifests"]) == 1 and page["limit"] == 1
    assert lab.bw("GET", "/manifests", params={"site_id": "site_456"}).json()["total"] == 1
    assert lab.bw("GET", "/manifests", params={"status": "draft"}).json()["total"] == 1
    for bad in ({"limit": 501}, {"limit": 0}, {"offset": -1}, {"limit": "x"},
                {"status": "bogus"}):
        resp = lab.bw("GET", "/manifests", params=bad)
        assert resp.status_code == 400 and error_code(resp) == "VALIDATION_ERROR", bad


def test_get_manifest_details(lab):
    body = lab.bw("GET", "/manifests/manifest_123").json()
    devices = {d["hostname"]: d for d in body["devices"]}
    fw = devices["fw-prod-01"]
    assert fw["id"] == "device_001" and fw["serial_number"] == "FGT60FTK23000001"
    assert fw["status"] == "serial_registered" and fw["manifest_id"] == "manifest_123"
    assert fw["config_template"] == "template_firewall_dmz" and fw["status_reason"] is None
    assert devices["ap-prod-01"]["config_template"] == "template_ap_basic"
    assert body["cable_schedule"]["connections"] == 7
    assert body["cable_schedule"]["download_url"].endswith("manifest_123/cable-schedule.pdf")


def test_create_manifest_without_topology_and_unknown_topology(lab):
    resp = lab.bw("POST", "/manifests", json={"name": "Empty", "site_id": "s", "extra": 1})
    assert resp.status_code == 201
    assert resp.json()["device_count"] == 0 and resp.json()["status"] == "draft"
    assert resp.json()["id"] == "manifest_124"
    resp = lab.bw("POST", "/manifests", json={"name": "X", "site_id": "s",
                                              "topology_source": "helm_nope"})
    assert resp.status_code == 404 and error_code(resp) == "TOPOLOGY_NOT_FOUND"


@pytest.mark.parametrize("body", [{"name": 1, "site_id": "s"}, {"site_id": "s"},
                                  {"name": "x", "site_id": "s", "config_templates": []},
                                  {"name": "", "site_id": "s"}])
def test_create_manifest_validation(lab, body):
    resp = lab.bw("POST", "/manifests", json=body)
    assert resp.status_code == 400 and error_code(resp) == "VALIDATION_ERROR"


def test_create_manifest_template_checks(lab):
    resp = lab.bw("POST", "/manifests", json={"name": "x", "site_id": "s",
                                              "config_templates": {"cisco_ie3300": "nope"}})
    assert resp.status_code == 404 and error_code(resp) == "TEMPLATE_NOT_FOUND"
    resp = lab.bw("POST", "/manifests", json={
        "name": "x", "site_id": "s", "config_templates": {"cisco_ie3300": "template_ap_basic"}})
    assert resp.status_code == 400 and error_code(resp) == "VALIDATION_ERROR"


def test_malformed_json_is_validation_error(lab):
    resp = lab.bw("POST", "/manifests", data="{not json",
                  headers={"Content-Type": "application/json"})
    assert resp.status_code == 400 and error_code(resp) == "VALIDATION_ERROR"


def test_auth(lab):
    resp = lab.bw("GET", "/manifests", token="wrong")
    assert resp.status_code == 401 and error_code(resp) == "UNAUTHORIZED"
    resp = lab.session.get(lab.breakwater_url + "/manifests")
    assert resp.status_code == 401
    assert lab.bw("GET", "/manifests", token=lab.readonly_token).status_code == 200
    for method, path in (("POST", "/manifests"), ("PUT", "/manifests/manifest_123"),
                         ("DELETE", "/manifests/manifest_123"),
                         ("POST", "/devices/device_001/serial")):
        resp = lab.bw(method, path, token=lab.readonly_token, json={})
        assert resp.status_code == 403 and error_code(resp) == "INSUFFICIENT_PERMISSIONS"


def test_unknown_route_uses_envelope(lab):
    resp = lab.bw("GET", "/nothing")
    assert resp.status_code == 404 and error_code(resp) == "NOT_FOUND"


def test_not_found_errors(lab):
    for method, path, code in (("GET", "/manifests/manifest_999", "MANIFEST_NOT_FOUND"),
                               ("PUT", "/manifests/manifest_999", "MANIFEST_NOT_FOUND"),
                               ("DELETE", "/manifests/manifest_999", "MANIFEST_NOT_FOUND"),
                               ("GET", "/manifests/manifest_999/cable-schedule.pdf",
                                "MANIFEST_NOT_FOUND"),
                               ("POST", "/manifests/manifest_999/generate-configs",
                                "MANIFEST_NOT_FOUND"),
                               ("GET", "/devices/device_999/config", "DEVICE_NOT_FOUND")):
        resp = lab.bw(method, path, json={})
        assert resp.status_code == 404 and error_code(resp) == code, path
    resp = lab.bw("POST", "/devices/device_999/serial", json={"serial_number": "FDO1234567"})
    assert resp.status_code == 404 and error_code(resp) == "DEVICE_NOT_FOUND"


@pytest.mark.parametrize("start,target,allowed", [
    ("draft", "ready", True), ("ready", "draft", True), ("ready", "deploying", True),
    ("draft", "deploying", False), ("draft", "deployed", False), ("ready", "deployed", False),
])
def test_manifest_status_transitions(lab, start, target, allowed):
    manifest_id = lab.bw("POST", "/manifests", json={"name": "t", "site_id": "s"}).json()["id"]
    if start == "ready":
        assert lab.bw("PUT", f"/manifests/{manifest_id}",
                      json={"status": "ready"}).status_code == 200
    resp = lab.bw("PUT", f"/manifests/{manifest_id}", json={"status": target})
    if allowed:
        assert resp.status_code == 200 and resp.json()["status"] == target
    else:
        assert resp.status_code == 409 and error_code(resp) == "INVALID_MANIFEST_STATUS"
        details = resp.json()["error"]["details"]
        assert details["current_status"] == start and details["required_status"]


def test_deploy_from_draft_matches_documented_example(lab):
    resp = lab.bw("PUT", "/manifests/manifest_unsafe", json={"status": "deploying"})
    assert resp.status_code == 409
    assert resp.json()["error"]["details"] == {"manifest_id": "manifest_unsafe",
                                               "current_status": "draft",
                                               "required_status": "ready"}


def test_update_manifest_fields_and_templates(lab):
    resp = lab.bw("PUT", "/manifests/manifest_123", json={
        "name": "Production Floor A - Updated",
        "config_templates": {"cisco_ie3300": "template_switch_advanced"}})
    assert resp.status_code == 200
    body = resp.json()
    assert body["name"] == "Production Floor A - Updated"
    sw = next(d for d in body["devices"] if d["hostname"] == "sw-prod-01")
    assert sw["config_template"] == "template_switch_advanced"
    assert lab.bw("PUT", "/manifests/manifest_123",
                  json={"status": "bogus"}).status_code == 400
    events = lab.bw("GET", "/events", params={"event_type": "manifest_updated"}).json()
    assert events["events"][-1]["details"]["changed"] == ["name", "config_templates"]


def test_delete_manifest(lab):
    resp = lab.bw("DELETE", "/manifests/manifest_123")
    assert resp.json() == {"message": "Manifest deleted successfully", "id": "manifest_123"}
    assert lab.bw("GET", "/manifests/manifest_123").status_code == 404
    assert lab.bw("GET", "/devices", params={"manifest_id": "manifest_123"}).json() == {
        "devices": []}
    # Its serials are free again.
    resp = lab.bw("POST", "/devices/device_009/serial", json={"serial_number": "FDO2301B001"})
    assert resp.status_code == 200


def test_device_list_filters(lab):
    all_devices = lab.bw("GET", "/devices").json()["devices"]
    assert len(all_devices) == 9
    assert {"manifest_id", "config_template", "last_seen", "status_reason"} <= set(
        all_devices[0])
    by_type = lab.bw("GET", "/devices", params={"device_type": "fortinet_fap231f"}).json()
    assert {d["hostname"] for d in by_type["devices"]} == {"ap-prod-01", "ap-prod-02"}
    for needle in ("SW-PROD-03", "00:1a:2b:3c:4d:03", "fdo2301b003"):
        found = lab.bw("GET", "/devices", params={"search": needle}).json()["devices"]
        assert [d["id"] for d in found] == ["device_004"], needle
    assert lab.bw("GET", "/devices", params={"status": "online"}).json() == {"devices": []}
    page = lab.bw("GET", "/devices", params={"manifest_id": "manifest_123", "limit": 2,
                                             "offset": 1}).json()["devices"]
    assert [d["id"] for d in page] == ["device_002", "device_003"]
    assert lab.bw("GET", "/devices", params={"status": "nope"}).status_code == 400


def test_unsafe_hostname_fixture(lab):
    devices = lab.bw("GET", "/devices", params={"manifest_id": "manifest_unsafe"}).json()
    assert devices["devices"][0]["hostname"] == "{{ lookup('pipe', 'id') }}"


def test_register_serial_lifecycle(lab, new_manifest):
    manifest_id, devices = new_manifest
    sw = devices["sw-prod-01"]
    assert sw["status"] == "pending" and sw["serial_number"] is None
    resp = lab.bw("POST", f"/devices/{sw['id']}/serial", json={
        "serial_number": "FDO2401A001", "verification_method": "barcode_scan",
        "operator_id": "user_456"})
    assert resp.status_code == 200
    body = resp.json()
    assert body["status"] == "serial_registered" and body["model_detected"] == "IE-3300-8T2S-E"
    assert body["device_id"] == sw["id"] and body["verified_at"].endswith("Z")
    # Same serial again: no change, no new event.
    count = len(lab.bw("GET", "/events", params={"device_id": sw["id"]}).json()["events"])
    assert lab.bw("POST", f"/devices/{sw['id']}/serial",
                  json={"serial_number": "FDO2401A001"}).status_code == 200
    events = lab.bw("GET", "/events", params={"device_id": sw["id"]}).json()["events"]
    assert len(events) == count == 1 and events[0]["event_type"] == "serial_registered"
    assert events[0]["details"]["verification_method"] == "barcode_scan"
    # Held by another device.
    resp = lab.bw("POST", f"/devices/{devices['sw-prod-02']['id']}/serial",
                  json={"serial_number": "FDO2401A001"})
    assert resp.status_code == 409 and error_code(resp) == "SERIAL_ALREADY_REGISTERED"
    assert resp.json()["error"]["details"]["device_id"] == sw["id"]
    fw = lab.bw("POST", f"/devices/{devices['fw-prod-01']['id']}/serial",
                json={"serial_number": "FGT60FTK20000001"}).json()
    assert fw["model_detected"] == "FortiGate-60F"
    ap = lab.bw("POST", f"/devices/{devices['ap-prod-01']['id']}/serial",
                json={"serial_number": "FP231FTF20000001"}).json()
    assert ap["model_detected"] == "FortiAP-231F"


@pytest.mark.parametrize("serial", ["fdo2401a001", " FDO2401A001", "FDO-2401", "ABC12",
                                    "A" * 21, ""])
def test_invalid_serial(lab, serial):
    resp = lab.bw("POST", "/devices/device_008/serial", json={"serial_number": serial})
    assert resp.status_code == 400 and error_code(resp) == "INVALID_SERIAL_NUMBER"


def test_serial_wrong_type_and_method(lab):
    for body in ({"serial_number": 123456}, {"serial_number": "FDO123456",
                                             "verification_method": "telepathy"}, {}):
        resp = lab.bw("POST", "/devices/device_008/serial", json=body)
        assert resp.status_code == 400 and error_code(resp) == "VALIDATION_ERROR"


def test_rma_swap_discards_config(lab):
    lab.bw("POST", "/manifests/manifest_123/generate-configs", json={"device_ids": ["device_002"]})
    lab.advance(10)
    assert lab.bw("GET", "/devices/device_002/config").status_code == 200
    resp = lab.bw("POST", "/devices/device_002/serial", json={"serial_number": "FDO2401A009"})
    assert resp.json()["status"] == "serial_registered"
    assert error_code(lab.bw("GET", "/devices/device_002/config")) == "CONFIG_NOT_GENERATED"
    event = lab.bw("GET", "/events", params={"device_id": "device_002"}).json()["events"][-1]
    assert event["event_type"] == "serial_replaced"
    assert event["details"]["previous_serial_number"] == "FDO2301B001"


def test_bulk_serial_partial_success(lab, new_manifest):
    manifest_id, devices = new_manifest
    resp = lab.bw("POST", "/devices/bulk-serial", json={
        "manifest_id": manifest_id, "verification_method": "csv_import",
        "operator_id": "user_456",
        "serials": [
            {"device_id": devices["sw-prod-01"]["id"], "serial_number": "FDO2401A001"},
            {"device_id": devices["sw-prod-02"]["id"], "serial_number": "bad serial"},
            {"device_id": devices["sw-prod-03"]["id"], "serial_number": "FDO2301B001"},
            {"device_id": "device_999", "serial_number": "FDO2401A777"},
            {"device_id": devices["sw-prod-04"]["id"], "serial_number": "FDO2401A005"},
            {"device_id": devices["ap-prod-01"]["id"], "serial_number": "FDO2401A005"},
        ]})
    assert resp.status_code == 200
    body = resp.json()
    assert (body["processed"], body["successful"], body["failed"]) == (6, 1, 5)
    codes = [r.get("error", {}).get("code") for r in body["results"]]
    assert codes == [None, "INVALID_SERIAL_NUMBER", "SERIAL_ALREADY_REGISTERED",
                     "DEVICE_NOT_FOUND", "SERIAL_ALREADY_REGISTERED",
                     "SERIAL_ALREADY_REGISTERED"]
    resp = lab.bw("POST", "/devices/bulk-serial", json={"manifest_id": "manifest_999",
                                                        "serials": [{"device_id": "x",
                                                                     "serial_number": "y"}]})
    assert error_code(resp) == "MANIFEST_NOT_FOUND"
    assert lab.bw("POST", "/devices/bulk-serial",
                  json={"manifest_id": manifest_id, "serials": []}).status_code == 400


def test_generate_configs_async(lab, new_manifest):
    manifest_id, devices = new_manifest
    lab.settings(speed=0)  # time moves only when we advance it
    register_all(lab, manifest_id, devices, {"sw-prod-01": "FDO2401A001"})
    resp = lab.bw("POST", f"/manifests/{manifest_id}/generate-configs", json={})
    assert resp.status_code == 202
    body = resp.json()
    assert body["status"] == "processing" and body["devices_queued"] == 1
    assert body["job_id"].startswith("config_job_") and body["estimated_completion"]
    assert len(body["skipped"]) == 6 and body["skipped"][0]["reason"] == "no_serial"
    sw_id = devices["sw-prod-01"]["id"]
    assert error_code(lab.bw("GET", f"/devices/{sw_id}/config")) == "CONFIG_NOT_GENERATED"
    lab.advance(5)
    config = lab.bw("GET", f"/devices/{sw_id}/config").json()
    assert "hostname sw-prod-01" in config["content"] and config["format"] == "text"
    assert config["size_bytes"] == len(config["content"].encode())
    assert config["template_used"] == "template_switch_basic"
    structured = lab.bw("GET", f"/devices/{sw_id}/config", params={"format": "json"}).json()
    assert structured["content"]["variables"]["vlan_list"] == [10, 20, 30]
    assert lab.bw("GET", f"/devices/{sw_id}/config",
                  params={"format": "xml"}).status_code == 400
    assert lab.bw("GET", "/devices", params={"search": "sw-prod-01", "manifest_id":
                                             manifest_id}).json()["devices"][0][
        "status"] == "config_generated"
    # Current config: not queued again unless forced.
    again = lab.bw("POST", f"/manifests/{manifest_id}/generate-configs",
                   json={"device_ids": [sw_id]}).json()
    assert again["devices_queued"] == 0 and again["skipped"][0]["reason"] == "config_current"
    forced = lab.bw("POST", f"/manifests/{manifest_id}/generate-configs",
                    json={"device_ids": [sw_id], "force_regenerate": True}).json()
    assert forced["devices_queued"] == 1
    resp = lab.bw("POST", f"/manifests/{manifest_id}/generate-configs",
                  json={"device_ids": ["device_001"]})
    assert resp.status_code == 404 and error_code(resp) == "DEVICE_NOT_FOUND"
    assert lab.bw("POST", f"/manifests/{manifest_id}/generate-configs",
                  json={"force_regenerate": "yes"}).status_code == 400
    types = [e["event_type"] for e in lab.bw("GET", "/events", params={
        "device_id": sw_id}).json()["events"]]
    assert types == ["serial_registered", "config_generated"]


def test_config_generation_failed(lab):
    lab.bw("PUT", "/manifests/manifest_123",
           json={"config_templates": {"cisco_ie3300": "template_switch_broken"}})
    lab.bw("POST", "/manifests/manifest_123/generate-configs", json={})
    lab.advance(5)
    device = lab.bw("GET", "/devices", params={"search": "sw-prod-01"}).json()["devices"][0]
    assert device["status"] == "config_failed"
    assert device["status_reason"] == "CONFIG_GENERATION_FAILED"
    resp = lab.bw("GET", f"/devices/{device['id']}/config")
    assert resp.status_code == 422 and error_code(resp) == "CONFIG_GENERATION_FAILED"
    assert resp.json()["error"]["details"]["variable"] == "radius_secret"
    event = lab.bw("GET", "/events", params={"event_type": "config_failed",
                                             "device_id": device["id"]}).json()["events"][0]
    assert event["details"]["code"] == "CONFIG_GENERATION_FAILED"
    assert "radius_secret" in event["details"]["message"]


def test_cable_schedule_pdf(lab):
    resp = lab.bw("GET", "/manifests/manifest_123/cable-schedule.pdf")
    assert resp.status_code == 200 and resp.headers["content-type"] == "application/pdf"
    pdf = resp.content
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
    assert b"fw-prod-01 internal1  <->  sw-prod-01 Gi1/10" in pdf
    # Same topology, same bytes (no timestamps in the PDF).
    other = lab.bw("POST", "/manifests", json={"name": "Production Floor A",
                                               "site_id": "site_456",
                                               "topology_source": "helm_topology_789"}).json()
    assert lab.bw("GET", f"/manifests/{other['id']}/cable-schedule.pdf").content == pdf
    empty = lab.bw("POST", "/manifests", json={"name": "e", "site_id": "s"}).json()
    resp = lab.bw("GET", f"/manifests/{empty['id']}/cable-schedule.pdf")
    assert resp.status_code == 404


def test_templates(lab):
    templates = lab.bw("GET", "/templates").json()["templates"]
    ids = {t["id"] for t in templates}
    assert {"template_switch_basic", "template_switch_advanced", "template_firewall_dmz",
            "template_ap_basic", "template_switch_broken"} <= ids
    basic = next(t for t in templates if t["id"] == "template_switch_basic")
    assert {"name": "hostname", "type": "string", "required": True} in basic["variables"]
    assert {"name": "vlan_list", "type": "array", "required": False} in basic["variables"]
    fw = lab.bw("GET", "/templates", params={"device_type": "fortigate_60f"}).json()
    assert [t["id"] for t in fw["templates"]] == ["template_firewall_dmz"]
    assert lab.bw("GET", "/templates", params={"category": "access_point"}).json()[
        "templates"][0]["id"] == "template_ap_basic"


def test_deployment_success_with_fortiztp(lab, new_manifest):
    manifest_id, devices = new_manifest
    lab.settings(speed=0)
    provision_fortigate(lab, EXAMPLE["fw-prod-01"])
    rollout(lab, manifest_id, devices)
    # While deploying, every write is refused.
    for method, path, body in (
            ("PUT", f"/manifests/{manifest_id}", {"name": "x"}),
            ("DELETE", f"/manifests/{manifest_id}", None),
            ("POST", f"/devices/{devices['sw-prod-01']['id']}/serial",
             {"serial_number": "FDO2401A099"}),
            ("POST", "/devices/bulk-serial", {"manifest_id": manifest_id, "serials": [
                {"device_id": devices["sw-prod-01"]["id"], "serial_number": "FDO2401A099"}]}),
            ("POST", f"/manifests/{manifest_id}/generate-configs", {})):
        resp = lab.bw(method, path, json=body)
        assert resp.status_code == 409 and error_code(resp) == "DEPLOYMENT_IN_PROGRESS", path
    assert lab.bw("GET", "/status").json()["active_deployments"] == 1
    lab.advance(60)
    body = lab.bw("GET", f"/manifests/{manifest_id}").json()
    assert body["status"] == "deployed"
    assert {d["status"] for d in body["devices"]} == {"online"}
    assert all(d["last_seen"] for d in body["devices"])
    types = [e["event_type"] for e in lab.bw("GET", "/events", params={
        "manifest_id": manifest_id}).json()["events"]]
    assert types[0] == "manifest_created" and types[-1] == "deployment_completed"
    assert types.count("device_online") == 7 and "deployment_started" in types
    status = lab.bw("GET", "/status").json()
    assert status["active_deployments"] == 0 and status["success_rate_24h"] == 100.0
    assert status["last_deployment"] and status["average_deployment_time"] == "00:01:00"


def test_deployment_fortigate_not_provisioned(lab, new_manifest):
    manifest_id, devices = new_manifest
    lab.settings(speed=0)
    rollout(lab, manifest_id, devices)
    lab.advance(60)
    body = lab.bw("GET", f"/manifests/{manifest_id}").json()
    assert body["status"] == "ready"
    fw = next(d for d in body["devices"] if d["hostname"] == "fw-prod-01")
    assert fw["status"] == "failed" and fw["status_reason"] == "ZTP_NOT_PROVISIONED"
    failed = lab.bw("GET", "/events", params={"manifest_id": manifest_id,
                                              "event_type": "deployment_failed"}).json()
    details = failed["events"][0]["details"]
    assert details["failed"] == [fw["id"]] and details["not_deployed"] == []
    assert sorted(details["devices"]) == sorted(d["id"] for d in body["devices"])
    # Fix it and redeploy: only the failed FortiGate deploys again.
    lab.settings(fortiztp_provisioning_seconds=60)  # FortiZTP done at 90 s, boot at 60 s
    provision_fortigate(lab, EXAMPLE["fw-prod-01"])
    resp = lab.bw("PUT", f"/manifests/{manifest_id}", json={"status": "deploying"}).json()
    assert [d["status"] for d in resp["devices"]].count("deploying") == 1
    lab.advance(60)  # booted, FortiZTP still provisioning: the FortiGate waits
    assert lab.bw("GET", f"/manifests/{manifest_id}").json()["status"] == "deploying"
    lab.advance(30)
    assert lab.bw("GET", f"/manifests/{manifest_id}").json()["status"] == "deployed"


def test_deployment_skips_devices_without_config(lab, new_manifest):
    manifest_id, devices = new_manifest
    lab.settings(speed=0)
    register_all(lab, manifest_id, devices, {"sw-prod-01": "FDO2401A001"})
    lab.bw("POST", f"/manifests/{manifest_id}/generate-configs")
    lab.advance(5)
    lab.bw("PUT", f"/manifests/{manifest_id}", json={"status": "ready"})
    lab.bw("PUT", f"/manifests/{manifest_id}", json={"status": "deploying"})
    lab.advance(60)
    body = lab.bw("GET", f"/manifests/{manifest_id}").json()
    assert body["status"] == "ready"
    statuses = {d["hostname"]: d["status"] for d in body["devices"]}
    assert statuses["sw-prod-01"] == "online" and statuses["sw-prod-02"] == "pending"
    # Nothing failed, some devices were never deployed: completed, but not deployed.
    event = lab.bw("GET", "/events", params={"manifest_id": manifest_id,
                                             "event_type": "deployment_completed"}).json()[
        "events"][0]
    sw_id = devices["sw-prod-01"]["id"]
    assert event["details"]["devices"] == [sw_id] and "failed" not in event["details"]
    assert sorted(event["details"]["not_deployed"]) == sorted(
        d["id"] for h, d in devices.items() if h != "sw-prod-01")
    assert lab.bw("GET", "/events", params={"manifest_id": manifest_id,
                                            "event_type": "deployment_failed"}).json() == {
        "events": []}


def test_deployment_at_real_speed(lab, new_manifest):
    """Default speed: the whole rollout finishes within a few real seconds of polling."""
    import time
    manifest_id, devices = new_manifest
    provision_fortigate(lab, EXAMPLE["fw-prod-01"])
    register_all(lab, manifest_id, devices)
    lab.bw("PUT", f"/manifests/{manifest_id}", json={"status": "ready"})
    lab.bw("POST", f"/manifests/{manifest_id}/generate-configs")
    deadline = time.monotonic() + 10
    while lab.bw("GET", "/devices", params={"manifest_id": manifest_id,
                                            "status": "config_generated"}).json()[
            "devices"].__len__() < 7:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    lab.bw("PUT", f"/manifests/{manifest_id}", json={"status": "deploying"})
    while lab.bw("GET", f"/manifests/{manifest_id}").json()["status"] == "deploying":
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert lab.bw("GET", f"/manifests/{manifest_id}").json()["status"] == "deployed"


def test_events_filters(lab, new_manifest):
    manifest_id, _devices = new_manifest
    events = lab.bw("GET", "/events").json()["events"]
    assert events[-1]["event_type"] == "manifest_created"
    assert events[-1]["manifest_id"] == manifest_id and events[-1]["id"].startswith("event_")
    stamp = events[-1]["timestamp"]
    assert lab.bw("GET", "/events", params={"start_date": stamp}).json()["events"]
    assert lab.bw("GET", "/events", params={"end_date": "2000-01-01T00:00:00Z"}).json() == {
        "events": []}
    resp = lab.bw("GET", "/events", params={"start_date": "yesterday"})
    assert resp.status_code == 400 and error_code(resp) == "VALIDATION_ERROR"


def test_status_shape(lab):
    status = lab.bw("GET", "/status").json()
    assert status["system_status"] == "operational"
    assert set(status) == {"system_status", "active_deployments", "queue_depth",
                           "success_rate_24h", "average_deployment_time", "last_deployment"}
