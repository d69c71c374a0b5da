"""Planning of bulk FortiZTP provisioning (module_utils/fortiztp_devices.py): pure functions."""
from __future__ import annotations

import pytest

from ansible_collections.breakwater.ztp.plugins.module_utils import fortiztp_devices as plan
from ansible_collections.breakwater.ztp.plugins.module_utils import fortiztp_placement as placement
from ansible_collections.breakwater.ztp.plugins.module_utils import fortiztp_provisioning as provisioning
from ansible_collections.breakwater.ztp.plugins.module_utils.resource import InputError

TARGET_OPTIONS = dict.fromkeys(plan.TARGET_OPTIONS)


def params(**kw):
    base = dict(TARGET_OPTIONS, serial=None, devices=None)
    base.update(kw)
    return base


def record(serial="FGT1", status="unprovisioned", **fields):
    rec = dict.fromkeys(plan.TARGET_OPTIONS.values())
    rec.update(deviceSN=serial, deviceType="FortiGate", provisionStatus=status, provisionSubStatus=None, message=None)
    rec.update(fields)
    return rec


def test_device_specs_merge_task_options_with_per_device_overrides():
    specs = plan.device_specs(params(devices=["FGT1", {"serial": "FGT2", "region": "eu", "target": "FortiGateCloud"}],
                                     target="FortiManager", fortimanager="1"))
    assert [s["serial"] for s in specs] == ["FGT1", "FGT2"]
    assert specs[0]["options"]["target"] == "FortiManager"
    assert specs[1]["options"]["target"] == "FortiGateCloud"
    assert specs[1]["options"]["fortimanager"] == "1"  # inherited; ignored by the cloud target's rules
    assert specs[1]["sources"]["region"] == "devices[1].region"
    assert specs[0]["sources"]["region"] == "region"


def test_device_specs_single_serial():
    assert [s["serial"] for s in plan.device_specs(params(serial=" FGT1 "))] == ["FGT1"]


@pytest.mark.parametrize("devices, field", [
    (["FGT1", "FGT1"], "devices[1]"),
    ([{"serial": "FGT1", "colour": "red"}], "devices[0].colour"),
    ([{"region": "eu"}], "devices[0].serial"),
    ([""], "devices[0]"),
    ([], "devices"),
])
def test_device_specs_reject_bad_entries(devices, field):
    with pytest.raises(InputError) as caught:
        plan.device_specs(params(devices=devices))
    assert caught.value.field == field


@pytest.mark.parametrize("options, field", [
    ({}, "target"),
    ({"target": "FortiNothing"}, "target"),
    ({"target": "FortiManager"}, "external_controller_sn"),
    ({"target": "FortiManager", "external_controller_sn": "FMG1"}, "external_controller_ip"),
    ({"target": "FortiGateCloud"}, "region"),
    ({"target": "FortiManagerCloud"}, "region"),
    ({"target": "ExternalController"}, "external_controller_ip"),
    ({"target": "FortiManager", "fortimanager": "1", "use_default_script": True, "script": "2"}, "script"),
])
def test_check_requirements_names_the_missing_field(options, field):
    spec = plan.device_specs(params(serial="FGT1", **options))[0]
    with pytest.raises(InputError) as caught:
        plan.check_requirements(spec)
    assert caught.value.field == field
    assert "FGT1" in str(caught.value)


@pytest.mark.parametrize("options", [
    {"target": "FortiManager", "fortimanager": "1"},
    {"target": "FortiManager", "external_controller_sn": "FMG1", "external_controller_ip": "10.0.0.1"},
    {"target": "FortiEdgeCloud", "region": "global"},
    {"target": "ExternalController", "external_controller_ip": "192.0.2.1"},
    {"target": "FortiSASE"},
])
def test_check_requirements_accepts_complete_targets(options):
    plan.check_requirements(plan.device_specs(params(serial="FGT1", **options))[0])


def test_references_resolve_by_oid_serial_or_name():
    specs = plan.device_specs(params(devices=["A", {"serial": "B", "fortimanager": "FMG-B", "script": "base"}],
                                     target="FortiManager", fortimanager="7"))
    assert plan.references(specs) == ({"FMG-B"}, {"base"})
    fmgs = plan.fortimanager_oids_by_serial([{"oid": 3, "sn": "FMG-A, FMG-B"}])
    scripts = plan.script_oids_by_name([{"oid": 5, "name": "base"}])
    assert plan.desired_fields(specs[0], fmgs, scripts) == {"provisionTarget": "FortiManager", "fortiManagerOid": 7}
    assert plan.desired_fields(specs[1], fmgs, scripts) == {
        "provisionTarget": "FortiManager", "fortiManagerOid": 3, "scriptOid": 5}


