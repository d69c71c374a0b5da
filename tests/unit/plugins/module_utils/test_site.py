# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rules of a site rollout (module_utils/site_checks, site_planning, site_progress, site_results).

Everything here is plain data in, plain data out: no server, no Ansible.
"""

from __future__ import annotations

import copy
import json

import pytest

from ansible_collections.breakwater.ztp.plugins.module_utils import site_checks
from ansible_collections.breakwater.ztp.plugins.module_utils import site_planning
from ansible_collections.breakwater.ztp.plugins.module_utils.site_checks import (
    fortigates, fortinet_devices, fortiztp_problems, inventory_devices, manifest_problems, template_problems,
)
from ansible_collections.breakwater.ztp.plugins.module_utils.site_planning import (
    DEPLOY, GENERATE_CONFIG, PROVISION_FORTIZTP, REGENERATE_CONFIG, REGISTER_SERIAL, REPLACE_SERIAL, devices_with,
    manifest_changes, plan_site,
)
from ansible_collections.breakwater.ztp.plugins.module_utils.site_progress import progress_line, status_counts
from ansible_collections.breakwater.ztp.plugins.module_utils.site_results import (
    artifact, build_report, device_timings, failure_text, fortiztp_columns, not_online_text, plan_text, summary_text,
)


def site(**overrides):
    """A site as site_vars.site_definition returns it (only the keys the rules read)."""
    base = {
        "ztp_site_id": "site_456", "ztp_manifest_name": "Plant A", "ztp_manifest_id": None, "ztp_manifest_description": None,
        "ztp_topology_source": "helm_topology_789", "ztp_config_templates": None,
        "ztp_fortimanager_sn": ["FMG-VM0000000001"], "ztp_fortimanager_ip": ["10.0.0.10"],
        "ztp_fortiztp_script": None, "ztp_fortiztp_script_content": None, "serials_replace": False,
        "configs_force": False, "fortiztp_provision_device_type_pattern": "^forti", "rollout_fortigate_pattern": "^fortigate_",
        "rollout_fortiztp_enabled": True,
    }
    base.update(overrides)
    return base


DEVICES = [
    {"hostname": "sw-01", "serial_number": "FDO2401A001", "device_type": "cisco_ie3300"},
    {"hostname": "sw-02", "serial_number": "FDO2401A002", "device_type": "cisco_ie3300"},
    {"hostname": "fw-01", "serial_number": "FGT60F0000000001", "device_type": "fortigate_60f"},
]
TEMPLATES = [
    {"id": "template_switch_basic", "device_type": "cisco_ie3300"},
    {"id": "template_switch_new", "device_type": "cisco_ie3300"},
    {"id": "template_firewall_dmz", "device_type": "fortigate_60f"},
]
PROVISIONED = {"deviceSN": "FGT60F0000000001", "provisionStatus": "provisioned",
               "provisionTarget": "FortiManager", "provisionSubStatus": None}
TEMPLATE_OF = {"cisco_ie3300": "template_switch_basic", "fortigate_60f": "template_firewall_dmz"}


def manifest(status="deployed", device_status="online", devices=None, **overrides):
    """An existing manifest holding ``devices`` (their inventory serial) in ``device_status``."""
    body = {
        "id": "manifest_123", "name": "Plant A", "site_id": "site_456", "status": status,
        "topology_source": "helm_topology_789", "description": None, "config_templates": dict(TEMPLATE_OF),
        "devices": [dict(d, id="device_%d" % (i + 1), status=device_status, status_reason=None,
                         config_template=TEMPLATE_OF[d["device_type"]]) for i, d in enumerate(DEVICES if devices is None else devices)],
    }
    body.update(overrides)
    return body


def row(plan, hostname):
    return next(r for r in plan["devices"] if r["hostname"] == hostname)


# --- inventory ---------------------------------------------------------------------------------
def test_inventory_devices_normalises_serials_and_keeps_order():
    devices, problems = inventory_devices([
        ("sw-01", {"serial_number": " fdo2401a001 ", "device_type": " cisco_ie3300 "}),
        ("sw-02", {"serial_number": 12345678, "device_type": "cisco_ie3300"}),
    ])
    assert problems == []
    assert devices == [
        {"hostname": "sw-01", "serial_number": "FDO2401A001", "device_type": "cisco_ie3300"},
        {"hostname": "sw-02", "serial_number": "12345678", "device_type": "cisco_ie3300"},
    ]


@pytest.mark.parametrize("host_vars, expected", [
    ({"device_type": "cisco_ie3300"}, ["sw-09: no serial_number"]),
    ({"serial_number": None, "device_type": "cisco_ie3300"}, ["sw-09: no serial_number"]),
    ({"serial_number": "   ", "device_type": "cisco_ie3300"}, ["sw-09: no serial_number"]),
    ({"serial_number": "fdo-24/01", "device_type": "cisco_ie3300"},
     ['sw-09: serial_number "FDO-24/01" is not 6-20 characters A-Z and 0-9']),
    ({"serial_number": "ABC12", "device_type": "cisco_ie3300"},
     ['sw-09: serial_number "ABC12" is not 6-20 characters A-Z and 0-9']),
    ({"serial_number": "A" * 21, "device_type": "cisco_ie3300"},
     ['sw-09: serial_number "%s" is not 6-20 characters A-Z and 0-9' % ("A" * 21)]),
    ({"serial_number": "FDO2401A009"}, ["sw-09: no device_type"]),
    ({"serial_number": "FDO2401A009", "device_type": "  "}, ["sw-09: no device_type"]),
    ({}, ["sw-09: no serial_number", "sw-09: no device_type"]),
])
def test_inventory_problems_name_host_field_and_value(host_vars, expected):
    devices, problems = inventory_devices([("sw-09", host_vars)])
    assert problems == expected
    assert [d["hostname"] for d in devices] == ["sw-09"]  # every host is kept, problems or not


def test_duplicate_serial_after_normalisation_names_both_hosts():
    devices, problems = inventory_devices([
        ("sw-01", {"serial_number": " fdo2401a001 ", "device_type": "cisco_ie3300"}),
        ("sw-02", {"serial_number": "FDO2401A001", "device_type": "cisco_ie3300"}),
        ("sw-03", {"serial_number": "Fdo2401A001", "device_type": "cisco_ie3300"}),
    ])
    assert problems == [
        "sw-02: serial_number FDO2401A001 is also the serial of sw-01",
        "sw-03: serial_number FDO2401A001 is also the serial of sw-01",
    ]
    assert [d["serial_number"] for d in devices] == ["FDO2401A001"] * 3


def test_an_invalid_serial_is_not_reported_as_a_duplicate():
    _devices, problems = inventory_devices([
        ("sw-01", {"serial_number": "bad-1", "device_type": "cisco_ie3300"}),
        ("sw-02", {"serial_number": "bad-1", "device_type": "cisco_ie3300"}),
    ])
    assert problems == ['sw-01: serial_number "BAD-1" is not 6-20 characters A-Z and 0-9',
                        'sw-02: serial_number "BAD-1" is not 6-20 characters A-Z and 0-9']


# --- templates ---------------------------------------------------------------------------------
@pytest.mark.parametrize("config_templates, templates, expected", [
    (None, TEMPLATES, []),
    ({}, TEMPLATES, []),
    ({"cisco_ie3300": "template_switch_new"}, TEMPLATES, []),
    ({"cisco_ie3300": "template_missing"}, TEMPLATES,
     ["ztp_config_templates.cisco_ie3300: template template_missing does not exist"]),
    ({"cisco_ie3300": "template_firewall_dmz"}, TEMPLATES,
     ["ztp_config_templates.cisco_ie3300: template template_firewall_dmz is for fortigate_60f"]),
    (None, TEMPLATES[:2], ["fortigate_60f: no template for this device type"]),
    (None, [], ["cisco_ie3300: no template for this device type",
                "fortigate_60f: no template for this device type"]),
    # A named template counts even when no other template of that type exists.
    ({"fortigate_60f": "template_firewall_dmz"}, [TEMPLATES[2]], ["cisco_ie3300: no template for this device type"]),
    # A template named for a type no host has is not checked.
    ({"cisco_ie3400": "template_missing"}, TEMPLATES, []),
])
def test_template_problems(config_templates, templates, expected):
    assert template_problems(DEVICES, templates, config_templates) == expected


def test_template_problems_ignore_devices_without_type():
    devices = [dict(DEVICES[0], device_type="")]
    assert template_problems(devices, [], None) == []


# --- manifest ----------------------------------------------------------------------------------
def test_no_manifest_no_problem():
    assert manifest_problems(None, DEVICES, site()) == []


def test_a_matching_manifest_has_no_problem():
    assert manifest_problems(manifest(), DEVICES, site()) == []


def test_a_deploying_manifest_is_a_problem():
    assert manifest_problems(manifest(status="deploying"), DEVICES, site()) == [
        "manifest manifest_123: is being deployed; wait for it to end (rollout_lock_wait waits for it)"]


def test_unknown_hosts_are_named_in_one_problem():
    extra = DEVICES + [{"hostname": "sw-98", "serial_number": "FDO2401A098", "device_type": "cisco_ie3300"},
                       {"hostname": "sw-99", "serial_number": "FDO2401A099", "device_type": "cisco_ie3300"}]
    assert manifest_problems(manifest(), extra, site()) == ["manifest manifest_123: has no device named sw-98, sw-99"]


@pytest.mark.parametrize("wanted, have, expected", [
    ("helm_topology_000", "helm_topology_789",
     ["ztp_topology_source: helm_topology_000 differs from topology helm_topology_789 of manifest manifest_123 "
      "(a topology is applied only on creation)"]),
    (None, "helm_topology_789", []),  # not set: the manifest's topology is fine
    ("helm_topology_000", None, []),  # the manifest does not say: nothing to compare
    ("helm_topology_789", "helm_topology_789", []),
])
def test_topology_mismatch(wanted, have, expected):
    assert manifest_problems(manifest(topology_source=have), DEVICES, site(ztp_topology_source=wanted)) == expected


def test_serial_mismatch_needs_serials_replace():
    rma = [dict(DEVICES[0], serial_number="FDO2401A0FF")] + DEVICES[1:]
    assert manifest_problems(manifest(), rma, site()) == [
        "sw-01: serial_number FDO2401A0FF differs from FDO2401A001 in Breakwater; set serials_replace=true to "
        "replace it (an RMA swap)"]
    assert manifest_problems(manifest(), rma, site(serials_replace=True)) == []


def test_a_device_without_serial_in_breakwater_is_no_mismatch():
    current = manifest(device_status="pending")
    for device in current["devices"]:
        device["serial_number"] = None
    assert manifest_problems(current, DEVICES, site()) == []


def test_every_manifest_problem_is_listed_at_once():
    rma = [dict(DEVICES[0], serial_number="FDO2401A0FF"),
           {"hostname": "sw-99", "serial_number": "FDO2401A099", "device_type": "cisco_ie3300"}]
    problems = manifest_problems(manifest(status="deploying"), rma, site(ztp_topology_source="helm_topology_000"))
    assert [p.split(":")[0] for p in problems] == ["manifest manifest_123", "ztp_topology_source",
                                                   "manifest manifest_123", "sw-01"]


# --- FortiZTP ----------------------------------------------------------------------------------
SCRIPTS = [{"oid": 1, "name": "fmg-preconfig"}]
RECORDS = {"FGT60F0000000001": PROVISIONED}


def test_fortinet_devices_and_fortigates_follow_the_patterns():
    devices = DEVICES + [{"hostname": "sw-f1", "serial_number": "S108EF0000000001", "device_type": "fortiswitch_108e"}]
    assert [d["hostname"] for d in fortinet_devices(site(), devices)] == ["fw-01", "sw-f1"]
    assert [d["hostname"] for d in fortigates(site(), devices)] == ["fw-01"]
    assert [d["hostname"] for d in fortinet_devices(site(fortiztp_provision_device_type_pattern="^cisco"), devices)] == ["sw-01", "sw-02"]
    assert [d["hostname"] for d in fortigates(site(rollout_fortigate_pattern=None), devices)] == ["fw-01"]  # default


@pytest.mark.parametrize("overrides, records, scripts, expected", [
    ({}, RECORDS, [], []),
    ({"rollout_fortiztp_enabled": False}, {}, [], []),  # disabled: nothing is checked
    ({"ztp_fortimanager_sn": []}, RECORDS, [],
     ["ztp_fortimanager_sn: 1 Fortinet device(s) need a FortiManager target: set ztp_fortimanager_sn and "
      "ztp_fortimanager_ip, or rollout_fortiztp_enabled=false"]),
    ({"ztp_fortimanager_ip": None}, RECORDS, [],
     ["ztp_fortimanager_sn: 1 Fortinet device(s) need a FortiManager target: set ztp_fortimanager_sn and "
      "ztp_fortimanager_ip, or rollout_fortiztp_enabled=false"]),
    ({}, {}, [],
     ["FortiZTP: does not know FGT60F0000000001 (add them to the FortiCloud account, or check their serial numbers)"]),
    ({"ztp_fortiztp_script": "fmg-preconfig"}, RECORDS, SCRIPTS, []),
    ({"ztp_fortiztp_script": "missing"}, RECORDS, SCRIPTS,
     ["ztp_fortiztp_script: FortiZTP has no pre-run script named missing; create it or give its content with "
      "ztp_fortiztp_script_content"]),
    ({"ztp_fortiztp_script": "missing", "ztp_fortiztp_script_content": "config system global\nend\n"}, RECORDS, SCRIPTS, []),
])
def test_fortiztp_problems(overrides, records, scripts, expected):
    assert fortiztp_problems(site(**overrides), DEVICES, records, [], scripts) == expected


def test_fortiztp_problems_need_fortinet_devices():
    switches = DEVICES[:2]
    assert fortiztp_problems(site(ztp_fortimanager_sn=[]), switches, {}, [], []) == []


# --- manifest changes --------------------------------------------------------------------------
@pytest.mark.parametrize("overrides, current, expected", [
    ({}, None, {}),
    ({"ztp_manifest_description": "Plant A", "ztp_config_templates": {"cisco_ie3300": "t1"}}, None,
     {"description": "Plant A", "config_templates": {"cisco_ie3300": "t1"}}),
    ({"ztp_manifest_description": "Plant A"}, {"description": "Plant A"}, {}),
    ({"ztp_manifest_description": "Plant B"}, {"description": "Plant A"}, {"description": "Plant B"}),
    ({"ztp_config_templates": {}}, {"config_templates": {"x": "y"}}, {}),  # empty: not managed
    ({"ztp_config_templates": {"cisco_ie3300": "t1"}}, {"config_templates": {"cisco_ie3300": "t1", "fortigate_60f": "t2"}},
     {}),  # a subset that matches: nothing to do
    ({"ztp_config_templates": {"cisco_ie3300": "t9"}}, {"config_templates": {"cisco_ie3300": "t1", "fortigate_60f": "t2"}},
     {"config_templates": {"cisco_ie3300": "t9", "fortigate_60f": "t2"}}),  # merged with what is there
    ({"ztp_config_templates": {"cisco_ie3300": "t1"}}, {"config_templates": None},
     {"config_templates": {"cisco_ie3300": "t1"}}),
])
def test_manifest_changes(overrides, current, expected):
    assert manifest_changes(site(**overrides), current) == expected


# --- the plan ----------------------------------------------------------------------------------
def test_plan_for_a_new_site():
    plan = plan_site(site(ztp_manifest_description="Plant A"), DEVICES, None, {})
    assert plan["site_id"] == "site_456"
    assert plan["manifest"] == {"id": None, "name": "Plant A", "status": None, "action": "create",
                                "changes": ["description"], "cable_schedule": False}
    for device in plan["devices"]:
        assert device["status"] == "pending" and device["id"] is None
    assert row(plan, "sw-01")["actions"] == [REGISTER_SERIAL, GENERATE_CONFIG, DEPLOY]
    assert row(plan, "sw-01")["reason"] == "no serial in Breakwater yet; no config yet; pending, not online yet"
    assert row(plan, "fw-01")["actions"] == [REGISTER_SERIAL, GENERATE_CONFIG, PROVISION_FORTIZTP, DEPLOY]
    assert row(plan, "fw-01")["reason"] == ("no serial in Breakwater yet; no config yet; not listed in FortiZTP, goes "
                                            "to FortiManager FMG-VM0000000001 (set up by this run); pending, not "
                                            "online yet")
    assert plan["counts"] == {REGISTER_SERIAL: 3, GENERATE_CONFIG: 3, PROVISION_FORTIZTP: 1, DEPLOY: 3}
    assert plan["changed"] is True
    json.dumps(plan)  # JSON-safe: it travels as a file between the steps


def test_a_new_site_without_description_is_still_created():
    plan = plan_site(site(), DEVICES, None, {})
    assert plan["manifest"]["action"] == "create" and plan["manifest"]["changes"] == []


def test_plan_for_a_fully_online_site_does_nothing():
    plan = plan_site(site(), DEVICES, manifest(), RECORDS)
    assert plan["manifest"] == {"id": "manifest_123", "name": "Plant A", "status": "deployed", "action": None,
                                "changes": [], "cable_schedule": False}
    with_pdf = plan_site(site(), DEVICES, manifest(cable_schedule="/manifests/manifest_123/cable-schedule.pdf"),
                         RECORDS)
    assert with_pdf["manifest"]["cable_schedule"] is True  # the report fetches it with the manifest
    assert [r["actions"] for r in plan["devices"]] == [[], [], []]
    assert set(r["reason"] for r in plan["devices"]) == {"online, nothing to do"}
    assert [r["id"] for r in plan["devices"]] == ["device_1", "device_2", "device_3"]
    assert plan["counts"] == {}
    assert plan["changed"] is False
    assert devices_with(plan, *site_planning.ACTIONS) == []


def test_plan_for_an_rma_touches_that_device_only():
    rma = [dict(DEVICES[0], serial_number="FDO2401A0FF")] + DEVICES[1:]
    plan = plan_site(site(serials_replace=True), rma, manifest(), RECORDS)
    assert row(plan, "sw-01")["actions"] == [REPLACE_SERIAL, GENERATE_CONFIG, DEPLOY]
    assert row(plan, "sw-01")["reason"] == ("serial FDO2401A0FF replaces FDO2401A001; a new serial needs a new config; "
                                            "changed, so deployed again")
    assert row(plan, "sw-02")["actions"] == [] and row(plan, "fw-01")["actions"] == []
    assert plan["counts"] == {REPLACE_SERIAL: 1, GENERATE_CONFIG: 1, DEPLOY: 1}
    assert plan["manifest"]["action"] is None
    assert plan["changed"] is True
    assert [r["hostname"] for r in devices_with(plan, REPLACE_SERIAL, REGISTER_SERIAL)] == ["sw-01"]


def test_plan_for_an_rma_of_a_fortigate_provisions_the_new_unit():
    rma = DEVICES[:2] + [dict(DEVICES[2], serial_number="FGT60F0000000099")]
    plan = plan_site(site(serials_replace=True), rma, manifest(), RECORDS)  # only the old unit is provisioned
    assert row(plan, "fw-01")["actions"] == [REPLACE_SERIAL, GENERATE_CONFIG, PROVISION_FORTIZTP, DEPLOY]


def test_plan_for_a_template_change_regenerates_that_type_only():
    plan = plan_site(site(ztp_config_templates={"cisco_ie3300": "template_switch_new"}), DEVICES, manifest(), RECORDS)
    assert plan["manifest"]["action"] == "update" and plan["manifest"]["changes"] == ["config_templates"]
    for hostname in ("sw-01", "sw-02"):
        assert row(plan, hostname)["actions"] == [REGENERATE_CONFIG, DEPLOY]
        assert row(plan, hostname)["reason"] == ("template template_switch_new replaces template_switch_basic; "
                                                 "changed, so deployed again")
    assert row(plan, "fw-01")["actions"] == []
    assert plan["counts"] == {REGENERATE_CONFIG: 2, DEPLOY: 2}
    assert plan["changed"] is True


def test_plan_with_the_templates_in_use_changes_nothing():
    plan = plan_site(site(ztp_config_templates=dict(TEMPLATE_OF)), DEVICES, manifest(), RECORDS)
    assert plan["manifest"]["action"] is None and plan["changed"] is False


def test_plan_with_configs_force_regenerates_and_redeploys_every_device():
    plan = plan_site(site(configs_force=True), DEVICES, manifest(), RECORDS)
    assert [r["actions"] for r in plan["devices"]] == [[REGENERATE_CONFIG, DEPLOY]] * 3
    assert set(r["reason"] for r in plan["devices"]) == {"configs_force=true; changed, so deployed again"}
    assert plan["counts"] == {REGENERATE_CONFIG: 3, DEPLOY: 3}


def test_configs_force_does_not_double_a_first_generation():
    plan = plan_site(site(configs_force=True), DEVICES, manifest(device_status="serial_registered"), RECORDS)
    assert [r["actions"] for r in plan["devices"]] == [[GENERATE_CONFIG, DEPLOY]] * 3


FORTIMANAGERS = [{"oid": 1, "sn": "FMG-VM0000000001", "ip": "10.0.0.10"},
                 {"oid": 2, "sn": "FMG-VM0000000009", "ip": "10.9.9.9"}]
ON_SITE_TARGET = dict(PROVISIONED, fortiManagerOid=1, useDefaultScript=False)


@pytest.mark.parametrize("record, reason", [
    (None, "not listed in FortiZTP, goes to FortiManager FMG-VM0000000001 (oid 1)"),
    (dict(ON_SITE_TARGET, provisionStatus="unprovisioned", provisionTarget=None, fortiManagerOid=None),
     "unprovisioned in FortiZTP, goes to FortiManager FMG-VM0000000001 (oid 1)"),
    (dict(ON_SITE_TARGET, provisionStatus="hidden"), "hidden in FortiZTP, goes to FortiManager FMG-VM0000000001 (oid 1)"),
    (dict(ON_SITE_TARGET, provisionStatus="incomplete"),
     "incomplete in FortiZTP, goes to FortiManager FMG-VM0000000001 (oid 1)"),
    (dict(ON_SITE_TARGET, provisionTarget="FortiGateCloud", fortiManagerOid=None, region="europe"),
     "provisioned to FortiGateCloud, goes to FortiManager FMG-VM0000000001 (oid 1)"),
    (dict(ON_SITE_TARGET, fortiManagerOid=2),
     "provisioned to FortiManager FMG-VM0000000009 (oid 2), goes to FortiManager FMG-VM0000000001 (oid 1)"),
])
def test_plan_provisions_a_fortigate_not_where_the_site_wants_it_saying_where_it_is_and_goes(record, reason):
    records = {"FGT60F0000000001": record} if record else {}
    plan = plan_site(site(), DEVICES, manifest(), records, fortimanagers=FORTIMANAGERS)
    assert row(plan, "fw-01")["actions"] == [PROVISION_FORTIZTP, DEPLOY]
    assert row(plan, "fw-01")["reason"] == reason + "; changed, so deployed again"
    assert row(plan, "fw-01")["fortiztp"] == reason
    assert row(plan, "sw-01")["actions"] == [] and "fortiztp" not in row(plan, "sw-01")
    assert plan["counts"] == {PROVISION_FORTIZTP: 1, DEPLOY: 1}


def test_plan_leaves_a_unit_on_the_site_target_with_its_script():
    records = {"FGT60F0000000001": dict(ON_SITE_TARGET, useDefaultScript=True)}
    plan = plan_site(site(ztp_fortiztp_script="baseline"), DEVICES, manifest(), records, fortimanagers=FORTIMANAGERS)
    assert row(plan, "fw-01")["actions"] == [] and row(plan, "fw-01")["fortiztp"] is None
    assert row(plan, "fw-01")["fortiztp_placement"] == \
        "provisioned in FortiZTP (FortiManager FMG-VM0000000001 (oid 1), default script)"
    # The same unit without the site's script is moved: the module's rule compares the script too.
    records = {"FGT60F0000000001": ON_SITE_TARGET}
    plan = plan_site(site(ztp_fortiztp_script="baseline"), DEVICES, manifest(), records, fortimanagers=FORTIMANAGERS)
    assert row(plan, "fw-01")["reason"] == ("provisioned to FortiManager FMG-VM0000000001 (oid 1), no default script, "
                                            "goes to default script; changed, so deployed again")


def test_the_plan_and_the_module_share_the_placement_rule():
    """What the plan calls in place is what fortiztp_device, given the site's options, would not send."""
    from ansible_collections.breakwater.ztp.plugins.module_utils import fortiztp_devices, fortiztp_placement
    options = site_planning.fortiztp_options(site(ztp_fortiztp_script="baseline"))
    spec = fortiztp_devices.device_specs(dict(options, serial="FGT60F0000000001"))[0]
    fields = fortiztp_devices.desired_fields(spec, fortiztp_devices.fortimanager_oids_by_serial(FORTIMANAGERS))
    for record in (ON_SITE_TARGET, dict(ON_SITE_TARGET, useDefaultScript=True), dict(ON_SITE_TARGET, fortiManagerOid=2)):
        plan = plan_site(site(ztp_fortiztp_script="baseline"), DEVICES, manifest(), {"FGT60F0000000001": record},
                         fortimanagers=FORTIMANAGERS)
        assert (PROVISION_FORTIZTP in row(plan, "fw-01")["actions"]) == \
            fortiztp_placement.needs_change(record, "provisioned", fields)


