"""Day 2 in the lab: a deployed manifest takes changes (RMA swaps, template changes), a
deployment deploys only what is not online, how it ends, when a config is current, and
model_detected (docs/api/breakwater.md, "Day 2")."""
import pytest

from lab_helpers import (EXAMPLE, deployed_site, error_code, manifest_events,
                         provision_fortigate, register_all)

SWITCHES = ("sw-prod-01", "sw-prod-02", "sw-prod-03", "sw-prod-04")
DEPLOYMENT_EVENTS = ("deployment_started", "device_online", "device_failed",
                     "deployment_completed", "deployment_failed")


def deployment_events(events):
    return [e for e in events if e["event_type"] in DEPLOYMENT_EVENTS]


def statuses(lab, manifest_id):
    body = lab.bw("GET", f"/manifests/{manifest_id}").json()
    return body["status"], {d["hostname"]: d["status"] for d in body["devices"]}


def device_list(lab, manifest_id):
    devices = lab.bw("GET", "/devices", params={"manifest_id": manifest_id}).json()["devices"]
    return {d["hostname"]: d for d in devices}


def generate(lab, manifest_id, **body):
    resp = lab.bw("POST", f"/manifests/{manifest_id}/generate-configs", json=body)
    assert resp.status_code == 202, resp.text
    return resp.json()


def deploy(lab, manifest_id):
    resp = lab.bw("PUT", f"/manifests/{manifest_id}", json={"status": "deploying"})
    assert resp.status_code == 200, resp.text
    return resp.json()


def generate_and_deploy(lab, manifest_id, **body):
    """Generate configs, deploy and let it settle; returns the event index before deploying."""
    generate(lab, manifest_id, **body)
    lab.advance(5)
    mark = len(manifest_events(lab, manifest_id))
    deploy(lab, manifest_id)
    lab.advance(60)
    return mark


def reopened(events):
    """The manifest_updated events that took a deployed manifest back to ready."""
    return [e for e in events if e["event_type"] == "manifest_updated"
            and e["details"].get("status_from") == "deployed"]


def test_deployed_manifest_stays_writable(lab, new_manifest):
    manifest_id, devices = new_manifest
    deployed_site(lab, manifest_id, devices)
    mark = len(manifest_events(lab, manifest_id))
    resp = lab.bw("PUT", f"/manifests/{manifest_id}", json={"description": "Line 2, day 2"})
    assert resp.status_code == 200 and resp.json()["status"] == "deployed"
    # Every config is current: nothing queued, nothing leaves online.
    job = generate(lab, manifest_id)
    assert job["devices_queued"] == 0
    assert {s["reason"] for s in job["skipped"]} == {"config_current"}
    same = lab.bw("POST", f"/devices/{devices['sw-prod-01']['id']}/serial",
                  json={"serial_number": EXAMPLE["sw-prod-01"]})
    assert same.status_code == 200 and same.json()["status"] == "online"
    lab.advance(10)
    assert statuses(lab, manifest_id) == ("deployed", dict.fromkeys(devices, "online"))
    assert [e["event_type"] for e in manifest_events(lab, manifest_id, mark)] == [
        "manifest_updated"]
    # Deploying again needs `ready`, as before.
    resp = lab.bw("PUT", f"/manifests/{manifest_id}", json={"status": "deploying"})
    assert resp.status_code == 409 and error_code(resp) == "INVALID_MANIFEST_STATUS"


