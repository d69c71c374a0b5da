# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Waves and sites (module_utils/site_waves.py, site_groups.py): cutting a site into waves, what a run of some waves plans,
when a wave stops the next, grouping an inventory into sites, and the run's index."""

from __future__ import annotations

import pytest

from ansible_collections.breakwater.ztp.plugins.module_utils import site_groups
from ansible_collections.breakwater.ztp.plugins.module_utils import site_planning
from ansible_collections.breakwater.ztp.plugins.module_utils import site_results
from ansible_collections.breakwater.ztp.plugins.module_utils import site_waves

DEVICES = [{"hostname": h, "serial_number": "SN%04d" % i, "device_type": t} for i, (h, t) in enumerate([
    ("fw-01", "fortigate_60f"), ("sw-01", "cisco_ie3300"), ("sw-02", "cisco_ie3300"), ("ap-01", "fortinet_fap231f")])]
NAMES = [d["hostname"] for d in DEVICES]
SITE = {"ztp_site_id": "s1", "ztp_manifest_name": "Plant", "rollout_fortiztp_enabled": True, "fortiztp_provision_device_type_pattern": "^forti",
        "ztp_config_templates": None}


def waves_of(waves):
    return [(w["number"], w["hosts"], w["run"]) for w in waves]


def test_one_wave_without_settings():
    waves, problems, warnings = site_waves.plan_waves(DEVICES)
    assert waves_of(waves) == [(1, NAMES, True)] and problems == [] and warnings == []


def test_a_device_is_in_the_first_wave_that_matches_it():
    members = [("firewalls", ["fw-01"]), ("switches", ["sw-01", "sw-02"]), ("all", NAMES)]
    waves, problems = site_waves.plan_waves(DEVICES, members)[:2]
    assert waves_of(waves) == [(1, ["fw-01"], True), (2, ["sw-01", "sw-02"], True), (3, ["ap-01"], True)]
    assert [w["pattern"] for w in waves] == ["firewalls", "switches", "all"] and problems == []


def test_a_device_in_no_wave_is_refused_naming_it():
    problems = site_waves.plan_waves(DEVICES, [("switches", ["sw-01", "sw-02"])])[1]
    assert problems == ["rollout_waves: fw-01, ap-01 in no wave (a last wave 'all' takes the rest)"]


def test_an_empty_wave_keeps_its_number_and_warns():
    members = [("cell_9", ["elsewhere"]), ("all", NAMES)]
    waves, problems, warnings = site_waves.plan_waves(DEVICES, members)
    assert waves_of(waves) == [(1, [], True), (2, NAMES, True)] and problems == []
    assert warnings == ["rollout_waves[0] (cell_9) matches no device of the site that an earlier wave does not "
                        "hold: wave 1 has nothing to do"]


def test_waves_of_a_size_in_inventory_order():
    waves, problems = site_waves.plan_waves(DEVICES, wave_size=3)[:2]
    assert waves_of(waves) == [(1, NAMES[:3], True), (2, NAMES[3:], True)] and problems == []


@pytest.mark.parametrize("members, size, only, message", [
    ([("all", NAMES)], 2, None, "rollout_wave_size: 2: set rollout_waves or rollout_wave_size, not both"),
    (None, 0, None, "rollout_wave_size: 0 must be at least 1"),
    (None, 2, 3, "rollout_wave: 3: the site has 2 wave(s), numbered from 1"),
    (None, None, 0, "rollout_wave: 0: the site has 1 wave(s), numbered from 1"),
])
def test_wave_settings_are_checked_naming_the_variable(members, size, only, message):
    assert message in site_waves.plan_waves(DEVICES, members, size, only)[1]


def plan(statuses, waves, only=None):
    manifest = {"id": "m1", "status": "ready", "devices": [
        dict(d, id="d%d" % i, status=statuses[i], config_template=None, serial_number=d["serial_number"]
             if statuses[i] != "pending" else None) for i, d in enumerate(DEVICES)]}
    records = {"SN0000": {"provisionStatus": "provisioned", "provisionTarget": "FortiManager"},
               "SN0003": {"provisionStatus": "provisioned", "provisionTarget": "FortiManager"}}
    result = site_planning.plan_site(SITE, DEVICES, manifest, records, [])
    members = [("fw", ["fw-01"]), ("sw", ["sw-01", "sw-02"]), ("all", NAMES)] if waves == 3 else None
    cut, problems = site_waves.plan_waves(DEVICES, members, None, only)[:2]
    assert problems == []
    warnings = site_waves.apply_waves(result, cut)
    return result, warnings