def report_from_plan(record):
    """The report of a rollout whose plan found the FortiGate's FortiZTP ``record``, as site_report builds it."""
    plan = plan_site(site(), DEVICES, manifest(), {"FGT60F0000000001": record}, fortimanagers=FORTIMANAGERS)
    columns = dict((r["hostname"], fortiztp_columns(r)) for r in plan["devices"])
    return build_report(site(), manifest(), [], ["sw-01", "sw-02", "fw-01"], fortiztp=columns)


def test_report_fails_a_site_whose_unit_is_online_but_on_another_fortimanager():
    reason = "provisioned to FortiManager FMG-VM0000000009 (oid 2), goes to FortiManager FMG-VM0000000001 (oid 1)"
    report = report_from_plan(dict(ON_SITE_TARGET, fortiManagerOid=2))
    assert report["result"] == "failed"
    assert row(report, "fw-01")["fortiztp"] == reason
    assert row(report, "fw-01")["fortiztp_placement"] == \
        "provisioned in FortiZTP (FortiManager FMG-VM0000000009 (oid 2), no default script)"
    assert not_online_text(report) == "fw-01 (online: %s)" % reason
    in_place = report_from_plan(ON_SITE_TARGET)
    assert in_place["result"] == "success" and "fortiztp" not in row(in_place, "fw-01")
    assert row(in_place, "fw-01")["fortiztp_placement"] == \
        "provisioned in FortiZTP (FortiManager FMG-VM0000000001 (oid 1), no default script)"
    assert "fortiztp_placement" not in row(in_place, "sw-01")  # not a Fortinet unit