def test_unknown_and_ambiguous_references_fail():
    spec = plan.device_specs(params(serial="A", target="FortiManager", fortimanager="FMG-X"))[0]
    with pytest.raises(InputError, match="matches no"):
        plan.desired_fields(spec, {}, {})
    with pytest.raises(InputError, match="several"):
        plan.desired_fields(spec, {"FMG-X": [1, 2]}, {})


def test_needs_change_compares_only_the_fields_set():
    current = record(status="provisioned", provisionTarget="FortiManager", fortiManagerOid=1,
                     externalControllerSn="FMG1", useDefaultScript=None)
    assert not placement.needs_change(current, "provisioned", {"provisionTarget": "FortiManager", "fortiManagerOid": "1"})
    assert not placement.needs_change(current, "provisioned", {"provisionTarget": "FortiManager", "useDefaultScript": False})
    assert placement.needs_change(current, "provisioned", {"provisionTarget": "FortiManager", "fortiManagerOid": 2})
    assert placement.needs_change(current, "provisioned", {"provisionTarget": "FortiGateCloud", "region": "eu"})
    assert placement.needs_change(current, "unprovisioned", {})


def test_misplacement_says_where_a_unit_is_and_where_it_goes():
    current = record(status="provisioned", provisionTarget="FortiManager", fortiManagerOid=2, useDefaultScript=True)
    names = {1: "FMG-A", 2: "FMG-B"}
    wanted = {"provisionTarget": "FortiManager", "fortiManagerOid": 1, "useDefaultScript": True}
    assert placement.misplacement(current, "provisioned", wanted, names) == (
        "provisioned to FortiManager FMG-B (oid 2), goes to FortiManager FMG-A (oid 1)")
    assert placement.misplacement(current, "provisioned", dict(wanted, fortiManagerOid=2), names) is None
    assert placement.misplacement(current, "provisioned", {"provisionTarget": "FortiGateCloud", "region": "eu"}, names) == (
        "provisioned to FortiManager FMG-B (oid 2), goes to FortiGateCloud, region eu")
    assert placement.misplacement(current, "unprovisioned", {}, names) == (
        "provisioned in FortiZTP (FortiManager FMG-B (oid 2), default script), to be unprovisioned")
    assert placement.misplacement(None, "provisioned", wanted, names) == (
        "not listed in FortiZTP, goes to FortiManager FMG-A (oid 1), default script")


@pytest.mark.parametrize("status, state, expected", [
    ("unprovisioned", "unprovisioned", False),
    ("hidden", "unprovisioned", False),
    ("incomplete", "unprovisioned", True),
    ("incomplete", "provisioned", True),   # provisioning again restarts the attempt
    ("unprovisioned", "provisioned", True),
])
def test_needs_change_by_status(status, state, expected):
    assert placement.needs_change(record(status=status, provisionTarget="FortiSASE"), state,
                                  {"provisionTarget": "FortiSASE"}) is expected


def test_request_body_and_prediction():
    current = record(status="unprovisioned")
    body = plan.request_body(current, "provisioned", {"provisionTarget": "FortiEdgeCloud", "region": "global"})
    assert body == {"deviceSN": "FGT1", "deviceType": "FortiGate", "provisionStatus": "provisioned",
                    "provisionTarget": "FortiEdgeCloud", "region": "global"}
    after = plan.predicted(current, body)
    assert after["provisionStatus"] == "provisioned" and after["region"] == "global"
    assert current["provisionStatus"] == "unprovisioned"  # not mutated
    off = plan.request_body(after, "unprovisioned", {"region": "x"})
    assert off == {"deviceSN": "FGT1", "deviceType": "FortiGate", "provisionStatus": "unprovisioned"}
    assert plan.predicted(after, off)["provisionTarget"] is None