def test_a_run_of_one_wave_keeps_only_the_serial_actions_of_the_others():
    result = plan(["pending"] * 4, 3, only=2)[0]
    actions = dict((r["hostname"], r["actions"]) for r in result["devices"])
    assert actions["sw-01"] == ["register_serial", "generate_config", "deploy"]
    assert actions["fw-01"] == ["register_serial"] and actions["ap-01"] == ["register_serial"]
    assert dict((r["hostname"], r["reason"]) for r in result["devices"])["fw-01"] == "wave 1, not in this run"
    assert result["counts"] == {"register_serial": 4, "generate_config": 2, "deploy": 2}
    assert site_waves.run_hosts(result) == ["sw-01", "sw-02"]
    assert site_waves.waves_text(result) == " in 3 waves (this run: wave 2)"


def test_a_later_device_holding_a_config_is_deployed_with_the_first_wave_and_the_plan_says_so():
    warnings = plan(["config_generated", "online", "online", "config_generated"], 3)[1]
    assert warnings == ["ap-01 (wave 3) holds a config and is not online: Breakwater deploys it with wave 1 (a "
                        "deployment deploys every device that holds a config)"]
    assert plan(["config_generated"] * 4, 1)[1] == []  # one wave: nothing to tell


def test_the_plan_text_lists_the_devices_per_wave():
    result = plan(["pending"] * 4, 3, only=2)[0]
    text = site_results.plan_text(result)
    assert " Wave 1 of 3 (fw), not in this run:\n  fw-01 " in text
    assert " Wave 2 of 3 (sw):\n  sw-01 " in text
    assert text.endswith("Total: 4 device(s) in 3 waves (this run: wave 2); register_serial 4, generate_config 2, "
                         "deploy 2\n")


def test_a_wave_is_judged_by_its_own_devices():
    result = plan(["pending"] * 4, 3)[0]
    undeployed = [{"hostname": "sw-02", "status": "failed"}, {"hostname": "ap-01", "status": "serial_registered"}]
    assert site_waves.wave_failures(result, 2, undeployed) == [{"hostname": "sw-02", "status": "failed"}]
    assert site_waves.wave_failures(result, 1, undeployed) == []
    assert site_waves.next_wave(result, 1) == 2 and site_waves.next_wave(result, 3) is None
    assert site_waves.wave_rows(2, result["devices"]) == result["devices"][1:3]
    assert site_waves.wave_rows(None, result["devices"]) == result["devices"]


def test_a_wave_beyond_rollout_max_failures_stops_the_later_ones_naming_them():
    result = plan(["pending"] * 4, 3)[0]
    undeployed = [{"hostname": "fw-01", "status": "failed", "status_reason": "ZTP_NOT_PROVISIONED"}]
    assert site_waves.wave_gate(result, 1, undeployed, 0, "wave 1 of 3: ") == (
        "wave 1 of 3: 1 device(s) not online (rollout_max_failures 0): fw-01 (failed: ZTP_NOT_PROVISIONED); "
        "waves 2, 3 not started")
    assert site_waves.wave_gate(result, 1, undeployed, 1) is None  # within the tolerance
    assert site_waves.wave_gate(result, 2, undeployed, 0) is None  # not a device of wave 2
    assert site_waves.wave_gate(result, 3, [dict(undeployed[0], hostname="ap-01")], 0) is None  # the last wave
    assert site_waves.first_wave(result, 1) and not site_waves.first_wave(result, 2)
    assert site_waves.first_wave(plan(["pending"] * 4, 3, only=2)[0], 2)
    assert site_waves.stopping(result, 2) == "; wave 3 not started" and site_waves.stopping(result, None) == ""


def test_config_failures_warn_within_rollout_max_failures_and_stop_beyond_it():
    result = plan(["pending"] * 4, 3)[0]
    failures = [{"hostname": "sw-01", "code": "TEMPLATE_VARIABLE_MISSING", "template_id": "t1", "variable": "vlan"}]
    error, warning = site_waves.config_failures(result, 2, failures, 0)
    assert error == "1 config(s) failed: sw-01: TEMPLATE_VARIABLE_MISSING (template t1, variable vlan); wave 3 not " \
        "started" and warning is None
    error, warning = site_waves.config_failures(result, 2, failures, 1)
    assert error is None and warning.endswith("(within rollout_max_failures 1: the others go on)")
    assert site_waves.config_failures(result, 2, [], 0) == (None, None)


