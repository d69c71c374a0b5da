"""A FortiZTP client written the way hfortix does it (base_url and auth_url overridden,
JSON content type everywhere, `useCache=True` as Python's urlencode writes a bool), to show
a third-party client works against the lab."""
from urllib.parse import urlencode

import requests


class HfortixStyleClient:
    def __init__(self, api_id, password, base_url, auth_url, client_id="fortiztp"):
        self.base_url = base_url.rstrip("/")       # e.g. .../public/api
        self.auth_url = auth_url.rstrip("/")       # e.g. .../api/v1
        self.http = requests.Session()
        self.http.headers.update({"Accept": "application/json",
                                  "Content-Type": "application/json",
                                  "User-Agent": "hfortix/0.5.164"})
        resp = self.http.post(self.auth_url + "/oauth/token/", timeout=10, json={
            "username": api_id, "password": password, "client_id": client_id,
            "grant_type": "password"})
        resp.raise_for_status()
        self.http.headers["Authorization"] = f"Bearer {resp.json()['access_token']}"

    def request(self, method, path, params=None, **kw):
        url = self.base_url + path
        if params:
            url += "?" + urlencode(params)  # True -> "True", as hfortix-core sends it
        resp = self.http.request(method, url, timeout=10, **kw)
        resp.raise_for_status()
        return resp.json() if resp.content else None


def test_hfortix_style_client(lab):
    client = HfortixStyleClient(lab.api_id, lab.password, base_url=lab.url + "/public/api",
                                auth_url=lab.auth_url)
    devices = client.request("GET", "/v2/devices", params={"useCache": True})
    assert devices["total"] == len(devices["data"]) and devices["hasCache"] is True
    one = client.request("GET", "/v2/devices/FGT60FTK20000012", params={"useCache": False})
    assert one["deviceType"] == "FortiGate"
    assert client.request("PUT", "/v2/devices/FGT60FTK20000012", json={
        "deviceSN": "FGT60FTK20000012", "deviceType": "FortiGate",
        "provisionStatus": "provisioned", "provisionTarget": "FortiManager",
        "fortiManagerOid": 1}) is None  # 200, empty body by default
    # Scripts: two-step create (metadata, then content), read back, delete.
    script = client.request("POST", "/v2/setting/scripts", json={"oid": 0, "name": "tp-script"})
    client.request("PUT", f"/v2/setting/scripts/{script['oid']}/content",
                   json={"content": "config system global\nend\n"})
    content = client.http.get(f"{client.base_url}/v2/setting/scripts/{script['oid']}/content",
                              timeout=10)
    assert content.text == "config system global\nend\n"
    assert any(s["oid"] == script["oid"]
               for s in client.request("GET", "/v2/setting/scripts")["data"])
    # FortiManager settings: create, update, list, delete.
    fmg = client.request("POST", "/v2/setting/fortimanagers",
                         json={"sn": "FMG-VM0000000002", "ip": "10.0.0.11",
                               "scriptOid": script["oid"]})
    client.request("PUT", f"/v2/setting/fortimanagers/{fmg['oid']}",
                   json={"oid": fmg["oid"], "sn": "FMG-VM0000000002", "ip": "10.0.0.12"})
    assert client.request("GET", f"/v2/setting/fortimanagers/{fmg['oid']}")["ip"] == "10.0.0.12"
    client.request("DELETE", f"/v2/setting/fortimanagers/{fmg['oid']}")
    client.request("DELETE", f"/v2/setting/scripts/{script['oid']}")
    assert client.request("GET", "/v2/system")["serviceStatus"] == "Operational"
