"""Start and drive the lab (tests/lab/ztplab) from tests.

    lab, proc = start_lab()
    lab.reset()
    lab.bw("GET", "/manifests").json()
    stop(proc)
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

LAB_DIR = Path(__file__).resolve().parents[1] / "lab"

BREAKWATER_TOKEN = "bw-lab-token"
READONLY_TOKEN = "bw-lab-readonly"
API_ID = "lab-api-user"
PASSWORD = "lab-api-password"


class Lab:
    """A running lab: its URLs, credentials and control-plane calls."""

    def __init__(self, url: str, breakwater_token: str = BREAKWATER_TOKEN,
                 readonly_token: str = READONLY_TOKEN, api_id: str = API_ID,
                 password: str = PASSWORD):
        self.url = url.rstrip("/")
        self.breakwater_token = breakwater_token
        self.readonly_token = readonly_token
        self.api_id = api_id
        self.password = password
        self.session = requests.Session()
        self._fz_token: str | None = None

    @property
    def breakwater_url(self) -> str:
        return self.url + "/api/v1/ztp"

    @property
    def fortiztp_base_url(self) -> str:
        return self.url + "/public/api/v2"

    @property
    def auth_url(self) -> str:
        return self.url + "/api/v1"

    # --- control plane -------------------------------------------------------------------
    def _lab(self, method: str, path: str, **kw) -> requests.Response:
        resp = self.session.request(method, self.url + "/_lab" + path, timeout=60, **kw)
        resp.raise_for_status()
        return resp

    def reset(self, fixtures: str = "default", synthetic: int | None = None) -> None:
        body = {"fixtures": fixtures}
        if synthetic:
            body["synthetic"] = synthetic
        self._lab("POST", "/reset", json=body)
        self._fz_token = None

    def counters(self) -> dict:
        return self._lab("GET", "/counters").json()

    def reset_counters(self) -> None:
        self._lab("DELETE", "/counters")

    def fault(self, **kw) -> str:
        """Inject a fault, e.g. fault(path="/api/v1/ztp/manifests*", status=503, count=2)."""
        return self._lab("POST", "/faults", json=kw).json()["id"]

    def clear_faults(self) -> None:
        self._lab("DELETE", "/faults")

    def settings(self, **kw) -> dict:
        """Update settings (partial) and return them all; with no arguments just read them."""
        if kw:
            return self._lab("PUT", "/settings", json=kw).json()
        return self._lab("GET", "/settings").json()

    def advance(self, seconds: float) -> None:
        self._lab("POST", "/time/advance", json={"seconds": seconds})

    def state(self) -> dict:
        return self._lab("GET", "/state").json()

    def synthetic(self, n: int, name: str | None = None, site_id: str | None = None) -> str:
        body = {"devices": n}
        if name:
            body["name"] = name
        if site_id:
            body["site_id"] = site_id
        return self._lab("POST", "/synthetic", json=body).json()["manifest_id"]

    def synthetic_sites(self, sites: int, devices: int, manifests: bool = True) -> list[dict]:
        """Many synthetic sites at once: per site its site_id, name, topology_source, manifest_id
        (None with manifests=False) and devices (hostname, serial_number, device_type)."""
        return self._lab("POST", "/synthetic-sites", json={
            "sites": sites, "devices": devices, "manifests": manifests}).json()["sites"]

    def bump_template(self, template_id: str) -> dict:
        """A new version of a Breakwater template (its configs become stale)."""
        return self._lab("POST", f"/templates/{template_id}/bump").json()

    def load_fixtures(self, name: str) -> None:
        self._lab("POST", "/fixtures", json={"name": name})

    def set_fortiztp_online(self, serial: str, online: bool) -> None:
        self._lab("PUT", f"/fortiztp/devices/{serial}", json={"online": online})

    def revoke_fortiztp_tokens(self) -> None:
        self._lab("POST", "/fortiztp/revoke-tokens")

    # --- authenticated raw calls for assertions ------------------------------------------
    def bw(self, method: str, path: str, token: str | None = None, **kw) -> requests.Response:
        """Breakwater call; `path` is relative to /api/v1/ztp (e.g. "/manifests")."""
        headers = {"Authorization": f"Bearer {token or self.breakwater_token}",
                   **kw.pop("headers", {})}
        return self.session.request(method, self.breakwater_url + path, headers=headers,
                                    timeout=60, **kw)

    def fz_login(self) -> str:
        resp = self.session.post(self.auth_url + "/oauth/token/", timeout=30, json={
            "username": self.api_id, "password": self.password,
            "client_id": "fortiztp", "grant_type": "password"})
        resp.raise_for_status()
        self._fz_token = resp.json()["access_token"]
        return self._fz_token

    def fz(self, method: str, path: str, **kw) -> requests.Response:
        """FortiZTP call; `path` is relative to /public/api/v2. Logs in once, again on 401."""
        extra_headers = kw.pop("headers", {})
        for attempt in range(2):
            token = self._fz_token or self.fz_login()
            headers = {"Authorization": f"Bearer {token}", **extra_headers}
            resp = self.session.request(method, self.fortiztp_base_url + path,
                                        headers=headers, timeout=60, **kw)
            if resp.status_code != 401 or attempt:
                return resp
            self._fz_token = None
        return resp


def start_lab(extra_args=(), timeout: float = 15.0) -> tuple[Lab, subprocess.Popen]:
    """Start `python -m ztplab serve --port 0` and wait until it answers."""
    url_file = Path(tempfile.mkdtemp(prefix="ztplab-")) / "url"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(LAB_DIR), env.get("PYTHONPATH")]))
    proc = subprocess.Popen(
        [sys.executable, "-m", "ztplab", "serve", "--port", "0", "--url-file", str(url_file),
         *extra_args], env=env)
    deadline = time.monotonic() + timeout
    while not url_file.exists():
        if proc.poll() is not None:
            raise RuntimeError(f"lab exited with status {proc.returncode}")
        if time.monotonic() > deadline:
            stop(proc)
            raise RuntimeError(f"lab did not start within {timeout} s")
        time.sleep(0.05)
    return Lab(url_file.read_text().strip()), proc


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