@pytest.mark.parametrize("fields, expected", [
    ({"provisionStatus": "provisioned", "provisionSubStatus": None}, provisioning.DONE),
    ({"provisionStatus": "provisioned", "provisionSubStatus": "waiting"}, provisioning.PENDING),
    ({"provisionStatus": "provisioned", "provisionSubStatus": "provisioning"}, provisioning.PENDING),
    ({"provisionStatus": "provisioned", "provisionSubStatus": "provisioningtoolong"}, provisioning.INCOMPLETE),
    ({"provisionStatus": "incomplete", "provisionSubStatus": "provisioningtoolong"}, provisioning.INCOMPLETE),
    ({"provisionStatus": "provisioned"}, provisioning.DONE),  # sub-status missing altogether
])
def test_progress(fields, expected):
    assert provisioning.progress(fields) == expected


def test_serial_filter_falls_back_to_one_full_listing():
    assert provisioning.serial_filter(["B", "A", "A"]) == ["A", "B"]
    many = ["FGT60FS%09d" % n for n in range(1000)]
    assert provisioning.serial_filter(many) is None
    assert provisioning.serial_filter([]) is None


def test_index_by_serial_keeps_wanted_and_skips_junk():
    records = [record("A"), record("B"), None, {"deviceSN": None}, "junk"]
    assert sorted(provisioning.index_by_serial(records, ["A"])) == ["A"]
    assert sorted(provisioning.index_by_serial(records)) == ["A", "B"]


def test_misc_helpers():
    assert plan.as_oid("12") == 12 and plan.as_oid(3) == 3 and plan.as_oid("FMG") is None and plan.as_oid(True) is None
    assert plan.split_list("a, b,,c") == ["a", "b", "c"] and plan.split_list(["a ", ""]) == ["a"]
    assert provisioning.serials_named_in("Device B doesn't exist", ["A", "B"]) == ["B"]


@pytest.mark.parametrize("value", ["10.0.0.10", "2001:db8::10", "fmg.example.com", "fmg-01", "fmg.example.com."])
def test_address_problem_accepts_addresses_and_host_names(value):
    assert plan.address_problem(value) is None


@pytest.mark.parametrize("value, reason", [
    ("999.1.1.1", "is not a valid IP address"),
    ("10.0.0", "is not a valid IP address"),
    ("2001:db8::zz", "is not a valid IP address"),
    ("fmg_01.example.com", "is neither an IP address nor a host name"),
    ("-fmg.example.com", "is neither an IP address nor a host name"),
    ("fmg..example.com", "is neither an IP address nor a host name"),
    ("a" * 64 + ".example.com", "is neither an IP address nor a host name"),
])
def test_address_problem_names_why(value, reason):
    assert plan.address_problem(value) == reason


@pytest.mark.parametrize("record, text", [
    (None, "not listed in FortiZTP"),
    ({"deviceSN": "FGT1", "provisionStatus": "unprovisioned", "provisionTarget": None}, "unprovisioned in FortiZTP"),
    ({"deviceSN": "FGT1", "provisionStatus": "provisioned", "provisionTarget": "FortiManager", "fortiManagerOid": 2,
      "useDefaultScript": True}, "provisioned in FortiZTP (FortiManager FMG-B (oid 2), default script)"),
    ({"deviceSN": "FGT1", "provisionStatus": "provisioned", "provisionTarget": "FortiManager", "fortiManagerOid": 2,
      "externalControllerIp": "10.0.0.10", "externalControllerSn": "FMG-B", "useDefaultScript": True},
     "provisioned in FortiZTP (FortiManager FMG-B (oid 2), default script)"),
    ({"deviceSN": "FGT1", "provisionStatus": "provisioned", "provisionTarget": "ExternalController",
      "externalControllerIp": "10.0.0.10"},
     "provisioned in FortiZTP (ExternalController, externalControllerIp 10.0.0.10, no default script)"),
    ({"deviceSN": "FGT1", "provisionStatus": "provisioned", "provisionTarget": "FortiManager", "fortiManagerOid": 2,
      "useDefaultScript": False, "scriptOid": 7},
     "provisioned in FortiZTP (FortiManager FMG-B (oid 2), script oid 7, no default script)"),
    ({"deviceSN": "FGT1", "provisionStatus": "incomplete", "provisionTarget": "FortiGateCloud", "region": "europe"},
     "incomplete in FortiZTP (FortiGateCloud, region europe)"),
])
def test_whereabouts_says_status_target_fortimanager_and_script(record, text):
    assert placement.whereabouts(record, {2: "FMG-B"}) == text