def test_the_report_tells_how_each_wave_ended():
    waves = [{"number": 1, "pattern": "fw", "hosts": ["fw-01"], "run": True},
             {"number": 2, "pattern": "sw", "hosts": ["sw-01", "sw-02"], "run": True},
             {"number": 3, "pattern": "all", "hosts": ["ap-01"], "run": True}]
    rows = [{"hostname": "fw-01", "status": "online"}, {"hostname": "sw-01", "status": "config_failed"},
            {"hostname": "sw-02", "status": "config_generated"}, {"hostname": "ap-01", "status": "serial_registered"}]
    results = site_results.wave_results(waves, rows)
    assert [w["result"] for w in results] == ["online", "failed", "not started"]
    assert results[1]["counts"] == {"config_failed": 1, "config_generated": 1}
    waves[2]["run"] = False
    assert site_results.wave_results(waves, rows)[2]["result"] == "not in this run"


def test_sites_are_the_devices_sharing_site_and_manifest():
    hosts = [
        ("localhost", {}),
        ("fw-a", {"serial_number": "A1", "device_type": "t", "ztp_site_id": "s1", "ztp_manifest_name": "A"}),
        ("fw-b", {"serial_number": "B1", "device_type": "t", "ztp_site_id": "s2", "ztp_manifest_name": "B"}),
        ("sw-a", {"serial_number": "A2", "device_type": "t", "ztp_site_id": "s1", "ztp_manifest_name": "A"}),
        ("sw-c", {"serial_number": "C1", "device_type": "t", "ztp_site_id": "s1", "ztp_manifest_name": "Hall C"}),
        ("sw-x", {"serial_number": "X1", "device_type": "t", "ztp_site_id": "s3"}),
    ]
    sites, problems = site_groups.group_sites(hosts)
    assert [(s["name"], s["hosts"], s["vars_from"]) for s in sites] == [
        ("s1-a", ["fw-a", "sw-a"], "fw-a"), ("s2", ["fw-b"], "fw-b"), ("s1-hall_c", ["sw-c"], "sw-c")]
    assert problems == ["sw-x: no ztp_manifest_name: a device belongs to a site (set ztp_site_id and "
                        "ztp_manifest_name on its group)"]
    packed = site_groups.pack_devices(sites[0])
    assert packed == '[["fw-a","A1","t"],["sw-a","A2","t"]]'
    assert site_groups.unpack_devices(packed) == [("fw-a", {"serial_number": "A1", "device_type": "t"}),
                                                  ("sw-a", {"serial_number": "A2", "device_type": "t"})]


def test_the_index_lists_every_site_with_a_report_whichever_run_wrote_it():
    entry = {"result": "success", "counts": {"online": 3}, "report_json": "a/rollout-report.json"}
    first = site_results.run_index(None, "run-1", ["a", "b"], "a", entry)
    assert first["sites"] == {"a": dict(entry, run="run-1"), "b": {"result": "running", "run": "run-1"}}
    assert first["result"] == "running"
    both = site_results.run_index(first, "run-1", ["a", "b"], "b", dict(entry, result="failed"))
    assert both["result"] == "failed" and both["sites"]["a"] == dict(entry, run="run-1")
    # Another run (a second slice of a sliced job) holding site c: a and b stay, with their run's results.
    sliced = site_results.run_index(both, "run-2", ["c"], "c", dict(entry, result="partial"), lambda held: True)
    assert {name: (s["result"], s["run"]) for name, s in sliced["sites"].items()} == {
        "a": ("success", "run-1"), "b": ("failed", "run-1"), "c": ("partial", "run-2")}
    assert sliced["result"] == "failed" and sliced["run"] == "run-2"
    # A site whose report is gone is left out; a site of another run still running stays.
    running = site_results.run_index(None, "run-3", ["d", "e"], "d", entry)
    later = site_results.run_index(running, "run-4", ["a"], "a", entry, lambda held: held is not running["sites"]["d"])
    assert sorted(later["sites"]) == ["a", "e"] and later["result"] == "running"
    # A new run of a site shows it running until it reports, then its new result.
    again = site_results.run_index(sliced, "run-5", ["a", "c"], "a", entry, lambda held: True)
    assert again["sites"]["c"] == {"result": "running", "run": "run-5"} and again["sites"]["a"]["run"] == "run-5"
    done = site_results.run_index(again, "run-5", ["a", "c"], "c", entry, lambda held: True)
    assert {s["result"] for name, s in done["sites"].items() if name != "b"} == {"success"}


