"""FortiZTP API v2 and FortiCloud OAuth (docs/api/fortiztp.md)."""
import pytest
import requests

from lab_helpers import provision_fortigate

FGT = "FGT60FTK20000010"


def login(lab, **overrides):
    body = {"username": lab.api_id, "password": lab.password, "client_id": "fortiztp",
            "grant_type": "password", **overrides}
    return requests.post(lab.auth_url + "/oauth/token/", json=body, timeout=10)


def call(lab, token, method="GET", path="/system", **kw):
    return requests.request(method, lab.fortiztp_base_url + path, timeout=10,
                            headers={"Authorization": f"Bearer {token}"}, **kw)


def test_login_refresh_revoke(lab):
    resp = login(lab)
    assert resp.status_code == 200
    body = resp.json()
    assert body["expires_in"] == 3660 and body["token_type"] == "Bearer"
    assert body["scope"] == "read write" and body["status"] == "success"
    assert call(lab, body["access_token"]).status_code == 200
    refreshed = requests.post(lab.auth_url + "/oauth/token", json={
        "client_id": "fortiztp", "grant_type": "refresh_token",
        "refresh_token": body["refresh_token"]}, timeout=10).json()
    assert call(lab, refreshed["access_token"]).status_code == 200
    # Single token: the refresh replaced the first access token.
    assert call(lab, body["access_token"]).json() == {
        "error": "invalid_token", "error_description": "Invalid, expired or revoked access token"}
    resp = requests.post(lab.auth_url + "/oauth/revoke_token/", timeout=10, json={
        "client_id": "fortiztp", "token": refreshed["access_token"]})
    assert resp.status_code == 200
    assert call(lab, refreshed["access_token"]).status_code == 401
    counters = lab.counters()
    assert (counters["logins"], counters["refreshes"], counters["revokes"]) == (1, 1, 1)
    assert counters["unauthorized"] == 2


def test_login_errors(lab):
    resp = login(lab, password="wrong")
    assert resp.status_code == 401 and resp.json()["error"] == "invalid_grant"
    assert login(lab, client_id="fortilancloud").json()["error"] == "invalid_client"
    assert login(lab, grant_type="magic").json()["error"] == "unsupported_grant_type"
    assert login(lab, username="").json()["error"] == "invalid_request"
    resp = requests.post(lab.auth_url + "/oauth/token/", data="nope", timeout=10)
    assert resp.status_code == 400 and resp.json()["error"] == "invalid_request"
    resp = requests.post(lab.auth_url + "/oauth/token/", json={
        "client_id": "fortiztp", "grant_type": "refresh_token", "refresh_token": "x"},
        timeout=10)
    assert resp.status_code == 401 and resp.json()["error"] == "invalid_grant"
    # Form-encoded login works too (some FortiCloud clients send it).
    resp = requests.post(lab.auth_url + "/oauth/token/", timeout=10, data={
        "username": lab.api_id, "password": lab.password, "client_id": "fortiztp",
        "grant_type": "password"})
    assert resp.status_code == 200


def test_single_token_and_switch(lab):
    first = login(lab).json()["access_token"]
    second = login(lab).json()["access_token"]
    assert call(lab, first).status_code == 401 and call(lab, second).status_code == 200
    lab.settings(single_token=False)
    third = login(lab).json()["access_token"]
    assert call(lab, second).status_code == 200 and call(lab, third).status_code == 200


def test_token_expiry_and_lab_revocation(lab):
    lab.settings(token_lifetime=100)
    token = login(lab).json()["access_token"]
    assert call(lab, token).status_code == 200
    lab.advance(101)
    assert call(lab, token).status_code == 401
    token = login(lab).json()["access_token"]
    lab.revoke_fortiztp_tokens()
    resp = call(lab, token)
    assert resp.status_code == 401 and "invalid_token" in resp.headers["WWW-Authenticate"]
    assert call(lab, "").status_code == 401


