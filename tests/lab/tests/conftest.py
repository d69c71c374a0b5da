"""Fixtures for the lab's own tests (the `lab` fixture comes from tests/conftest.py)."""
import sys
from pathlib import Path

import pytest

# lab_helpers.py sits beside this file (works under every pytest import mode).
sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture
def new_manifest(lab):
    """A draft manifest from helm_topology_789 with no serials: (id, {hostname: device})."""
    resp = lab.bw("POST", "/manifests", json={"name": "Example site", "site_id": "site_900",
                                              "topology_source": "helm_topology_789"})
    assert resp.status_code == 201, resp.text
    manifest_id = resp.json()["id"]
    devices = lab.bw("GET", f"/manifests/{manifest_id}").json()["devices"]
    return manifest_id, {d["hostname"]: d for d in devices}
