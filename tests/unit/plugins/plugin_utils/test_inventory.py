# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Group names and host names of the inventory plugins."""

from __future__ import annotations

import pytest

from ansible_collections.breakwater.ztp.plugins.plugin_utils.inventory import safe_group_name, unique_host_name


@pytest.mark.parametrize("prefix, value, expected", [
    ("manifest_", "Production Floor A", "manifest_production_floor_a"),
    ("manifest_", "Floor A -- Line 2 (new)", "manifest_floor_a_line_2_new"),
    ("site_", "site_456", "site_site_456"),
    ("device_type_", "cisco_ie3300", "device_type_cisco_ie3300"),
    ("fortiztp_device_type_", "FortiGate", "fortiztp_device_type_fortigate"),
    ("status_", "config_generated", "status_config_generated"),
    ("manifest_", "{{ lookup('pipe', 'id') }}", "manifest_lookup_pipe_id"),
    ("manifest_", "Überwachung Nord", "manifest_berwachung_nord"),
    ("", "2nd floor", "_2nd_floor"),
    ("bw_", "__x__", "bw_x"),
])
def test_safe_group_name(prefix, value, expected):
    assert safe_group_name(prefix, value) == expected


@pytest.mark.parametrize("value", [None, "", "---", "   ", "!!"])
def test_no_group_for_empty_values(value):
    assert safe_group_name("status_", value) is None


def test_safe_group_name_is_a_valid_ansible_group_name():
    from ansible.plugins.inventory import to_safe_group_name
    name = safe_group_name("manifest_", "Prod: Floor A/B [east] ✓")
    assert name == "manifest_prod_floor_a_b_east"
    assert to_safe_group_name(name) == name


def test_unique_host_name():
    taken = {"fw-prod-01"}
    assert unique_host_name("sw-prod-01", taken, "device_002") == ("sw-prod-01", False)
    assert unique_host_name("fw-prod-01", taken, "device_010") == ("fw-prod-01_device_010", True)