def test_rma_on_deployed_manifest_redeploys_that_device_only(lab, new_manifest):
    manifest_id, devices = new_manifest
    deployed_site(lab, manifest_id, devices)
    sw_id = devices["sw-prod-01"]["id"]
    mark = len(manifest_events(lab, manifest_id))
    resp = lab.bw("POST", f"/devices/{sw_id}/serial", json={"serial_number": "FDO2401A009"})
    assert resp.status_code == 200 and resp.json()["status"] == "serial_registered"
    status, by_host = statuses(lab, manifest_id)
    assert status == "ready" and by_host["sw-prod-01"] == "serial_registered"
    assert [e["details"] for e in reopened(manifest_events(lab, manifest_id, mark))] == [
        {"changed": ["status"], "status_from": "deployed", "status_to": "ready",
         "reason": "serial_replaced", "device_id": sw_id, "hostname": "sw-prod-01"}]
    # Without force, only the device without a config is queued.
    job = generate(lab, manifest_id)
    assert job["queued"] == [sw_id] and job["devices_queued"] == 1
    lab.advance(5)
    started = deploy(lab, manifest_id)
    assert {d["hostname"]: d["status"] for d in started["devices"]} == {
        **dict.fromkeys(devices, "online"), "sw-prod-01": "deploying"}
    lab.advance(60)
    assert statuses(lab, manifest_id) == ("deployed", dict.fromkeys(devices, "online"))
    deployment = deployment_events(manifest_events(lab, manifest_id, mark))
    assert [(e["event_type"], e["device_id"]) for e in deployment] == [
        ("deployment_started", None), ("device_online", sw_id), ("deployment_completed", None)]
    assert deployment[0]["details"] == {"devices": [sw_id], "not_deployed": []}
    assert deployment[-1]["details"] == {"devices": [sw_id], "devices_online": 7,
                                         "not_deployed": []}


def test_bulk_rma_reopens_once_and_answers_model_detected(lab, new_manifest):
    manifest_id, devices = new_manifest
    deployed_site(lab, manifest_id, devices)
    mark = len(manifest_events(lab, manifest_id))
    resp = lab.bw("POST", "/devices/bulk-serial", json={
        "manifest_id": manifest_id, "verification_method": "barcode_scan", "serials": [
            {"device_id": devices["sw-prod-02"]["id"], "serial_number": "FOC2401A002"},
            {"device_id": devices["sw-prod-03"]["id"], "serial_number": "FDO2401A003"},
            {"device_id": devices["sw-prod-04"]["id"], "serial_number": "FGT60FTK20000019"},
            {"device_id": devices["ap-prod-01"]["id"], "serial_number": "bad"}]}).json()
    assert [(r["status"], r.get("model_detected")) for r in resp["results"]] == [
        ("success", "IE-3300-8U2X-E"), ("success", "IE-3300-8T2S-E"),
        ("success", "FortiGate-60F"), ("failed", None)]
    status, by_host = statuses(lab, manifest_id)
    assert status == "ready"
    assert by_host["sw-prod-02"] == by_host["sw-prod-04"] == "serial_registered"
    assert by_host["sw-prod-03"] == "online"  # its serial did not change
    assert [e["details"]["device_id"] for e in reopened(
        manifest_events(lab, manifest_id, mark))] == [devices["sw-prod-02"]["id"]]


def test_rma_of_the_fortigate_needs_the_new_unit_in_fortiztp(lab, new_manifest):
    manifest_id, devices = new_manifest
    deployed_site(lab, manifest_id, devices)
    fw_id = devices["fw-prod-01"]["id"]
    lab.bw("POST", f"/devices/{fw_id}/serial", json={"serial_number": "FGT60FTK20000010"})
    mark = generate_and_deploy(lab, manifest_id)
    status, by_host = statuses(lab, manifest_id)
    assert status == "ready"
    assert by_host == {**dict.fromkeys(devices, "online"), "fw-prod-01": "failed"}
    ending = manifest_events(lab, manifest_id)[-1]
    assert ending["event_type"] == "deployment_failed"
    assert (ending["details"]["devices"], ending["details"]["failed"]) == ([fw_id], [fw_id])
    provision_fortigate(lab, "FGT60FTK20000010")
    deploy(lab, manifest_id)
    lab.advance(60)
    assert statuses(lab, manifest_id)[0] == "deployed"
    assert {e["device_id"] for e in deployment_events(manifest_events(lab, manifest_id, mark))
            if e["device_id"]} == {fw_id}


@pytest.mark.parametrize("serial,device_type,model", [
    ("FDO2401A001", "cisco_ie3300", "IE-3300-8T2S-E"),
    ("FOC2401A001", "cisco_ie3300", "IE-3300-8U2X-E"),
    ("FGT60FTK20000001", "fortigate_60f", "FortiGate-60F"),
    # A unit of another type shows as its own model, so a client can see the mismatch.
    ("FGT60FTK20000001", "cisco_ie3300", "FortiGate-60F"),
    ("FP231FTF20000001", "fortigate_60f", "FortiAP-231F"),
    ("ZZZ2401A001", "cisco_ie3300", None),
])
def test_model_detected_table(serial, device_type, model):
    from ztplab.state import model_detected
    assert model_detected(serial, device_type) == model