def test_plan_with_fortiztp_disabled_never_provisions():
    plan = plan_site(site(rollout_fortiztp_enabled=False), DEVICES, manifest(), {})
    assert [r["actions"] for r in plan["devices"]] == [[], [], []]
    new = plan_site(site(rollout_fortiztp_enabled=False), DEVICES, None, None)
    assert PROVISION_FORTIZTP not in row(new, "fw-01")["actions"]
    assert PROVISION_FORTIZTP not in new["counts"]


@pytest.mark.parametrize("status, actions, reason", [
    ("pending", [GENERATE_CONFIG, DEPLOY], "no config yet; pending, not online yet"),
    ("serial_registered", [GENERATE_CONFIG, DEPLOY], "no config yet; serial_registered, not online yet"),
    ("config_failed", [GENERATE_CONFIG, DEPLOY], "no config yet; config_failed, not online yet"),
    ("config_generated", [DEPLOY], "config_generated, not online yet"),
    ("deploying", [DEPLOY], "deploying, not online yet"),
    ("failed", [DEPLOY], "failed, not online yet"),
    ("online", [], "online, nothing to do"),
])
def test_plan_per_device_status(status, actions, reason):
    plan = plan_site(site(), DEVICES, manifest(status="ready", device_status=status), RECORDS)
    assert row(plan, "sw-01")["actions"] == actions
    assert row(plan, "sw-01")["reason"] == reason
    assert row(plan, "sw-01")["status"] == status


