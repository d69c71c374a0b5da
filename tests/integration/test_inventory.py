"""The inventory plugins against the lab: golden `ansible-inventory --list` output, unsafe values,
API calls per run, the cache, and errors.

Goldens live in tests/integration/inventory/golden/<inventory file stem>.json. After a deliberate
change, regenerate them with

    BWZ_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/integration/test_inventory.py -k golden

and review the diff before committing.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.helpers.ansible import ansible_inventory, inventory_env, run_playbook

INVENTORY_DIR = Path(__file__).resolve().parent / "inventory"
GOLDEN_DIR = INVENTORY_DIR / "golden"
UNSAFE_NAME = "{{ lookup('pipe', 'id') }}"
# Written to a temporary file by the test (ansible-lint takes every YAML file under an
# "inventory" folder for an inventory, so it cannot live beside the inventory files).
UNSAFE_PLAY = r"""---
# Run with -i unsafe.breakwater_ztp.yml: using the host vars of a device named
# "{{ lookup('pipe', 'id') }}" must never run the lookup.
- name: Use the vars of the unsafe host
  hosts: manifest_unsafe_hostname_lab
  connection: local
  gather_facts: false
  tasks:
    - name: Render the hostname var
      ansible.builtin.set_fact:
        rendered_hostname: "{{ hostname }}"
        rendered_label: "{{ label }}"
        rendered_inventory_hostname: "{{ inventory_hostname }}"

    - name: Show the hostname
      ansible.builtin.debug:
        msg: "{{ hostname }}"

    - name: The values stayed literal
      ansible.builtin.assert:
        that:
          - "'uid=' not in rendered_hostname"
          - "'uid=' not in rendered_label"
          - rendered_hostname == inventory_hostname
          - rendered_inventory_hostname == inventory_hostname
          - rendered_label == hostname ~ '@site_unsafe'
"""

VOLATILE = ("fortiztp_provisioning_timestamp", "fortiztp_provisioning_complete_timestamp")


def normalise(inventory, lab):
    """Replace what changes from run to run: the lab's port, provisioning timestamps."""
    for hostvars in inventory.get("_meta", {}).get("hostvars", {}).values():
        for name in VOLATILE:
            if hostvars.get(name) is not None:
                hostvars[name] = "<timestamp>"
    text = json.dumps(inventory, indent=2, sort_keys=True) + "\n"
    return text.replace(lab.url, "<lab_url>")


# --- lab states the goldens are taken from ------------------------------------------------

def generate_two_configs(lab):
    lab.bw("POST", "/manifests/manifest_123/generate-configs",
           json={"device_ids": ["device_002", "device_003"]}).raise_for_status()
    lab.advance(600)  # the configs are generated in simulated time


def floor_a_draft_with_configs(lab):
    generate_two_configs(lab)
    lab.bw("PUT", "/manifests/manifest_123", json={"status": "draft"}).raise_for_status()


def second_manifest_same_topology(lab):
    lab.bw("POST", "/manifests", json={"name": "Production Floor A again", "site_id": "site_999",
                                       "topology_source": "helm_topology_789"}).raise_for_status()


def provision_three(lab):
    """Two provisioned (FortiManager, external controller), one incomplete (offline)."""
    lab.set_fortiztp_online("FGT60FTK20000002", False)
    lab.fz("PUT", "/devices", json=[
        {"deviceSN": "FGT60FTK20000001", "deviceType": "FortiGate", "provisionStatus": "provisioned",
         "provisionTarget": "FortiManager", "fortiManagerOid": 1},
        {"deviceSN": "FGT60FTK20000002", "deviceType": "FortiGate", "provisionStatus": "provisioned",
         "provisionTarget": "FortiManager", "fortiManagerOid": 1},
        {"deviceSN": "FP231FTF20000001", "deviceType": "FortiAP", "provisionStatus": "provisioned",
         "provisionTarget": "ExternalController", "externalControllerIp": "10.0.0.20"},
    ]).raise_for_status()
    lab.advance(3600)  # provisioning completes (or gives up after 30 minutes)