def test_wrong_model_is_registered_anyway(lab, new_manifest):
    _manifest_id, devices = new_manifest
    resp = lab.bw("POST", f"/devices/{devices['sw-prod-01']['id']}/serial",
                  json={"serial_number": "FP231FTF20000009"})
    assert resp.status_code == 200
    assert resp.json()["status"] == "serial_registered"
    assert resp.json()["model_detected"] == "FortiAP-231F"


def test_regenerated_config_reopens_when_it_lands(lab, new_manifest):
    manifest_id, devices = new_manifest
    deployed_site(lab, manifest_id, devices)
    sw_id = devices["sw-prod-02"]["id"]
    mark = len(manifest_events(lab, manifest_id))
    job = generate(lab, manifest_id, device_ids=[sw_id], force_regenerate=True)
    assert job["queued"] == [sw_id]
    # Queued: the device keeps its config and stays online until the new one exists.
    assert statuses(lab, manifest_id) == ("deployed", dict.fromkeys(devices, "online"))
    lab.advance(5)
    status, by_host = statuses(lab, manifest_id)
    assert status == "ready" and by_host["sw-prod-02"] == "config_generated"
    events = manifest_events(lab, manifest_id, mark)
    assert [e["event_type"] for e in events] == ["config_generated", "manifest_updated"]
    assert events[1]["details"]["reason"] == "config_regenerated"
    assert deploy(lab, manifest_id)["status"] == "deploying"
    lab.advance(60)
    assert statuses(lab, manifest_id)[0] == "deployed"
    online = [e["device_id"] for e in manifest_events(lab, manifest_id, mark)
              if e["event_type"] == "device_online"]
    assert online == [sw_id]


def test_forced_regeneration_of_the_whole_site_redeploys_it(lab, new_manifest):
    """The issue's configs_force case: every device regenerated, then all deployed again."""
    manifest_id, devices = new_manifest
    deployed_site(lab, manifest_id, devices)
    assert generate(lab, manifest_id, force_regenerate=True)["devices_queued"] == 7
    lab.advance(5)
    assert statuses(lab, manifest_id) == ("ready", dict.fromkeys(devices, "config_generated"))
    assert len(deploy(lab, manifest_id)["devices"]) == 7
    lab.advance(60)
    assert statuses(lab, manifest_id) == ("deployed", dict.fromkeys(devices, "online"))


def test_failed_regeneration_reopens_and_a_deployment_of_nothing_completes(lab, new_manifest):
    manifest_id, devices = new_manifest
    deployed_site(lab, manifest_id, devices)
    mark = len(manifest_events(lab, manifest_id))
    lab.bw("PUT", f"/manifests/{manifest_id}",
           json={"config_templates": {"cisco_ie3300": "template_switch_broken"}})
    assert generate(lab, manifest_id)["devices_queued"] == 4  # only the switches are stale
    lab.advance(5)
    status, by_host = statuses(lab, manifest_id)
    assert status == "ready"
    assert {h for h, s in by_host.items() if s == "config_failed"} == set(SWITCHES)
    assert [e["details"]["reason"] for e in reopened(
        manifest_events(lab, manifest_id, mark))] == ["config_failed"]
    # Nothing has a config to deploy: the deployment ends at once, back to ready.
    started = deploy(lab, manifest_id)
    assert not [d for d in started["devices"] if d["status"] == "deploying"]
    assert lab.bw("GET", f"/manifests/{manifest_id}").json()["status"] == "ready"
    ending = manifest_events(lab, manifest_id)[-1]
    assert ending["event_type"] == "deployment_completed"
    assert ending["details"]["devices"] == []
    assert sorted(ending["details"]["not_deployed"]) == sorted(
        devices[h]["id"] for h in SWITCHES)