def test_plan_updates_a_manifest_description():
    plan = plan_site(site(ztp_manifest_description="Plant A, line 2"), DEVICES, manifest(description="Plant A"), RECORDS)
    assert plan["manifest"]["action"] == "update" and plan["manifest"]["changes"] == ["description"]
    assert plan["changed"] is True and plan["counts"] == {}


def test_plan_text():
    rma = [dict(DEVICES[0], serial_number="FDO2401A0FF")] + DEVICES[1:]
    text = plan_text(plan_site(site(serials_replace=True), rma, manifest(), RECORDS))
    assert text == (
        "Site site_456, manifest Plant A (manifest_123): unchanged\n"
        "  sw-01                    online             replace_serial, generate_config, deploy "
        "(serial FDO2401A0FF replaces FDO2401A001; a new serial needs a new config; changed, so deployed again)\n"
        "  sw-02                    online             nothing (online, nothing to do)\n"
        "  fw-01                    online             nothing (online, nothing to do)\n"
        "Total: 3 device(s); replace_serial 1, generate_config 1, deploy 1\n")


def test_plan_text_of_a_new_site_and_of_an_update():
    lines = plan_text(plan_site(site(), DEVICES[:1], None, {})).splitlines()
    assert lines[0] == "Site site_456, manifest Plant A (new): create it"
    assert lines[-1] == "Total: 1 device(s); register_serial 1, generate_config 1, deploy 1"
    update = plan_text(plan_site(site(ztp_manifest_description="x"), DEVICES, manifest(), RECORDS)).splitlines()
    assert update[0] == "Site site_456, manifest Plant A (manifest_123): update description"
    assert update[-1] == "Total: 3 device(s); nothing to do"