def test_a_run_holding_part_of_the_manifest_is_partial_never_success():
    manifest = {"id": "m1", "status": "deployed", "devices": [
        {"id": "d%d" % i, "hostname": host, "serial_number": "SN%04d" % i, "device_type": "t", "status": status}
        for i, (host, status) in enumerate([("fw-01", "online"), ("sw-01", "online"), ("sw-02", "config_generated")])]}
    report = site_results.build_report(SITE, manifest, [], ["fw-01", "sw-01"], held=["fw-01", "sw-01"])
    assert report["result"] == "partial" and report["not_in_run"] == ["sw-02"]
    assert site_results.summary_text(report) == (
        "Rollout of Plant: partial; config_generated=1, online=2. Not in this run: manifest Plant: 1 device(s) not in "
        "this run's inventory: sw-02.")
    assert site_results.artifact(report, "r.json", "r.html")["not_in_run"] == ["sw-02"]
    assert site_results.index_entry(report, "/o/reports/s1", "/o/reports")["not_in_run"] == ["sw-02"]
    # A device it held that is not online fails it, naming the others too.
    failed = site_results.build_report(SITE, manifest, [], ["fw-01", "sw-02"], held=["fw-01", "sw-02"])
    assert failed["result"] == "failed" and failed["not_in_run"] == ["sw-01"]
    assert "Not in this run: manifest Plant: 1 device(s) not in this run's inventory: sw-01." in \
        site_results.failure_text(failed, "r.html")
    # Holding every device (or none: a play on localhost works on the manifest's) is not partial; a run of
    # some waves (rollout_wave) holds them all and rolls out its wave's.
    whole = site_results.build_report(SITE, manifest, [], ["fw-01", "sw-01"], held=["fw-01", "sw-01", "sw-02"])
    assert whole["result"] == "success" and whole["not_in_run"] == []
    assert site_results.build_report(SITE, manifest, [], [], held=[])["not_in_run"] == []


def test_the_plan_names_the_devices_not_in_the_run_and_rollout_require_whole_site_refuses_them():
    from ansible_collections.breakwater.ztp.plugins.module_utils import site_checks

    manifest = {"id": "m1", "status": "ready", "devices": [
        {"id": "d%d" % i, "hostname": d["hostname"], "serial_number": d["serial_number"], "status": "pending"}
        for i, d in enumerate(DEVICES)]}
    plan = site_planning.plan_site(SITE, DEVICES[:2], manifest)
    assert plan["not_in_run"] == ["sw-02", "ap-01"]
    assert " Not in this run (the inventory does not hold them): sw-02, ap-01" in site_results.plan_text(plan)
    assert site_checks.whole_site_problems(SITE, plan["not_in_run"]) == []
    assert site_checks.whole_site_problems(dict(SITE, rollout_require_whole_site=True), plan["not_in_run"]) == [
        "rollout_require_whole_site: manifest Plant: 2 device(s) not in this run's inventory: sw-02, ap-01; add them "
        "to the inventory (or run without rollout_require_whole_site, for a partial result)"]
    assert site_planning.plan_site(SITE, DEVICES, manifest)["not_in_run"] == []
    assert site_planning.plan_site(SITE, DEVICES[:2], None)["not_in_run"] == []  # a new manifest: not known yet


def test_an_index_entry_links_the_report_relatively():
    report = {"site_id": "s1", "manifest": {"name": "A"}, "result": "success", "error": None, "counts": {},
              "device_total": 0}
    entry = site_results.index_entry(report, "/out/reports/s1", "/out/reports")
    assert entry["report_html"] == "s1/rollout-report.html" and entry["report_json"] == "s1/rollout-report.json"


SITE_HOST = {"ztp_site_id": "s1", "ztp_manifest_name": "A", "ztp_devices": [
    {"hostname": "fw-a", "serial_number": " fgt60ftk20000001 ", "device_type": "fortigate_60f", "groups": ["fw"]},
    {"hostname": "sw-a", "serial_number": "FDO2401A001", "device_type": "cisco_ie3300"},
]}