def test_waves_deploy_only_what_is_not_online(lab, new_manifest):
    manifest_id, devices = new_manifest
    lab.settings(speed=0)
    provision_fortigate(lab, EXAMPLE["fw-prod-01"])
    register_all(lab, manifest_id, devices)
    lab.bw("PUT", f"/manifests/{manifest_id}", json={"status": "ready"})
    wave1 = [devices[h]["id"] for h in SWITCHES]
    rest = [d["id"] for h, d in devices.items() if h not in SWITCHES]
    mark = generate_and_deploy(lab, manifest_id, device_ids=wave1)
    status, by_host = statuses(lab, manifest_id)
    assert status == "ready"
    assert {h for h, s in by_host.items() if s == "online"} == set(SWITCHES)
    events = deployment_events(manifest_events(lab, manifest_id, mark))
    assert events[0]["event_type"] == "deployment_started"
    assert events[0]["details"] == {"devices": wave1, "not_deployed": rest}
    assert events[-1]["event_type"] == "deployment_completed"
    assert events[-1]["details"] == {"devices": wave1, "devices_online": 4,
                                     "not_deployed": rest}
    # Wave 2: the online switches are not touched.
    mark = generate_and_deploy(lab, manifest_id)
    assert statuses(lab, manifest_id) == ("deployed", dict.fromkeys(devices, "online"))
    events = deployment_events(manifest_events(lab, manifest_id, mark))
    assert events[0]["details"] == {"devices": rest, "not_deployed": []}
    assert sorted(e["device_id"] for e in events if e["event_type"] == "device_online") == (
        sorted(rest))
    assert events[-1]["event_type"] == "deployment_completed"


def test_failed_wave_goes_back_to_ready_and_retries_the_failed_device(lab, new_manifest):
    manifest_id, devices = new_manifest
    lab.settings(speed=0)
    register_all(lab, manifest_id, devices)
    lab.bw("PUT", f"/manifests/{manifest_id}", json={"status": "ready"})
    fw_id, sw_id = devices["fw-prod-01"]["id"], devices["sw-prod-01"]["id"]
    generate_and_deploy(lab, manifest_id, device_ids=[fw_id, sw_id])  # FortiGate not in FortiZTP
    ending = manifest_events(lab, manifest_id)[-1]
    assert ending["event_type"] == "deployment_failed"
    assert ending["details"]["failed"] == [fw_id]
    assert ending["details"]["devices"] == [fw_id, sw_id]
    assert len(ending["details"]["not_deployed"]) == 5
    assert lab.bw("GET", f"/manifests/{manifest_id}").json()["status"] == "ready"
    provision_fortigate(lab, EXAMPLE["fw-prod-01"])
    started = deploy(lab, manifest_id)
    assert [d["id"] for d in started["devices"] if d["status"] == "deploying"] == [fw_id]


def test_deployment_skips_a_device_whose_config_is_being_generated(lab, new_manifest):
    manifest_id, devices = new_manifest
    lab.settings(speed=0)
    register_all(lab, manifest_id, devices, {"sw-prod-01": EXAMPLE["sw-prod-01"],
                                             "sw-prod-02": EXAMPLE["sw-prod-02"]})
    lab.bw("PUT", f"/manifests/{manifest_id}", json={"status": "ready"})
    sw1, sw2 = devices["sw-prod-01"]["id"], devices["sw-prod-02"]["id"]
    generate(lab, manifest_id)
    lab.advance(5)
    generate(lab, manifest_id, device_ids=[sw2], force_regenerate=True)
    deploy(lab, manifest_id)
    started = [e for e in manifest_events(lab, manifest_id)
               if e["event_type"] == "deployment_started"][-1]
    assert started["details"]["devices"] == [sw1] and sw2 in started["details"]["not_deployed"]
    lab.advance(60)
    status, by_host = statuses(lab, manifest_id)
    assert status == "ready" and by_host["sw-prod-01"] == "online"
    assert by_host["sw-prod-02"] == "config_generated"  # its new config, ready for next time