def test_list_devices_and_filters(lab):
    body = lab.fz("GET", "/devices", params={"useCache": True}).json()
    assert body["hasCache"] is True and body["total"] == len(body["data"]) >= 20
    record = next(d for d in body["data"] if d["deviceSN"] == "FGT60FTK20000001")
    assert record["provisionStatus"] == "unprovisioned" and record["provisionTarget"] is None
    sns = lab.fz("GET", "/devices", params={"deviceSN": "FGT60FTK20000001,FP231FTF20000001",
                                            "useCache": "False"}).json()
    assert sorted(d["deviceSN"] for d in sns["data"]) == ["FGT60FTK20000001",
                                                          "FP231FTF20000001"]
    aps = lab.fz("GET", "/devices", params={"deviceType": "FortiAP"}).json()
    assert {d["deviceType"] for d in aps["data"]} == {"FortiAP"} and aps["total"] == 4
    assert lab.fz("GET", "/devices", params={"provisionStatus": "provisioned"}).json()[
        "total"] == 0
    for bad in ({"useCache": "maybe"}, {"deviceType": "FortiPhone"},
                {"provisionStatus": "done"}):
        resp = lab.fz("GET", "/devices", params=bad)
        assert resp.status_code == 400 and resp.json()["error"] == "invalid_request"


def test_get_device_and_not_found(lab):
    assert lab.fz("GET", f"/devices/{FGT}", params={"useCache": "true"}).json()[
        "deviceSN"] == FGT
    resp = lab.fz("GET", "/devices/NOPE123")
    assert resp.status_code == 404 and resp.json()["error"] == "not_found"
    assert lab.fz("PUT", "/devices/NOPE123", json={
        "deviceType": "FortiGate", "provisionStatus": "unprovisioned"}).status_code == 404


def test_provisioning_progress(lab):
    lab.settings(speed=0)
    provision_fortigate(lab, FGT)
    record = lab.fz("GET", f"/devices/{FGT}").json()
    assert record["provisionStatus"] == "provisioned" and record["provisionTarget"] == "FortiManager"
    assert record["provisionSubStatus"] == "waiting" and record["provisioningTimestamp"]
    assert record["externalControllerSn"] == "FMG-VM0000000001"
    assert record["externalControllerIp"] == "10.0.0.10"
    lab.advance(30)
    assert lab.fz("GET", f"/devices/{FGT}").json()["provisionSubStatus"] == "provisioning"
    lab.advance(30)
    record = lab.fz("GET", f"/devices/{FGT}").json()
    assert record["provisionSubStatus"] is None
    assert record["provisioningCompleteTimestamp"] == record["provisioningTimestamp"] + 60000
    # Unprovision clears the target.
    resp = lab.fz("PUT", f"/devices/{FGT}", json={"deviceType": "FortiGate",
                                                  "provisionStatus": "unprovisioned"})
    assert resp.status_code == 200 and resp.content == b""
    record = lab.fz("GET", f"/devices/{FGT}").json()
    assert record["provisionStatus"] == "unprovisioned" and record["provisionTarget"] is None


def test_offline_device_turns_incomplete(lab):
    lab.settings(speed=0)
    lab.set_fortiztp_online(FGT, False)
    provision_fortigate(lab, FGT)
    lab.advance(1799)
    assert lab.fz("GET", f"/devices/{FGT}").json()["provisionSubStatus"] == "waiting"
    lab.advance(1)
    record = lab.fz("GET", f"/devices/{FGT}").json()
    assert record["provisionStatus"] == "incomplete"
    assert record["provisionSubStatus"] == "provisioningtoolong"


@pytest.mark.parametrize("body,message", [
    ({"provisionStatus": "provisioned", "provisionTarget": "FortiManager",
      "fortiManagerOid": 1}, "deviceType is required"),
    ({"deviceType": "FortiAP", "provisionStatus": "provisioned"}, "is a FortiGate"),
    ({"deviceType": "FortiGate", "provisionStatus": "hidden"}, "provisionStatus must be"),
    ({"deviceType": "FortiGate", "provisionStatus": "provisioned",
      "provisionTarget": "Moon"}, "provisionTarget must be"),
    ({"deviceType": "FortiGate", "provisionStatus": "provisioned",
      "provisionTarget": "FortiManager"}, "FortiManager target needs"),
    ({"deviceType": "FortiGate", "provisionStatus": "provisioned",
      "provisionTarget": "FortiManager", "fortiManagerOid": 99}, "doesn't exist"),
    ({"deviceType": "FortiGate", "provisionStatus": "provisioned",
      "provisionTarget": "FortiGateCloud"}, "region is required"),
    ({"deviceType": "FortiGate", "provisionStatus": "provisioned",
      "provisionTarget": "ExternalController"}, "externalControllerIp is required"),
    ({"deviceType": "FortiGate", "provisionStatus": "provisioned",
      "provisionTarget": "FortiManager", "fortiManagerOid": 1, "scriptOid": 42},
     "Script 42"),
    ({"deviceSN": "OTHER", "deviceType": "FortiGate", "provisionStatus": "unprovisioned"},
     "does not match"),
    ({"deviceType": "FortiGate", "provisionStatus": "provisioned",
      "provisionTarget": "FortiManager", "fortiManagerOid": "1"}, "fortiManagerOid"),
])
def test_provision_rules(lab, body, message):
    resp = lab.fz("PUT", f"/devices/{FGT}", json=body)
    assert resp.status_code == 400, resp.text
    assert resp.json()["error"] == "invalid_request" and message in resp.json()[
        "error_description"]