def test_a_host_with_ztp_devices_is_a_site_with_those_devices_and_its_own_name():
    hosts = [("localhost", {}), ("store_1", SITE_HOST),
             ("fw-b", {"serial_number": "B1", "device_type": "t", "ztp_site_id": "s2", "ztp_manifest_name": "B"})]
    sites, problems = site_groups.group_sites(hosts)
    assert problems == []
    assert [(s["name"], s["hosts"], s["vars_from"], s["site_host"]) for s in sites] == [
        ("store_1", ["fw-a", "sw-a"], "store_1", True), ("s2", ["fw-b"], "fw-b", False)]
    packed = site_groups.pack_devices(sites[0])
    assert site_groups.unpack_devices(packed) == [
        ("fw-a", {"serial_number": "FGT60FTK20000001", "device_type": "fortigate_60f", "groups": ["fw"]}),
        ("sw-a", {"serial_number": "FDO2401A001", "device_type": "cisco_ie3300", "groups": []})]
    devices = site_groups.site_host_devices("store_1", SITE_HOST["ztp_devices"])[0]
    assert site_groups.device_groups(devices) == {"fw": ["fw-a"]}


def test_every_entry_of_ztp_devices_is_checked_and_located():
    entries = [
        {"hostname": "fw-a", "serial_number": "FGT60FTK20000001", "device_type": "fortigate_60f"},
        {"hostname": "fw-a", "serial_number": "fgt60ftk20000001", "device_type": "fortigate_60f"},
        {"hostname": "sw-a", "serial_number": "FD-1", "device_type": "", "groups": "switches"},
        {"hostname": "", "serial": "FDO2401A001", "device_type": "cisco_ie3300"},
        "sw-z",
    ]
    devices, problems = site_groups.site_host_devices("store_1", entries)
    assert problems == [
        "store_1: ztp_devices[1].hostname: fw-a is also the hostname of ztp_devices[0]",
        "store_1: ztp_devices[1].serial_number: FGT60FTK20000001 is also the serial_number of ztp_devices[0]",
        'store_1: ztp_devices[2].serial_number: "FD-1" is not 6-20 characters A-Z and 0-9',
        "store_1: ztp_devices[2].device_type: '' is not a device type",
        "store_1: ztp_devices[2].groups: 'switches' is not a list of group names",
        "store_1: ztp_devices[3].serial: unknown key (a device has hostname, serial_number, device_type, groups)",
        "store_1: ztp_devices[3].hostname: '' is not a host name",
        'store_1: ztp_devices[3].serial_number: "" is empty',
        "store_1: ztp_devices[4]: 'sw-z' is not a device ({hostname, serial_number, device_type})",
    ]
    assert len(devices) == 4
    assert site_groups.site_host_devices("store_1", [])[1] == [
        "store_1: ztp_devices: is empty: a site host lists its devices ({hostname, serial_number, device_type})"]
    assert site_groups.site_host_devices("store_1", "fw-a")[1] == ["store_1: ztp_devices: 'fw-a' is not a list of devices"]


def test_a_site_given_both_as_a_site_host_and_as_device_hosts_is_refused():
    device = {"serial_number": "A9", "device_type": "t", "ztp_site_id": "s1", "ztp_manifest_name": "A"}
    sites, problems = site_groups.group_sites([("store_1", SITE_HOST), ("sw-x", device), ("sw-y", device)])
    assert problems == ["store_1: site s1, manifest A: given by this site host (ztp_devices) and by device host(s) sw-x, "
                        "sw-y; list a site's devices one way, as device hosts or in one site host's ztp_devices"]
    sites, problems = site_groups.group_sites([("sw-x", device), ("store_1", SITE_HOST), ("store_2", SITE_HOST)])
    assert problems == [
        "store_1: site s1, manifest A: given by this site host (ztp_devices) and by device host(s) sw-x; list a site's "
        "devices one way, as device hosts or in one site host's ztp_devices",
        "store_2: site s1, manifest A: given by this site host (ztp_devices) and by device host(s) sw-x; list a site's "
        "devices one way, as device hosts or in one site host's ztp_devices"]
    assert site_groups.group_sites([("store_1", dict(SITE_HOST, ztp_site_id=None))])[1] == [
        "store_1: no ztp_site_id: a site host belongs to a site (set ztp_site_id and ztp_manifest_name on it)"]


def test_a_wave_prefix_names_the_wave_only_when_the_plan_has_several():
    three = {"waves": [{"number": 1}, {"number": 2}, {"number": 3}]}
    assert site_waves.wave_prefix(three, 2) == "wave 2 of 3: "
    assert site_waves.wave_prefix(three, None) == ""
    assert site_waves.wave_prefix({"waves": [{"number": 1}]}, 1) == ""