def second_manifest_same_site(lab):
    """Site site_456 with a second manifest (its site hosts are then named after site and manifest)."""
    generate_two_configs(lab)
    lab.bw("POST", "/manifests", json={"name": "Production Floor A annex", "site_id": "site_456",
                                       "topology_source": "helm_topology_790"}).raise_for_status()


GOLDEN_CASES = {
    "all.breakwater_ztp.yml": generate_two_configs,
    "floor_a.breakwater_ztp.yml": generate_two_configs,
    "unsafe.breakwater_ztp.yml": None,
    "statuses.breakwater_ztp.yml": floor_a_draft_with_configs,
    "duplicates.breakwater_ztp.yml": second_manifest_same_topology,
    "sites.breakwater_ztp.yml": generate_two_configs,
    "site_manifests.breakwater_ztp.yml": second_manifest_same_site,
    "all.fortiztp.yml": provision_three,
    "fortigates.fortiztp.yml": provision_three,
}


@pytest.mark.parametrize("source", sorted(GOLDEN_CASES))
def test_inventory_list_matches_its_golden_file(lab, tmp_path, source):
    if GOLDEN_CASES[source]:
        GOLDEN_CASES[source](lab)
    rc, inventory, stderr = ansible_inventory(lab, tmp_path, INVENTORY_DIR / source)
    assert rc == 0, stderr
    assert inventory["_meta"]["hostvars"], "no hosts: %s" % stderr
    text = normalise(inventory, lab)
    golden = GOLDEN_DIR / (source.rsplit(".", 1)[0] + ".json")
    if os.environ.get("BWZ_UPDATE_GOLDEN") == "1":
        golden.write_text(text)
    assert golden.exists(), "no golden %s: run with BWZ_UPDATE_GOLDEN=1 and review it" % golden
    assert text == golden.read_text(), "ansible-inventory output differs from %s (BWZ_UPDATE_GOLDEN=1 regenerates)" % golden


def test_duplicate_hostnames_warn(lab, tmp_path):
    second_manifest_same_topology(lab)
    rc, inventory, stderr = ansible_inventory(lab, tmp_path, INVENTORY_DIR / "duplicates.breakwater_ztp.yml")
    assert rc == 0, stderr
    assert "two devices are named 'fw-prod-01'" in stderr
    hostvars = inventory["_meta"]["hostvars"]
    assert len(hostvars) == 14
    assert hostvars["fw-prod-01"]["manifest_id"] == "manifest_123"
    assert hostvars["fw-prod-01_device_010"]["site_id"] == "site_999"


def test_unsafe_hostname_stays_literal(lab, tmp_path):
    rc, inventory, stderr = ansible_inventory(lab, tmp_path, INVENTORY_DIR / "unsafe.breakwater_ztp.yml")
    assert rc == 0, stderr
    hostvars = inventory["_meta"]["hostvars"]
    assert UNSAFE_NAME in hostvars
    # ansible-inventory marks untrusted (unsafe) strings so that they round-trip as unsafe.
    assert hostvars[UNSAFE_NAME]["hostname"] == {"__ansible_unsafe": UNSAFE_NAME}
    assert hostvars[UNSAFE_NAME]["label"] == {"__ansible_unsafe": UNSAFE_NAME + "@site_unsafe"}
    assert "uid=" not in json.dumps(inventory)

    # A play that uses the vars: the lookup never runs.
    env = inventory_env(lab, tmp_path)
    env = dict((k, env[k]) for k in env if k.startswith(("ANSIBLE_INVENTORY", "BREAKWATER_")))
    playbook = tmp_path / "unsafe_play.yml"
    playbook.write_text(UNSAFE_PLAY)
    run = run_playbook(lab, playbook, inventory=str(INVENTORY_DIR / "unsafe.breakwater_ztp.yml"), env=env)
    assert run.rc == 0, run.output
    # (The recap parser of the helpers cannot read a host name with spaces; the records can.)
    asserted = dict((r["host"], r["status"]) for r in run.results("The values stayed literal"))
    assert asserted == {UNSAFE_NAME: "ok", "sw-unsafe-02": "ok"}, run.output
    shown = [r for r in run.results("Show the hostname") if r["host"] == UNSAFE_NAME]
    assert shown and shown[0]["result"]["msg"] == UNSAFE_NAME, run.records
    assert "uid=" not in run.output