def test_other_targets(lab):
    for body in ({"provisionTarget": "FortiGateCloud", "region": "global"},
                 {"provisionTarget": "FortiManager", "externalControllerSn": "FMG-VM02",
                  "externalControllerIp": "10.0.0.20"}):
        resp = lab.fz("PUT", f"/devices/{FGT}", json={
            "deviceSN": FGT, "deviceType": "FortiGate", "provisionStatus": "provisioned",
            **body})
        assert resp.status_code == 200, resp.text
    assert lab.fz("PUT", "/devices/FP231FTF20000001", json={
        "deviceType": "FortiAP", "provisionStatus": "provisioned",
        "provisionTarget": "ExternalController",
        "externalControllerIp": "ac.example.net"}).status_code == 200


def test_bulk_validate_all_then_apply(lab):
    good = {"deviceType": "FortiGate", "provisionStatus": "provisioned",
            "provisionTarget": "FortiManager", "fortiManagerOid": 1}
    resp = lab.fz("PUT", "/devices", json=[{"deviceSN": FGT, **good},
                                           {"deviceSN": "testSN", **good}])
    assert resp.status_code == 400
    assert resp.json() == {"error": "invalid_request",
                           "error_description": "Device testSN doesn't exist in this account"}
    assert lab.fz("GET", f"/devices/{FGT}").json()["provisionStatus"] == "unprovisioned"
    resp = lab.fz("PUT", "/devices", json=[{"deviceSN": FGT, **good},
                                           {"deviceSN": "FGT60FTK20000011", **good}])
    assert resp.status_code == 200
    assert lab.fz("GET", "/devices", params={"provisionStatus": "provisioned"}).json()[
        "total"] == 2
    assert lab.fz("PUT", "/devices", json={"deviceSN": FGT}).status_code == 400
    assert lab.fz("PUT", "/devices", json=[good]).status_code == 400  # no deviceSN


def test_put_variants(lab):
    body = {"deviceType": "FortiGate", "provisionStatus": "unprovisioned"}
    lab.settings(fortiztp_put_body="json")
    resp = lab.fz("PUT", f"/devices/{FGT}", json=body)
    assert resp.status_code == 200 and resp.json() == {}
    lab.settings(fortiztp_put_status=204)
    resp = lab.fz("PUT", f"/devices/{FGT}", json=body)
    assert resp.status_code == 204 and resp.content == b""
    lab.settings(fortiztp_put_status=200, fortiztp_put_body="empty")
    resp = lab.fz("PUT", "/devices", json=[{"deviceSN": FGT, **body}])
    assert resp.status_code == 200 and resp.content == b""


def test_list_key_variant(lab):
    lab.settings(fortiztp_list_key="devices")
    body = lab.fz("GET", "/devices").json()
    assert "data" not in body and body["total"] == len(body["devices"])
    fmgs = lab.fz("GET", "/setting/fortimanagers").json()
    assert "data" not in fmgs and fmgs["fortiManagers"][0]["oid"] == 1


def test_firmware_profiles(lab):
    assert lab.fz("GET", f"/devices/{FGT}/regions/global/firmwareprofiles").json()["data"]
    assert lab.fz("GET", "/devices/FP231FTF20000001/regions/global/firmwareprofiles").json() \
        == {"data": []}
    assert lab.fz("GET", "/devices/NOPE123/regions/global/firmwareprofiles").status_code == 404


