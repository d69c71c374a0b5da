"""The real third-party FortiZTP SDK, hfortix-fortiztp (sync client), against the lab.

Only the base URL and the OAuth token URL are overridden. What works, what does not and why is
summarised in tests/lab/README.md ("Third-party clients") and docs/api/fortiztp.md. In short:

- hfortix-core calls response.json() on every 2xx answer, so the lab's default variant (empty
  PUT/DELETE bodies, like the real service may send) makes every SDK write raise
  json.JSONDecodeError *after* the write was applied. With the lab switch
  fortiztp_put_body=json everything but script content works.
- scripts_put_content() sends no body at all: the lab refuses it with 400.
- scripts_get_content() JSON-decodes the text/plain script body: it cannot read any script.

Lab state is checked through the control plane (lab.state(), no login), or with the SDK's own
token, because a second password grant would invalidate the SDK's token (one token per user).
"""
from __future__ import annotations

import json

import pytest
import requests

hfortix_fortiztp = pytest.importorskip(
    "hfortix_fortiztp", reason="hfortix-fortiztp not installed (requirements-dev.txt)")
httpx = pytest.importorskip("httpx", reason="httpx comes with hfortix-fortiztp")

FORTIGATE = "FGT60FTK20000012"   # spare FortiGate, unprovisioned in the default fixtures
SPARES = ("FGT60FTK20000013", "FGT60FTK20000014")
FMG_SERIAL = "FMG-VM0000000002"


def connect(lab):
    """The SDK in its documented auto-login mode, pointed at the lab."""
    return hfortix_fortiztp.FortiZTP(
        api_id=lab.api_id, password=lab.password,
        base_url=lab.url + "/public/api",               # the SDK appends /v2/... per call
        auth_url=lab.auth_url + "/oauth/token/",        # full token URL, not a root
        connect_timeout=5, read_timeout=10)  # default max_retries=3 (5xx, 429, network)


def raw(lab, client, method, path, **kw):
    """A call with the SDK's own bearer token (cached by FortiCloudAuth: no new login)."""
    token = client._auth.get_token()  # pylint: disable=protected-access
    headers = {"Authorization": f"Bearer {token}", **kw.pop("headers", {})}
    return requests.request(method, lab.fortiztp_base_url + path, headers=headers, timeout=10,
                            **kw)


def fz_state(lab):
    return lab.state()["fortiztp"]


def fz_device(lab, serial):
    return next(d for d in fz_state(lab)["devices"] if d["deviceSN"] == serial)


@pytest.mark.parametrize("variant", [{}, {"fortiztp_put_status": 204}],
                         ids=["default-empty-200", "204-no-content"])
def test_sdk_writes_break_on_empty_answers(lab, variant):
    """Known hfortix sharp edge (docs/api/fortiztp.md): an empty 200/204 answer to a PUT or
    DELETE makes the SDK raise json.JSONDecodeError although the server applied the write, so
    the caller cannot tell success from failure. The lab's default variant is empty bodies."""
    settings = lab.settings(**variant) if variant else lab.settings()
    assert settings["fortiztp_put_body"] == "empty"  # the lab's default
    with connect(lab) as client:
        with pytest.raises(json.JSONDecodeError):
            client.devices.put(device_sn=FORTIGATE, device_type="FortiGate",
                               provision_status="provisioned", provision_target="FortiManager",
                               forti_manager_oid=1)
        assert fz_device(lab, FORTIGATE)["provisionStatus"] == "provisioned"  # applied anyway

        created = client.fortimanagers.fortimanagers_post(sn=FMG_SERIAL, ip="10.0.0.11")
        assert created.http_status_code == 200  # POST answers JSON in every variant
        with pytest.raises(json.JSONDecodeError):
            client.fortimanagers.fortimanagers_delete(oid=created["oid"])
        assert created["oid"] not in [f["oid"] for f in fz_state(lab)["fortimanagers"]]

    counters = lab.counters()
    assert counters["logins"] == 1
    # A decode error is not retried: each write reached the lab exactly once.
    assert counters["by_route"]["PUT /public/api/v2/devices/{deviceSN}"] == 1
    assert counters["by_route"]["DELETE /public/api/v2/setting/fortimanagers/{oid}"] == 1


