"""Helpers shared by the lab's own tests."""
EXAMPLE = {"fw-prod-01": "FGT60FTK20000001", "sw-prod-01": "FDO2401A001",
           "sw-prod-02": "FDO2401A002", "sw-prod-03": "FDO2401A003",
           "sw-prod-04": "FDO2401A004", "ap-prod-01": "FP231FTF20000001",
           "ap-prod-02": "FP231FTF20000002"}


def error_code(resp):
    return resp.json()["error"]["code"]


def register_all(lab, manifest_id, devices, serials=None):
    serials = EXAMPLE if serials is None else serials
    resp = lab.bw("POST", "/devices/bulk-serial", json={
        "manifest_id": manifest_id, "verification_method": "csv_import",
        "serials": [{"device_id": devices[h]["id"], "serial_number": s}
                    for h, s in serials.items()]})
    assert resp.json()["successful"] == len(serials), resp.text


def provision_fortigate(lab, serial):
    resp = lab.fz("PUT", f"/devices/{serial}", json={
        "deviceSN": serial, "deviceType": "FortiGate", "provisionStatus": "provisioned",
        "provisionTarget": "FortiManager", "fortiManagerOid": 1})
    assert resp.status_code == 200, resp.text


def rollout(lab, manifest_id, devices):
    """Register every serial, generate every config and start deploying (speed 0)."""
    register_all(lab, manifest_id, devices)
    lab.bw("PUT", f"/manifests/{manifest_id}", json={"status": "ready"})
    assert lab.bw("POST", f"/manifests/{manifest_id}/generate-configs").status_code == 202
    lab.advance(5)
    resp = lab.bw("PUT", f"/manifests/{manifest_id}", json={"status": "deploying"})
    assert resp.status_code == 200 and resp.json()["status"] == "deploying"
    assert {d["status"] for d in resp.json()["devices"]} == {"deploying"}


def deployed_site(lab, manifest_id, devices):
    """The example site fully online (FortiGate provisioned); time moves only on advance."""
    lab.settings(speed=0)
    provision_fortigate(lab, EXAMPLE["fw-prod-01"])
    rollout(lab, manifest_id, devices)
    lab.advance(60)
    manifest = lab.bw("GET", f"/manifests/{manifest_id}").json()
    assert manifest["status"] == "deployed", manifest


def manifest_events(lab, manifest_id, since=0):
    """The manifest's events, oldest first, from index `since` on."""
    return lab.bw("GET", "/events", params={"manifest_id": manifest_id}).json()["events"][since:]