def test_rma_while_config_job_runs_can_be_generated_again(lab, new_manifest):
    manifest_id, devices = new_manifest
    lab.settings(speed=0)
    sw_id = devices["sw-prod-01"]["id"]
    register_all(lab, manifest_id, devices, {"sw-prod-01": EXAMPLE["sw-prod-01"]})
    assert generate(lab, manifest_id)["queued"] == [sw_id]
    lab.bw("POST", f"/devices/{sw_id}/serial", json={"serial_number": "FDO2401A009"})
    job = generate(lab, manifest_id)  # the old job no longer applies; not "in_progress"
    assert job["queued"] == [sw_id]
    lab.advance(5)
    config = lab.bw("GET", f"/devices/{sw_id}/config").json()
    assert config["template_used"] == "template_switch_basic"


# --- config currency ------------------------------------------------------------------------
def test_config_and_device_list_say_what_a_config_was_rendered_from(lab, new_manifest):
    manifest_id, devices = new_manifest
    lab.settings(speed=0)
    register_all(lab, manifest_id, devices)
    listed = device_list(lab, manifest_id)
    assert listed["sw-prod-01"]["template_used"] is None
    assert listed["sw-prod-01"]["template_version"] is None
    generate(lab, manifest_id)
    lab.advance(5)
    sw_id = devices["sw-prod-01"]["id"]
    config = lab.bw("GET", f"/devices/{sw_id}/config").json()
    assert (config["template_used"], config["template_version"]) == (
        "template_switch_basic", "1.2")
    listed = device_list(lab, manifest_id)["sw-prod-01"]
    assert (listed["config_template"], listed["template_used"], listed["template_version"]) == (
        "template_switch_basic", "template_switch_basic", "1.2")
    detail = lab.bw("GET", f"/manifests/{manifest_id}").json()["devices"]
    assert next(d for d in detail if d["id"] == sw_id)["template_version"] == "1.2"
    event = lab.bw("GET", "/events", params={"device_id": sw_id,
                                             "event_type": "config_generated"}).json()
    assert event["events"][0]["details"]["template_version"] == "1.2"


def test_bump_template_makes_its_configs_stale(lab, new_manifest):
    manifest_id, devices = new_manifest
    deployed_site(lab, manifest_id, devices)
    old = lab.bw("GET", f"/devices/{devices['fw-prod-01']['id']}/config").json()["content"]
    bumped = lab.bump_template("template_firewall_dmz")
    assert bumped["id"] == "template_firewall_dmz" and bumped["device_type"] == "fortigate_60f"
    assert (bumped["previous_version"], bumped["version"]) == ("1.0", "1.1")
    assert "body" not in bumped
    listed = lab.bw("GET", "/templates", params={"device_type": "fortigate_60f"}).json()
    assert listed["templates"][0]["version"] == "1.1"
    assert lab.bump_template("template_firewall_dmz")["version"] == "1.2"
    # Only the FortiGate's config is stale; the site stays deployed until it is regenerated.
    assert statuses(lab, manifest_id)[0] == "deployed"
    fw_id = devices["fw-prod-01"]["id"]
    assert generate(lab, manifest_id)["queued"] == [fw_id]
    lab.advance(5)
    config = lab.bw("GET", f"/devices/{fw_id}/config").json()
    assert config["template_version"] == "1.2" and config["content"] != old
    assert "# revision 1.2" in config["content"]
    assert statuses(lab, manifest_id)[0] == "ready"
    assert generate(lab, manifest_id)["devices_queued"] == 0  # current again


def test_bump_unknown_template_and_reset_restores_versions(lab):
    resp = lab.session.post(f"{lab.url}/_lab/templates/template_nope/bump", timeout=10)
    assert resp.status_code == 404 and error_code(resp) == "TEMPLATE_NOT_FOUND"
    assert lab.bump_template("template_switch_broken")["version"] == "0.10"
    lab.reset()
    broken = lab.bw("GET", "/templates").json()["templates"]
    assert next(t for t in broken if t["id"] == "template_switch_broken")["version"] == "0.9"
    assert lab.counters()["total"] == 1  # the control plane is not counted


