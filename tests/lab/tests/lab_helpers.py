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