@pytest.mark.parametrize("source", ["floor_a.breakwater_ztp.yml", "unsafe.breakwater_ztp.yml", "all.fortiztp.yml"])
def test_export_gives_plain_values(lab, tmp_path, source):
    """What an AWX inventory sync stores: plain values, only template-like strings unsafe."""
    rc, inventory, stderr = ansible_inventory(lab, tmp_path, INVENTORY_DIR / source, args=["--export"])
    assert rc == 0, stderr
    hostvars = inventory["_meta"]["hostvars"]
    assert hostvars
    unsafe = []
    for host, hvars in hostvars.items():
        if "ansible_host" in hvars:
            assert isinstance(hvars["ansible_host"], str), (host, hvars["ansible_host"])
        for name, value in hvars.items():
            if isinstance(value, dict) and "__ansible_unsafe" in value:
                unsafe.append((host, name, value["__ansible_unsafe"]))
    # Every value still marked unsafe is one that could be a template, and every such one is.
    assert all("{{" in value for _host, _name, value in unsafe), unsafe
    if source == "unsafe.breakwater_ztp.yml":
        assert sorted(name for _host, name, _value in unsafe) == ["hostname", "label"]
        assert hostvars[UNSAFE_NAME]["ansible_host"] == "192.168.99.11"
    else:
        assert unsafe == []
    assert "uid=" not in json.dumps(inventory)


@pytest.mark.slow
def test_big_manifest_one_call_per_manifest_then_cache(lab, tmp_path):
    manifest_id = lab.synthetic(10000, name="Synthetic 10k", site_id="site_10k")
    source = tmp_path / "big.breakwater_ztp.yml"
    source.write_text("\n".join([
        "plugin: breakwater.ztp.devices",
        "site_id: site_10k",
        "cache: true",
        "cache_plugin: ansible.builtin.jsonfile",
        "cache_connection: %s" % (tmp_path / "cache"),
        "cache_timeout: 3600",
        "",
    ]))
    lab.reset_counters()
    rc, inventory, stderr = ansible_inventory(lab, tmp_path, source)
    assert rc == 0, stderr
    hostvars = inventory["_meta"]["hostvars"]
    assert len(hostvars) == 10000
    assert {v["manifest_id"] for v in hostvars.values()} == {manifest_id}
    counters = lab.counters()
    assert counters["by_route"] == {"GET /api/v1/ztp/manifests": 1, "GET /api/v1/ztp/manifests/{manifest_id}": 1}, counters
    assert counters["total"] == 2

    lab.reset_counters()
    rc, cached, stderr = ansible_inventory(lab, tmp_path, source)
    assert rc == 0, stderr
    assert lab.counters()["total"] == 0
    assert cached == inventory

    # --flush-cache asks the API again (listing plus one call) and refreshes the cache.
    lab.reset_counters()
    rc, flushed, stderr = ansible_inventory(lab, tmp_path, source, args=["--flush-cache"])
    assert rc == 0, stderr
    assert lab.counters()["total"] == 2
    assert len(flushed["_meta"]["hostvars"]) == 10000


def test_every_manifest_costs_one_call(lab, tmp_path):
    lab.synthetic(40, site_id="site_syn")
    lab.reset_counters()
    rc, inventory, stderr = ansible_inventory(lab, tmp_path, INVENTORY_DIR / "all.breakwater_ztp.yml")
    assert rc == 0, stderr
    assert len(inventory["_meta"]["hostvars"]) == 7 + 2 + 40
    routes = lab.counters()["by_route"]
    assert routes == {"GET /api/v1/ztp/manifests": 1, "GET /api/v1/ztp/manifests/{manifest_id}": 3}, routes