# --- progress ----------------------------------------------------------------------------------
@pytest.mark.parametrize("what, counts, total, done_key, expected", [
    ("deployment", {"online": 640, "deploying": 360}, 1000, "online", "deployment: online 640/1000, deploying 360"),
    ("deployment", {"deploying": 3, "online": 1, "failed": 2}, 6, "online",
     "deployment: online 1/6, deploying 3, failed 2"),  # the others in name order
    ("deployment", {"online": 5}, 5, "online", "deployment: online 5/5"),
    ("deployment", {}, 0, "online", "deployment: online 0/0"),
    ("configs", {"generated": 0, "failed": 0, "pending": 4}, 4, "generated",
     "configs: generated 0/4, failed 0, pending 4"),
    ("deployment", {None: 1, "online": 1}, 2, "online", "deployment: online 1/2, None 1"),
])
def test_progress_line(what, counts, total, done_key, expected):
    assert progress_line(what, counts, total, done_key) == expected


def test_status_counts():
    items = [{"status": "online"}, {"status": "online"}, {"status": "failed"}, {}]
    assert status_counts(items) == {"online": 2, "failed": 1, None: 1}
    assert status_counts([{"state": "x"}], key="state") == {"x": 1}
    assert status_counts([]) == {}


# --- the report --------------------------------------------------------------------------------
def event(event_type, timestamp, device_id=None, **details):
    return {"id": "event_%s_%s" % (event_type, timestamp), "event_type": event_type, "device_id": device_id,
            "manifest_id": "manifest_123", "timestamp": timestamp, "details": details}