def test_template_change_on_deployed_manifest_makes_affected_configs_stale(lab, new_manifest):
    manifest_id, devices = new_manifest
    deployed_site(lab, manifest_id, devices)
    resp = lab.bw("PUT", f"/manifests/{manifest_id}",
                  json={"config_templates": {"cisco_ie3300": "template_switch_advanced"}})
    assert resp.status_code == 200 and resp.json()["status"] == "deployed"
    listed = device_list(lab, manifest_id)
    for hostname, device in listed.items():
        assert device["status"] == "online"
        assert device["template_used"] == ("template_switch_basic" if hostname in SWITCHES
                                           else device["config_template"])
        if hostname in SWITCHES:
            assert device["config_template"] == "template_switch_advanced"
    job = generate(lab, manifest_id)
    assert sorted(job["queued"]) == sorted(devices[h]["id"] for h in SWITCHES)
    lab.advance(5)
    mark = len(manifest_events(lab, manifest_id))
    started = deploy(lab, manifest_id)
    assert sorted(d["hostname"] for d in started["devices"] if d["status"] == "deploying") == (
        sorted(SWITCHES))
    lab.advance(60)
    assert statuses(lab, manifest_id) == ("deployed", dict.fromkeys(devices, "online"))
    assert len([e for e in manifest_events(lab, manifest_id, mark)
                if e["event_type"] == "device_online"]) == 4


def stale_from_list(lab, manifest_id):
    """What a client can tell from two reads: the device list and the template list."""
    versions = {t["id"]: t["version"] for t in lab.bw("GET", "/templates").json()["templates"]}
    return sorted(d["id"] for d in device_list(lab, manifest_id).values()
                  if d["template_used"] is not None
                  and (d["template_used"] != d["config_template"]
                       or d["template_version"] != versions[d["config_template"]]))


def test_device_list_tells_stale_configs_without_downloading_them(lab):
    manifest_id = lab.synthetic(60)
    lab.settings(speed=0)
    generate(lab, manifest_id)
    lab.advance(5)
    assert stale_from_list(lab, manifest_id) == []
    lab.bump_template("template_firewall_dmz")
    lab.bw("PUT", f"/manifests/{manifest_id}", json={"name": "renamed"})
    lab.reset_counters()
    stale = stale_from_list(lab, manifest_id)
    assert lab.counters()["total"] == 2
    assert len(stale) == 3  # devices 0, 20 and 40 are FortiGates
    assert sorted(generate(lab, manifest_id)["queued"]) == stale


def test_control_plane_fails_a_deployed_device_and_a_deployment_heals_it(lab, new_manifest):
    manifest_id, devices = new_manifest
    deployed_site(lab, manifest_id, devices)
    mark = len(manifest_events(lab, manifest_id))
    switch = devices["sw-prod-02"]["id"]
    resp = lab._lab("POST", f"/devices/{switch}/fail", json={"reason": "LINK_DOWN"})
    assert resp.json()["status"] == "failed" and resp.json()["status_reason"] == "LINK_DOWN"
    device = device_list(lab, manifest_id)["sw-prod-02"]
    assert (device["status"], device["status_reason"]) == ("failed", "LINK_DOWN")
    events = manifest_events(lab, manifest_id, mark)
    assert [(e["event_type"], e["device_id"]) for e in events] == [
        ("device_failed", switch), ("manifest_updated", None)]
    assert events[0]["details"] == {"reason": "LINK_DOWN", "serial_number": EXAMPLE["sw-prod-02"]}
    assert reopened(events)[0]["details"]["reason"] == "device_failed"
    assert statuses(lab, manifest_id)[0] == "ready"
    # Not online any more: failing it again is refused; a deployment brings it back alone.
    refused = lab.session.post(f"{lab.url}/_lab/devices/{switch}/fail", json={}, timeout=5)
    assert refused.status_code == 400 and error_code(refused) == "VALIDATION_ERROR"
    mark = len(manifest_events(lab, manifest_id))
    deploy(lab, manifest_id)
    lab.advance(60)
    assert statuses(lab, manifest_id) == ("deployed", {h: "online" for h in EXAMPLE})
    assert [e["device_id"] for e in manifest_events(lab, manifest_id, mark)
            if e["event_type"] == "device_online"] == [switch]
    unknown = lab.session.post(f"{lab.url}/_lab/devices/device_none/fail", json={}, timeout=5)
    assert unknown.status_code == 404 and error_code(unknown) == "DEVICE_NOT_FOUND"