def test_fortiztp_one_call_and_shared_token(lab, tmp_path):
    lab.reset_counters()
    rc, inventory, stderr = ansible_inventory(lab, tmp_path, INVENTORY_DIR / "all.fortiztp.yml")
    assert rc == 0, stderr
    assert len(inventory["_meta"]["hostvars"]) == 20
    counters = lab.counters()
    assert counters["by_route"] == {"POST /api/v1/oauth/token/": 1, "GET /public/api/v2/devices": 1}, counters
    token_files = list((tmp_path / "tokens").glob("*.json"))
    assert len(token_files) == 1 and oct(token_files[0].stat().st_mode & 0o777) == "0o600"
    assert lab.password not in token_files[0].read_text()

    # The next run (or a module of the same run) reuses the shared token: no second login.
    lab.reset_counters()
    rc, again, stderr = ansible_inventory(lab, tmp_path, INVENTORY_DIR / "all.fortiztp.yml")
    assert rc == 0, stderr
    counters = lab.counters()
    assert counters["by_route"] == {"GET /public/api/v2/devices": 1}, counters
    assert counters["unauthorized"] == 0


def test_fortiztp_cache_makes_no_call(lab, tmp_path):
    source = tmp_path / "cached.fortiztp.yml"
    source.write_text("plugin: breakwater.ztp.fortiztp_devices\ncache: true\n"
                      "cache_plugin: ansible.builtin.jsonfile\ncache_connection: %s\n" % (tmp_path / "cache"))
    rc, first, stderr = ansible_inventory(lab, tmp_path, source)
    assert rc == 0, stderr
    lab.reset_counters()
    rc, second, stderr = ansible_inventory(lab, tmp_path, source)
    assert rc == 0, stderr
    assert lab.counters()["total"] == 0
    assert second == first
    cache_text = "".join(p.read_text() for p in (tmp_path / "cache").iterdir())
    assert lab.password not in cache_text and "access_token" not in cache_text


def test_an_unknown_manifest_or_a_refused_token_fails_the_sync_clearly(lab, tmp_path):
    source = tmp_path / "typo.breakwater_ztp.yml"
    source.write_text("plugin: breakwater.ztp.devices\nmanifests: [Production Floor Z, manifest_123]\n")
    rc, _inventory, stderr = ansible_inventory(lab, tmp_path, source)
    assert rc != 0
    assert "manifests: no manifest has the ID or name 'Production Floor Z'" in stderr, stderr

    rc, _inventory, stderr = ansible_inventory(lab, tmp_path, INVENTORY_DIR / "all.breakwater_ztp.yml",
                                               BREAKWATER_API_TOKEN="not-the-token-s3cret")
    assert rc != 0
    assert "HTTP 401 UNAUTHORIZED" in stderr, stderr
    assert "not-the-token-s3cret" not in stderr
    assert "Traceback" not in stderr

    rc, _inventory, stderr = ansible_inventory(lab, tmp_path, INVENTORY_DIR / "all.fortiztp.yml",
                                               FORTIZTP_PASSWORD="wrong-pa55word")
    assert rc != 0
    assert "invalid_grant" in stderr, stderr
    assert "wrong-pa55word" not in stderr

    # A file whose name does not end in breakwater_ztp.yml is not ours.
    other = tmp_path / "inventory.yml"
    other.write_text("plugin: breakwater.ztp.devices\n")
    rc, _inventory, stderr = ansible_inventory(lab, tmp_path, other)
    assert rc != 0


def test_site_hosts_from_the_cache_make_no_call(lab, tmp_path):
    source = tmp_path / "sites.breakwater_ztp.yml"
    source.write_text("plugin: breakwater.ztp.devices\nhost_per: site\nsite_id: site_456\ncache: true\n"
                      "cache_plugin: ansible.builtin.jsonfile\ncache_connection: %s\n" % (tmp_path / "cache"))
    lab.reset_counters()
    rc, first, stderr = ansible_inventory(lab, tmp_path, source)
    assert rc == 0, stderr
    assert lab.counters()["by_route"] == {"GET /api/v1/ztp/manifests": 1, "GET /api/v1/ztp/manifests/{manifest_id}": 1}
    assert sorted(first["_meta"]["hostvars"]) == ["site_456"]
    assert len(first["_meta"]["hostvars"]["site_456"]["ztp_devices"]) == 7
    lab.reset_counters()
    rc, second, stderr = ansible_inventory(lab, tmp_path, source)
    assert rc == 0, stderr
    assert lab.counters()["total"] == 0
    assert second == first