EVENTS = [
    event("manifest_created", "2026-03-01T10:00:00Z"),
    event("serial_registered", "2026-03-01T10:00:05Z", "device_1", serial_number="FDO2401A001"),
    event("serial_registered", "2026-03-01T10:00:05Z", "device_2", serial_number="FDO2401A002"),
    event("serial_registered", "2026-03-01T10:00:05Z", "device_3", serial_number="FGT60F0000000001"),
    event("config_generated", "2026-03-01T10:00:10Z", "device_1", template_id="template_switch_basic"),
    event("config_generated", "2026-03-01T10:00:11Z", "device_2", template_id="template_switch_basic"),
    event("config_generated", "2026-03-01T10:00:12Z", "device_3", template_id="template_firewall_dmz"),
    event("deployment_started", "2026-03-01T10:01:00Z", devices=["device_1", "device_2", "device_3"],
          skipped_devices=[]),
    event("device_online", "2026-03-01T10:03:30Z", "device_1"),
    event("device_online", "2026-03-01T10:04:00Z", "device_2"),
    event("device_failed", "2026-03-01T10:31:00Z", "device_3", reason="ZTP_NOT_PROVISIONED",
          serial_number="FGT60F0000000001"),
    event("deployment_failed", "2026-03-01T10:31:00Z", failed_devices=["device_3"]),
]


def deployed_manifest(fw_status="failed", fw_reason=None):
    current = manifest(status="ready")
    current["devices"][2].update(status=fw_status, status_reason=fw_reason)
    return current


def test_device_timings_and_reasons():
    timings, reasons = device_timings(EVENTS)
    assert timings["device_1"] == {"serial_registered": "2026-03-01T10:00:05Z",
                                   "config_generated": "2026-03-01T10:00:10Z",
                                   "deployment_started": "2026-03-01T10:01:00Z",
                                   "device_online": "2026-03-01T10:03:30Z"}
    assert timings["device_3"]["device_failed"] == "2026-03-01T10:31:00Z"
    assert reasons == {"device_3": "ZTP_NOT_PROVISIONED"}
    assert None not in timings  # manifest events carry no device


@pytest.mark.parametrize("details, expected", [
    ({"reason": "ZTP_NOT_PROVISIONED"}, "ZTP_NOT_PROVISIONED"),
    ({"code": "TEMPLATE_RENDER_ERROR", "message": "variable vlan_list is undefined"},
     "TEMPLATE_RENDER_ERROR: variable vlan_list is undefined"),
    ({"code": "TEMPLATE_RENDER_ERROR"}, "TEMPLATE_RENDER_ERROR"),
    ({"reason": "BOOT_TIMEOUT", "code": "X", "message": "y"}, "BOOT_TIMEOUT"),  # the reason wins
])
def test_failure_reasons_from_events(details, expected):
    _timings, reasons = device_timings([event("config_failed", "2026-03-01T10:00:10Z", "device_1", **details)])
    assert reasons == {"device_1": expected}


def test_failure_reason_with_a_message_but_no_code():
    _timings, reasons = device_timings([event("config_failed", "2026-03-01T10:00:10Z", "device_1",
                                       message="variable vlan_list is undefined")])
    assert reasons == {"device_1": "variable vlan_list is undefined"}


def test_the_last_failure_gives_the_reason():
    _timings, reasons = device_timings([
        event("device_failed", "2026-03-01T10:00:00Z", "device_1", reason="BOOT_TIMEOUT"),
        event("device_failed", "2026-03-01T11:00:00Z", "device_1", reason="ZTP_NOT_PROVISIONED"),
    ])
    assert reasons == {"device_1": "ZTP_NOT_PROVISIONED"}


def test_report_of_a_failed_rollout():
    report = build_report(site(), deployed_manifest(), EVENTS, ["sw-01", "sw-02", "fw-01"])
    assert report["site_id"] == "site_456"
    assert report["manifest"] == {"id": "manifest_123", "name": "Plant A", "status": "ready",
                                  "topology_source": "helm_topology_789"}
    assert report["result"] == "failed" and report["error"] is None
    assert report["counts"] == {"online": 2, "failed": 1}
    assert report["device_total"] == 3
    assert report["as_of"] == "2026-03-01T10:31:00Z"
    assert report["plan"] is None and report["fortiztp_enabled"] is True
    by_host = dict((d["hostname"], d) for d in report["devices"])
    assert by_host["sw-01"] == {
        "id": "device_1", "hostname": "sw-01", "device_type": "cisco_ie3300", "serial_number": "FDO2401A001",
        "status": "online", "reason": None, "in_play": True,
        "timings": {"serial_registered": "2026-03-01T10:00:05Z", "config_generated": "2026-03-01T10:00:10Z",
                    "deployment_started": "2026-03-01T10:01:00Z", "settled": "2026-03-01T10:03:30Z",
                    "deploy_seconds": 150},
    }
    assert by_host["sw-02"]["timings"]["deploy_seconds"] == 180
    assert by_host["fw-01"]["status"] == "failed" and by_host["fw-01"]["reason"] == "ZTP_NOT_PROVISIONED"
    assert by_host["fw-01"]["timings"]["settled"] == "2026-03-01T10:31:00Z"
    assert by_host["fw-01"]["timings"]["deploy_seconds"] == 1800
    json.dumps(report)


def test_report_of_a_successful_rollout():
    current = manifest(status="deployed")
    events = EVENTS[:-2] + [event("device_online", "2026-03-01T10:05:00Z", "device_3")]
    report = build_report(site(), current, events, ["sw-01", "sw-02", "fw-01"])
    assert report["result"] == "success"
    assert report["counts"] == {"online": 3}
    assert [d["reason"] for d in report["devices"]] == [None, None, None]
    assert report["devices"][2]["timings"]["deploy_seconds"] == 240