def test_scripts_crud_and_content(lab):
    scripts = lab.fz("GET", "/setting/scripts").json()
    assert scripts["total"] == 1 and scripts["data"][0]["name"] == "baseline-prerun"
    created = lab.fz("POST", "/setting/scripts", json={"name": "site-prerun", "oid": 77}).json()
    oid = created["oid"]
    assert oid == 2 and created["updateTime"] > 0
    assert lab.fz("POST", "/setting/scripts", json={"name": "site-prerun"}).status_code == 400
    assert lab.fz("POST", "/setting/scripts", json={"name": 5}).status_code == 400
    assert lab.fz("GET", f"/setting/scripts/{oid}").json()["name"] == "site-prerun"
    resp = lab.fz("GET", f"/setting/scripts/{oid}/content")
    assert resp.text == "" and resp.headers["content-type"].startswith("text/plain")
    for kw, expected in (
            ({"data": "config a\n", "headers": {"Content-Type": "text/plain"}}, "config a\n"),
            ({"files": {"file": ("s.txt", b"config b\n", "text/plain")}}, "config b\n"),
            ({"json": {"content": "config c\n"}}, "config c\n")):
        assert lab.fz("PUT", f"/setting/scripts/{oid}/content", **kw).status_code == 200
        assert lab.fz("GET", f"/setting/scripts/{oid}/content").text == expected
    for kw in ({"json": {"script": "x"}}, {"files": {"other": ("s", b"x")}},
               {"data": b"x", "headers": {"Content-Type": "image/png"}}):
        assert lab.fz("PUT", f"/setting/scripts/{oid}/content", **kw).status_code == 400
    assert lab.fz("PUT", f"/setting/scripts/{oid}",
                  json={"oid": oid, "name": "renamed"}).status_code == 200
    assert lab.fz("GET", f"/setting/scripts/{oid}").json()["name"] == "renamed"
    assert lab.fz("PUT", f"/setting/scripts/{oid}", json={"oid": 1, "name": "x"}).status_code \
        == 400
    assert lab.fz("DELETE", f"/setting/scripts/{oid}").status_code == 200
    for method in ("GET", "DELETE"):
        assert lab.fz(method, f"/setting/scripts/{oid}").status_code == 404
    assert lab.fz("GET", "/setting/scripts/abc").status_code == 400


def test_fortimanagers_crud_and_references(lab):
    assert lab.fz("GET", "/setting/fortimanagers").json()["data"][0]["sn"] == "FMG-VM0000000001"
    created = lab.fz("POST", "/setting/fortimanagers", json={
        "sn": "FMG-A,FMG-B", "ip": "10.0.0.1,10.0.0.2"}).json()
    oid = created["oid"]
    assert oid == 2 and created["scriptOid"] is None
    assert lab.fz("POST", "/setting/fortimanagers", json={"sn": "x"}).status_code == 400
    assert lab.fz("POST", "/setting/fortimanagers",
                  json={"sn": "x", "ip": "y", "scriptOid": 9}).status_code == 400
    resp = lab.fz("PUT", f"/setting/fortimanagers/{oid}",
                  json={"oid": oid, "sn": "FMG-C", "ip": "10.0.0.3", "scriptOid": 1})
    assert resp.status_code == 200
    assert lab.fz("GET", f"/setting/fortimanagers/{oid}").json()["sn"] == "FMG-C"
    # The script is referenced by both FortiManager settings: 400.
    resp = lab.fz("DELETE", "/setting/scripts/1")
    assert resp.status_code == 400 and "FortiManager setting" in resp.json()[
        "error_description"]
    # A FortiManager referenced by a provisioned device cannot go.
    provision_fortigate(lab, FGT)
    assert lab.fz("DELETE", "/setting/fortimanagers/1").status_code == 400
    assert lab.fz("DELETE", f"/setting/fortimanagers/{oid}").status_code == 200
    assert lab.fz("GET", f"/setting/fortimanagers/{oid}").status_code == 404


def test_system_status(lab):
    body = lab.fz("GET", "/system").json()
    assert body["serviceName"] == "FortiZTP" and body["serviceStatus"] == "Operational"
    lab.settings(service_status="Partial outage")
    assert lab.fz("GET", "/system").json()["serviceStatus"] == "Partial outage"


def test_rate_limit(lab):
    lab.settings(rate_limit_per_hour=3)
    for _attempt in range(3):
        assert lab.fz("GET", "/system").status_code == 200
    resp = lab.fz("GET", "/system")
    assert resp.status_code == 429 and resp.json()["error"] == "rate_limit_exceeded"
    assert 3500 <= int(resp.headers["Retry-After"]) <= 3600
    assert lab.counters()["rate_limited"] == 1
    lab.advance(3601)
    assert lab.fz("GET", "/system").status_code == 200


def test_unknown_path_and_bad_body(lab):
    resp = lab.fz("GET", "/nothing")
    assert resp.status_code == 404 and resp.json()["error"] == "not_found"
    resp = lab.fz("PUT", f"/devices/{FGT}", data="{", headers={"Content-Type":
                                                               "application/json"})
    assert resp.status_code == 400 and resp.json()["error"] == "invalid_request"