def test_sdk_against_lab_json_variant(lab):
    """Everything the SDK can do, with fortiztp_put_body=json (the variant hfortix needs)."""
    lab.settings(fortiztp_put_body="json")
    client = connect(lab)
    assert lab.counters()["logins"] == 1  # the constructor logged in once, with client_id fortiztp

    # --- devices: list (with every filter hfortix sends), get, firmware profiles ------------
    everything = client.devices.list()
    assert everything.http_status_code == 200
    assert everything["total"] == len(everything) == len(fz_state(lab)["devices"])
    assert everything["hasCache"] is True
    by_serial = {device.deviceSN: device for device in everything}  # FortiZTPDevice objects
    assert by_serial[FORTIGATE].provisionStatus == "unprovisioned"
    # use_cache=True goes on the wire as "useCache=True" (urlencode of a Python bool).
    filtered = client.devices.list(provision_status="unprovisioned", device_type="FortiGate",
                                   device_sn=f"{FORTIGATE},{SPARES[0]},S124EN5918000001",
                                   use_cache=True)
    assert sorted(d["deviceSN"] for d in filtered.data) == [FORTIGATE, SPARES[0]]
    assert "useCache=True" in filtered.request_url

    one = client.devices.get(device_sn=FORTIGATE, use_cache=False)
    assert (one.deviceSN, one.deviceType, one.provisionStatus) == (
        FORTIGATE, "FortiGate", "unprovisioned")
    assert one.provisionTarget is None

    profiles = client.devices.regions.firmwareprofiles.get(device_sn=FORTIGATE, region="global")
    assert profiles.data == ["global-7.2-mature", "global-7.4-feature"]

    # --- scripts ---------------------------------------------------------------------------
    scripts = client.scripts.scripts_list()
    assert [(s.oid, s.name) for s in scripts] == [(1, "baseline-prerun")]
    # scripts_post demands an oid; the server assigns its own and ignores ours.
    created = client.scripts.scripts_post(oid=0, name="hfortix-prerun")
    oid = created["oid"]
    assert oid not in (0, 1) and created["name"] == "hfortix-prerun" and created["updateTime"]
    assert client.scripts.scripts_get(oid=oid).name == "hfortix-prerun"
    renamed = client.scripts.scripts_put(oid=oid, name="hfortix-prerun-v2")
    assert renamed.http_status_code == 200 and renamed["name"] == "hfortix-prerun-v2"
    assert {s["oid"]: s["name"] for s in fz_state(lab)["scripts"]}[oid] == "hfortix-prerun-v2"

    # scripts_put_content sends no body: the lab answers 400 invalid_request.
    with pytest.raises(httpx.HTTPStatusError) as refused:
        client.scripts.scripts_put_content(oid=oid)
    assert refused.value.response.status_code == 400
    assert refused.value.response.json()["error"] == "invalid_request"
    # The upload a working client sends, with the SDK's token; then the SDK cannot read it
    # back: the content is text/plain and the SDK JSON-decodes every answer.
    script_text = "config system global\n    set hostname fgt-lab\nend\n"
    upload = raw(lab, client, "PUT", f"/setting/scripts/{oid}/content",
                 data=script_text.encode(), headers={"Content-Type": "text/plain"})
    assert upload.status_code == 200, upload.text
    with pytest.raises(json.JSONDecodeError):
        client.scripts.scripts_get_content(oid=oid)
    assert raw(lab, client, "GET", f"/setting/scripts/{oid}/content").text == script_text

    # --- FortiManager settings -------------------------------------------------------------
    fmgs = client.fortimanagers.fortimanagers_list()
    assert [(f.oid, f.sn, f.ip) for f in fmgs] == [(1, "FMG-VM0000000001", "10.0.0.10")]
    fmg = client.fortimanagers.fortimanagers_post(sn=FMG_SERIAL, ip="10.0.0.11", script_oid=oid)
    fmg_oid = fmg["oid"]
    assert fmg_oid != 1 and fmg["scriptOid"] == oid
    assert client.fortimanagers.fortimanagers_get(oid=fmg_oid).ip == "10.0.0.11"
    updated = client.fortimanagers.fortimanagers_put(oid=fmg_oid, sn=FMG_SERIAL, ip="10.0.0.12",
                                                     script_oid=oid)
    assert updated["ip"] == "10.0.0.12"
    stored = {f["oid"]: f for f in fz_state(lab)["fortimanagers"]}[fmg_oid]
    assert (stored["sn"], stored["ip"], stored["scriptOid"]) == (FMG_SERIAL, "10.0.0.12", oid)

    # --- provisioning: one device, bulk, read-back, unprovision ------------------------------
    answer = client.devices.put(device_sn=FORTIGATE, device_type="FortiGate",
                                provision_status="provisioned", provision_target="FortiManager",
                                forti_manager_oid=fmg_oid, script_oid=oid)
    assert answer.http_status_code == 200 and answer.raw == {}
    back = client.devices.get(device_sn=FORTIGATE)
    assert (back.provisionStatus, back.provisionTarget, back.fortiManagerOid, back.scriptOid) == (
        "provisioned", "FortiManager", fmg_oid, oid)
    assert back.provisionSubStatus in ("waiting", "provisioning", None)
    assert fz_device(lab, FORTIGATE)["provisionStatus"] == "provisioned"

    bulk = client.devices.put_bulk(devices=[
        {"deviceSN": serial, "deviceType": "FortiGate", "provisionStatus": "provisioned",
         "provisionTarget": "FortiManager", "fortiManagerOid": 1} for serial in SPARES])
    assert bulk.http_status_code == 200
    provisioned = client.devices.list(provision_status="provisioned")
    assert {d.deviceSN for d in provisioned} == {FORTIGATE, *SPARES}

    # The lab's referential checks reach the SDK as plain httpx errors (8.4): the FortiManager
    # setting and its script are in use by a provisioned device.
    for call in (lambda: client.fortimanagers.fortimanagers_delete(oid=fmg_oid),
                 lambda: client.scripts.scripts_delete(oid=oid)):
        with pytest.raises(httpx.HTTPStatusError) as in_use:
            call()
        assert in_use.value.response.status_code == 400
    client.devices.put(device_sn=FORTIGATE, device_type="FortiGate",
                       provision_status="unprovisioned")
    assert fz_device(lab, FORTIGATE)["provisionStatus"] == "unprovisioned"

    # --- clean up through the SDK: FortiManager setting, then its script ----------------------
    assert client.fortimanagers.fortimanagers_delete(oid=fmg_oid).http_status_code == 200
    assert client.scripts.scripts_delete(oid=oid).http_status_code == 200
    state = fz_state(lab)
    assert fmg_oid not in [f["oid"] for f in state["fortimanagers"]]
    assert oid not in [s["oid"] for s in state["scripts"]]
    with pytest.raises(httpx.HTTPStatusError) as gone:
        client.scripts.scripts_get(oid=oid)
    assert gone.value.response.status_code == 404

    # --- system status -----------------------------------------------------------------------
    status = client.system.system_get()
    assert (status.serviceName, status.serviceStatus) == ("FortiZTP", "Operational")
    lab.settings(service_status="Degraded performance")
    assert client.system.system_get().serviceStatus == "Degraded performance"

    client.logout()
    counters = lab.counters()
    assert counters["logins"] == 1 and counters["unauthorized"] == 0