def test_an_error_fails_the_report_even_when_all_online():
    report = build_report(site(), manifest(), [], ["sw-01"], error="configs")
    assert report["result"] == "failed" and report["error"] == "configs"
    assert report["as_of"] is None


def test_only_the_hosts_of_the_play_decide_the_result():
    current = deployed_manifest()  # fw-01 failed
    report = build_report(site(), current, EVENTS, ["sw-01", "sw-02"])
    assert report["result"] == "success"
    assert [d["in_play"] for d in report["devices"]] == [True, True, False]
    assert report["counts"] == {"online": 2, "failed": 1}  # the counts are the manifest's
    assert not_online_text(report) == ""


def test_a_host_of_the_play_missing_from_the_manifest_fails_the_report():
    report = build_report(site(), manifest(), [], ["sw-01", "sw-99"])
    assert report["result"] == "failed"


def test_report_reason_comes_from_status_reason_without_events():
    report = build_report(site(), deployed_manifest(fw_reason="BOOT_TIMEOUT"), [], ["fw-01"])
    fw = report["devices"][2]
    assert fw["reason"] == "BOOT_TIMEOUT"
    assert fw["timings"] == dict.fromkeys(("serial_registered", "config_generated", "deployment_started",
                                           "settled", "deploy_seconds"))


def test_report_reason_of_a_config_failure():
    current = deployed_manifest(fw_status="config_failed", fw_reason="TEMPLATE_RENDER_ERROR")
    events = [event("config_failed", "2026-03-01T10:00:12Z", "device_3", code="TEMPLATE_RENDER_ERROR",
                    message="variable dmz_subnet is undefined", variable="dmz_subnet")]
    report = build_report(site(), current, events, ["fw-01"])
    fw = report["devices"][2]
    assert fw["reason"] == "TEMPLATE_RENDER_ERROR: variable dmz_subnet is undefined"
    assert fw["timings"]["config_generated"] == "2026-03-01T10:00:12Z"  # when it settled, failed or not
    assert report["counts"] == {"online": 2, "config_failed": 1}


def test_an_old_failure_is_no_reason_for_an_online_device():
    events = [event("device_failed", "2026-03-01T10:00:00Z", "device_1", reason="BOOT_TIMEOUT"),
              event("device_online", "2026-03-01T11:00:00Z", "device_1")]
    report = build_report(site(), manifest(), events, ["sw-01"])
    assert report["devices"][0]["reason"] is None
    assert report["devices"][0]["timings"]["settled"] == "2026-03-01T11:00:00Z"


def test_serial_replaced_is_the_serial_time():
    events = [event("serial_registered", "2026-03-01T10:00:00Z", "device_1"),
              event("serial_replaced", "2026-03-02T10:00:00Z", "device_1")]
    report = build_report(site(), manifest(), events, ["sw-01"])
    assert report["devices"][0]["timings"]["serial_registered"] == "2026-03-02T10:00:00Z"


def test_deploy_seconds_need_both_timestamps_well_formed():
    events = [event("deployment_started", "2026-03-01T10:01:00Z", devices=["device_1"]),
              event("device_online", "yesterday", "device_1")]
    report = build_report(site(), manifest(), events, ["sw-01"])
    assert report["devices"][0]["timings"]["deploy_seconds"] is None
    assert report["devices"][0]["timings"]["settled"] == "yesterday"


def test_deploy_seconds_of_a_redeployment_after_an_rma():
    events = [
        event("deployment_started", "2026-03-01T10:00:00Z", devices=["device_1"]),
        event("device_online", "2026-03-01T10:02:00Z", "device_1"),
        # RMA: new serial, new config, deployed again; the new unit fails.
        event("serial_replaced", "2026-03-05T09:00:00Z", "device_1"),
        event("deployment_started", "2026-03-05T09:10:00Z", devices=["device_1"]),
        event("device_failed", "2026-03-05T09:40:00Z", "device_1", reason="BOOT_TIMEOUT"),
    ]
    current = manifest(status="ready")
    current["devices"][0]["status"] = "failed"
    report = build_report(site(), current, events, ["sw-01"])
    timings = report["devices"][0]["timings"]
    assert timings["settled"] == "2026-03-05T09:40:00Z"
    assert timings["deploy_seconds"] == 1800


def test_a_device_deploying_again_has_not_settled():
    events = [
        event("deployment_started", "2026-03-01T10:00:00Z", devices=["device_1"]),
        event("device_online", "2026-03-01T10:02:00Z", "device_1"),
        event("deployment_started", "2026-03-05T09:10:00Z", devices=["device_1"]),
    ]
    current = manifest(status="deploying")
    current["devices"][0]["status"] = "deploying"
    timings = build_report(site(), current, events, ["sw-01"])["devices"][0]["timings"]
    assert timings["settled"] is None and timings["deploy_seconds"] is None


def test_check_mode_report_of_a_new_site_shows_the_plan():
    plan = plan_site(site(), DEVICES, None, {})
    report = build_report(site(), None, [], ["sw-01", "sw-02", "fw-01"], plan=plan)
    assert report["result"] == "plan"
    assert report["plan"] is plan
    assert report["manifest"] == {"id": None, "name": "Plant A", "status": None, "topology_source": "helm_topology_789"}
    assert report["counts"] == {"pending": 3} and report["device_total"] == 3
    fw = report["devices"][2]
    assert fw == {"id": None, "hostname": "fw-01", "device_type": "fortigate_60f", "serial_number": "FGT60F0000000001",
                  "status": "pending", "reason": None, "in_play": True,
                  "planned": [REGISTER_SERIAL, GENERATE_CONFIG, PROVISION_FORTIZTP, DEPLOY],
                  "planned_reason": row(plan, "fw-01")["reason"],
                  "fortiztp": "not listed in FortiZTP, goes to FortiManager FMG-VM0000000001 (set up by this run)",
                  "fortiztp_placement": "not listed in FortiZTP",
                  "timings": dict.fromkeys(("serial_registered", "config_generated", "deployment_started",
                                            "settled", "deploy_seconds"))}
    json.dumps(report)


