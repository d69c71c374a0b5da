# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inventory plugins' selection and host building, without a server or ansible-inventory."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleParserError
from ansible.inventory.data import InventoryData

from ansible_collections.breakwater.ztp.plugins.inventory import devices, fortiztp_devices

LISTING = [
    {"id": "manifest_1", "name": "Floor A", "site_id": "site_1", "status": "ready"},
    {"id": "manifest_2", "name": "Floor B", "site_id": "site_1", "status": "draft"},
    {"id": "manifest_3", "name": "Floor A", "site_id": "site_2", "status": "deployed"},
]


def plugin(module, **options):
    instance = module.InventoryModule()
    defaults = {"group_by": ["manifest", "site", "device_type", "status"], "group_prefix": "", "strict": False}
    if module is fortiztp_devices:
        defaults = {"group_by": ["provision_status", "provision_target", "device_type"],
                    "group_prefix": "fortiztp_", "strict": False}
    defaults.update(options)
    instance.get_option = defaults.get
    instance.inventory = InventoryData()
    instance._host_names = set()
    return instance


def test_select_by_id_name_and_statuses():
    bw = plugin(devices, manifests=["Floor A", "manifest_2"])
    assert [m["id"] for m in bw._select(LISTING, [])] == ["manifest_1", "manifest_2", "manifest_3"]
    assert [m["id"] for m in bw._select(LISTING, ["ready", "draft"])] == ["manifest_1", "manifest_2"]


def test_select_fails_naming_what_matched_nothing():
    bw = plugin(devices, manifests=["Floor A", "Floor Z"])
    with pytest.raises(AnsibleParserError, match="no manifest has the ID or name 'Floor Z'"):
        bw._select(LISTING, [])


def test_devices_populate_vars_groups_and_filters():
    bw = plugin(devices, device_status=["online"], group_prefix="bw_", group_by=["manifest", "status"])
    bw.populate({"manifests": [{
        "id": "manifest_1", "name": "Floor A", "site_id": "site_1", "status": "deploying",
        "devices": [
            {"id": "device_1", "hostname": "sw-1", "device_type": "cisco_ie3300", "status": "online",
             "ip_address": "10.0.0.1", "serial_number": "FDO1", "mac_address": "00:00:00:00:00:01",
             "config_template": "t"},
            {"id": "device_2", "hostname": "sw-2", "status": "failed"},
            {"id": "device_3", "hostname": None, "status": "online"},
        ]}]})
    assert sorted(bw.inventory.hosts) == ["device_3", "sw-1"]
    sw1 = bw.inventory.get_host("sw-1").get_vars()
    assert sw1["ansible_host"] == "10.0.0.1" and sw1["manifest_name"] == "Floor A" and sw1["site_id"] == "site_1"
    assert "ansible_host" not in bw.inventory.get_host("device_3").get_vars()
    assert sorted(g for g in bw.inventory.groups if g not in ("all", "ungrouped")) == ["bw_manifest_floor_a", "bw_status_online"]


def test_fortiztp_populate_names_vars_and_client_side_filters():
    fz = plugin(fortiztp_devices, provision_status=["provisioned"], device_types=["FortiGate"])
    fz.populate({"devices": [
        {"deviceSN": "FGT1", "deviceType": "FortiGate", "provisionStatus": "provisioned",
         "provisionTarget": "FortiManager", "fortiManagerOid": 1},
        {"deviceSN": "FGT2", "deviceType": "FortiGate", "provisionStatus": "unprovisioned"},
        {"deviceSN": "FAP1", "deviceType": "FortiAP", "provisionStatus": "provisioned"},
        {"deviceType": "FortiGate"},
    ]})
    assert list(fz.inventory.hosts) == ["FGT1"]
    fgt1 = fz.inventory.get_host("FGT1").get_vars()
    assert fgt1["fortiztp_provision_target"] == "FortiManager"
    assert fgt1["fortiztp_fortimanager_oid"] == 1
    assert fgt1["fortiztp_region"] is None
    assert sorted(g for g in fz.inventory.groups if g not in ("all", "ungrouped")) == [
        "fortiztp_device_type_fortigate", "fortiztp_provision_status_provisioned",
        "fortiztp_provision_target_fortimanager"]


@pytest.mark.parametrize("module, name, expected", [
    (devices, "floor_a.breakwater_ztp.yml", True),
    (devices, "floor_a.breakwater_ztp.yaml", True),
    (devices, "floor_a.yml", False),
    (fortiztp_devices, "site.fortiztp.yml", True),
    (fortiztp_devices, "fortiztp.yaml", True),
    (fortiztp_devices, "site.breakwater_ztp.yml", False),
])
def test_verify_file(tmp_path, module, name, expected):
    path = tmp_path / name
    path.write_text("plugin: x\n")
    assert module.InventoryModule().verify_file(str(path)) is expected


@pytest.mark.parametrize("expression, reason", [
    ("fortiztp_serial_number |", "expected token 'name'"),
    ("names[fortiztp_serial_number", "expected ']'"),
])
def test_a_hostname_expression_that_does_not_parse_fails_the_sync_before_any_call(expression, reason):
    instance = plugin(fortiztp_devices, api_id="user", password="secret", hostname_expression=expression)
    with pytest.raises(AnsibleParserError) as caught:
        instance.check_options()
    assert "hostname_expression" in str(caught.value) and expression in str(caught.value)
    assert reason in str(caught.value)


def test_a_hostname_expression_that_parses_is_accepted():
    plugin(fortiztp_devices, api_id="user", password="secret",
           hostname_expression="ztp_names[fortiztp_serial_number] | default(fortiztp_serial_number)").check_options()
