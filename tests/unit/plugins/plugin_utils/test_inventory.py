# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Group names, host names and unsafe values of the inventory plugins."""

from __future__ import annotations

import pytest

from ansible.template import is_trusted_as_template

from ansible_collections.breakwater.ztp.plugins.plugin_utils.inventory import (
    could_be_template, make_unsafe, safe_group_name, unique_host_name,
)


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


@pytest.mark.parametrize("text, expected", [
    ("{{ lookup('pipe', 'id') }}", True),
    ("sw-{% if x %}1{% endif %}", True),
    ("a {# comment #}", True),
    ("#jinja2:variable_start_string:'[['\n[[ x ]]", True),
    ("192.168.1.21", False),
    ("site {x} and } { single braces", False),
    ("# jinja2 is just a word here", False),
    ("", False),
])
def test_could_be_template(text, expected):
    assert could_be_template(text) is expected


def test_make_unsafe_only_marks_what_could_be_a_template():
    value = make_unsafe({
        "ansible_host": "10.0.0.1",
        "hostname": "{{ lookup('pipe', 'id') }}",
        "tags": ["plain", "{% raw %}"],
        "nested": {"{{ key }}": "x"},
        "port": 22,
        "online": True,
        "missing": None,
    })
    # Plain strings are trusted (no template syntax), so they export as plain strings.
    assert value["ansible_host"] == "10.0.0.1" and is_trusted_as_template(value["ansible_host"])
    assert value["hostname"] == "{{ lookup('pipe', 'id') }}" and not is_trusted_as_template(value["hostname"])
    assert [is_trusted_as_template(t) for t in value["tags"]] == [True, False]
    assert [is_trusted_as_template(k) for k in value["nested"]] == [False]
    assert value["port"] == 22 and value["online"] is True and value["missing"] is None