def test_check_mode_report_of_an_existing_site_carries_the_planned_actions():
    rma = [dict(DEVICES[0], serial_number="FDO2401A0FF")] + DEVICES[1:]
    plan = plan_site(site(serials_replace=True), rma, manifest(), RECORDS)
    report = build_report(site(), manifest(), EVENTS[:-2], ["sw-01", "sw-02", "fw-01"], plan=plan)
    assert report["result"] == "plan"
    assert report["device_total"] == 3
    assert [d["planned"] for d in report["devices"]] == [[REPLACE_SERIAL, GENERATE_CONFIG, DEPLOY], [], []]
    assert report["devices"][1]["planned_reason"] == "online, nothing to do"
    assert report["devices"][0]["serial_number"] == "FDO2401A001"  # what Breakwater holds now


def test_report_without_plan_has_no_planned_keys():
    report = build_report(site(), manifest(), [], ["sw-01"])
    assert "planned" not in report["devices"][0]


def test_report_with_fortiztp_disabled_says_so():
    assert build_report(site(), manifest(), [], [], fortiztp_enabled=False)["fortiztp_enabled"] is False


def test_texts_of_a_failed_rollout():
    current = deployed_manifest()
    current["devices"][1]["status"] = "serial_registered"
    report = build_report(site(), current, EVENTS, ["sw-01", "sw-02", "fw-01"], error="deploy")
    assert not_online_text(report) == "sw-02 (serial_registered), fw-01 (failed: ZTP_NOT_PROVISIONED)"
    assert summary_text(report) == "Rollout of Plant A: failed; failed=1, online=1, serial_registered=1."
    assert failure_text(report, "/tmp/reports/site_456/rollout-report.html") == (
        "Rollout of Plant A failed at deploy. Devices: failed=1, online=1, serial_registered=1. "
        "Not online: sw-02 (serial_registered), fw-01 (failed: ZTP_NOT_PROVISIONED). "
        "Report: /tmp/reports/site_456/rollout-report.html")


def test_failure_text_without_error_and_summary_without_devices():
    report = build_report(site(), deployed_manifest(), EVENTS, ["fw-01"])
    assert failure_text(report, "r.html").startswith("Rollout of Plant A failed. Devices: failed=1, online=2. ")
    empty = build_report(site(), None, [], [])
    assert summary_text(empty) == "Rollout of Plant A: success; no devices."


def test_artifact():
    report = build_report(site(), deployed_manifest(), EVENTS, ["sw-01", "sw-02", "fw-01"])
    published = artifact(report, "/r/rollout-report.json", "/r/rollout-report.html")
    assert published == {
        "site_id": "site_456", "manifest_id": "manifest_123", "result": "failed",
        "counts": {"online": 2, "failed": 1}, "not_in_run": [],
        "report_json": "/r/rollout-report.json", "report_html": "/r/rollout-report.html",
        "devices": [
            {"hostname": "sw-01", "serial_number": "FDO2401A001", "status": "online", "reason": None},
            {"hostname": "sw-02", "serial_number": "FDO2401A002", "status": "online", "reason": None},
            {"hostname": "fw-01", "serial_number": "FGT60F0000000001", "status": "failed",
             "reason": "ZTP_NOT_PROVISIONED"},
        ],
    }
    json.dumps(published)


def test_rules_do_not_change_their_input():
    current = manifest()
    devices = copy.deepcopy(DEVICES)
    before = (copy.deepcopy(current), copy.deepcopy(devices))
    plan = plan_site(site(configs_force=True), devices, current, RECORDS)
    build_report(site(), current, EVENTS, ["sw-01"], plan=plan)
    manifest_problems(current, devices, site())
    assert (current, devices) == before


@pytest.mark.parametrize("device_type, model, fits", [
    ("cisco_ie3300", "IE-3300-8T2S-E", True),
    ("cisco_ie3300", "IE-3300-8U2X-E", True),
    ("fortigate_60f", "FortiGate-60F", True),
    ("fortinet_fap231f", "FortiAP-231F", True),
    ("cisco_ie3300", "FortiGate-60F", False),
    ("fortigate_60f", "IE-3300-8T2S-E", False),
    ("fortinet_fap231f", "FortiGate-60F", False),
    ("cisco_ie3300", None, True),       # nothing detected: nothing to tell
    ("generic_switch", "Anything", True),  # a type without a model code
])
def test_model_fits_the_planned_device_type(device_type, model, fits):
    assert site_checks.model_fits(device_type, model) is fits


def test_model_mismatches_name_host_model_and_type():
    rows = [{"hostname": "sw-1", "device_type": "cisco_ie3300"}, {"hostname": "fw-1", "device_type": "fortigate_60f"}]
    models = {"sw-1": "FortiGate-60F", "fw-1": "FortiGate-60F"}
    assert site_checks.model_mismatches(rows, models) == ["sw-1: model_detected FortiGate-60F does not fit device_type cisco_ie3300"]


def test_model_check_notes_the_models_and_fails_only_when_strict():
    rows = [{"hostname": "sw-01", "device_type": "cisco_ie3300"}, {"hostname": "fw-01", "device_type": "fortigate_60f"}]
    results = [{"hostname": "sw-01", "model_detected": "IE-3300-8T2S-E"}, {"hostname": "fw-01", "model_detected": "FortiGate-40F"}]
    mismatches, error = site_checks.model_check(rows, results, strict=False)
    assert mismatches == ["fw-01: model_detected FortiGate-40F does not fit device_type fortigate_60f"] and error is None
    assert [r["model_detected"] for r in rows] == ["IE-3300-8T2S-E", "FortiGate-40F"]
    _mismatches, error = site_checks.model_check(rows, results, strict=True)
    assert error == ("serials_strict_model: 1 unit(s) of another model, nothing built or deployed: fw-01: "
                     "model_detected FortiGate-40F does not fit device_type fortigate_60f")


def test_deployable_when_a_device_holds_a_config_and_is_not_online():
    current = manifest(device_status="online")
    assert not site_planning.deployable(current, {"sw-01", "fw-01"})
    current["devices"][0]["status"] = "config_generated"
    assert site_planning.deployable(current, {"sw-01"}) and not site_planning.deployable(current, {"fw-01"})
    current["devices"][0]["status"] = "config_failed"
    assert not site_planning.deployable(current, {"sw-01"})
