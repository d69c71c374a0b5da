"""Day 2 on a deployed site (issue 11, first part): an RMA swap and stale configs converge, touching
only the devices concerned; check mode plans exactly what the real run then does."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.helpers.ansible import REPO, run_playbook

EXAMPLE = REPO / "examples" / "site_floor_a"
ROLLOUT = "playbooks/site_rollout.yml"
OLD_FORTIGATE, NEW_FORTIGATE = "FGT60FTK20000001", "FGT60FTK20000010"  # a spare the lab's FortiZTP knows
SWITCHES = ["sw-prod-01", "sw-prod-02", "sw-prod-03", "sw-prod-04"]


def inventory(tmp_path: Path, fortigate_serial: str = OLD_FORTIGATE) -> str:
    hosts = yaml.safe_load((EXAMPLE / "hosts.yml").read_text())
    groups = hosts["all"]["children"]["floor_a"]["children"]
    groups["floor_a_firewalls"]["hosts"]["fw-prod-01"]["serial_number"] = fortigate_serial
    site = tmp_path / "site"
    (site / "group_vars" / "all").mkdir(parents=True, exist_ok=True)
    (site / "hosts.yml").write_text(yaml.safe_dump(hosts))
    for name in ("site.yml", "lab.yml"):
        (site / "group_vars" / "all" / name).write_text((EXAMPLE / "group_vars" / "all" / name).read_text())
    return str(site / "hosts.yml")


def rollout(lab, tmp_path, hosts, check=False, **extra):
    return run_playbook(lab, ROLLOUT, inventory=hosts, check=check, diff=check,
                        extra_vars=dict({"ztp_output_dir": str(tmp_path / "out")}, **extra))


def manifest(lab) -> dict:
    [summary] = lab.bw("GET", "/manifests", params={"site_id": "site_floor_a"}).json()["manifests"]
    return lab.bw("GET", "/manifests/%s" % summary["id"]).json()


def events(lab, manifest_id) -> list:
    return lab.bw("GET", "/events", params={"manifest_id": manifest_id}).json()["events"]


def new_events(lab, manifest_id, seen) -> list:
    return [e for e in events(lab, manifest_id) if e["id"] not in seen]


def fortiztp(lab, serial) -> dict:
    answer = lab.fz("GET", "/devices", params={"deviceSN": serial}).json()
    return (answer.get("data") or answer.get("devices"))[0]


def planned(tmp_path) -> dict:
    report = json.loads((tmp_path / "out" / "reports" / "site_floor_a" / "rollout-report.json").read_text())
    assert report["result"] == "plan"
    return {d["hostname"]: d["planned"] for d in report["devices"]}


def deployed_in(new, by_id) -> list:
    """Hostnames that a deployment started or brought online among ``new`` events."""
    hosts = set()
    for event in new:
        if event["event_type"] == "deployment_started":
            hosts.update(by_id[i] for i in event["details"]["devices"])
        elif event["event_type"] in ("device_online", "device_failed"):
            hosts.add(by_id[event["device_id"]])
    return sorted(hosts)


@pytest.mark.slow
def test_rma_of_a_fortigate_on_a_deployed_site(lab, tmp_path):
    first = rollout(lab, tmp_path, inventory(tmp_path))
    assert first.rc == 0, first.output[-6000:]
    site = manifest(lab)
    by_id = {d["id"]: d["hostname"] for d in site["devices"]}
    seen = {e["id"] for e in events(lab, site["id"])}
    swapped = inventory(tmp_path / "rma", NEW_FORTIGATE)

    # Without serials_replace the plan names the mismatch and nothing is written.
    lab.reset_counters()
    refused = rollout(lab, tmp_path, swapped)
    assert refused.rc != 0
    assert "fw-prod-01: serial_number %s differs from %s in Breakwater" % (NEW_FORTIGATE, OLD_FORTIGATE) in refused.output
    assert lab.counters()["writes"] == 0

    # Check mode plans the swap for that one device.
    lab.reset_counters()
    plan = rollout(lab, tmp_path, swapped, check=True, serials_replace=True)
    assert plan.rc == 0, plan.output[-6000:]
    assert lab.counters()["writes"] == 0
    assert planned(tmp_path)["fw-prod-01"] == ["replace_serial", "generate_config", "provision_fortiztp", "deploy"]
    assert all(actions == [] for host, actions in planned(tmp_path).items() if host != "fw-prod-01")

    run = rollout(lab, tmp_path, swapped, serials_replace=True)
    assert run.rc == 0, run.output[-6000:]
    after = manifest(lab)
    assert after["status"] == "deployed"
    assert {d["status"] for d in after["devices"]} == {"online"}
    assert {d["hostname"]: d["serial_number"] for d in after["devices"]}["fw-prod-01"] == NEW_FORTIGATE
    assert fortiztp(lab, NEW_FORTIGATE)["provisionStatus"] == "provisioned"
    assert fortiztp(lab, OLD_FORTIGATE)["provisionStatus"] == "unprovisioned"
    new = new_events(lab, site["id"], seen)
    assert deployed_in(new, by_id) == ["fw-prod-01"]
    assert [by_id[e["device_id"]] for e in new if e["event_type"] == "serial_replaced"] == ["fw-prod-01"]
    assert [by_id[e["device_id"]] for e in new if e["event_type"] == "config_generated"] == ["fw-prod-01"]

    lab.reset_counters()
    rerun = rollout(lab, tmp_path, swapped, serials_replace=True)
    assert rerun.rc == 0 and rerun.changed_tasks == [], rerun.output[-4000:]
    assert lab.counters()["writes"] == 0


@pytest.mark.slow
def test_template_change_and_version_bump_redeploy_only_the_devices_concerned(lab, tmp_path):
    hosts = inventory(tmp_path)
    first = rollout(lab, tmp_path, hosts)
    assert first.rc == 0, first.output[-6000:]
    site = manifest(lab)
    by_id = {d["id"]: d["hostname"] for d in site["devices"]}
    templates = {"cisco_ie3300": "template_switch_advanced", "fortigate_60f": "template_firewall_dmz",
                 "fortinet_fap231f": "template_ap_basic"}

    # A new template for the switches: check mode plans it for the four switches only.
    lab.reset_counters()
    plan = rollout(lab, tmp_path, hosts, check=True, ztp_config_templates=templates)
    assert plan.rc == 0, plan.output[-6000:]
    assert lab.counters()["writes"] == 0
    assert {h for h, actions in planned(tmp_path).items() if actions} == set(SWITCHES)
    assert planned(tmp_path)["sw-prod-01"] == ["regenerate_config", "deploy"]

    seen = {e["id"] for e in events(lab, site["id"])}
    run = rollout(lab, tmp_path, hosts, ztp_config_templates=templates)
    assert run.rc == 0, run.output[-6000:]
    after = manifest(lab)
    assert after["status"] == "deployed" and {d["status"] for d in after["devices"]} == {"online"}
    new = new_events(lab, site["id"], seen)
    assert sorted(by_id[e["device_id"]] for e in new if e["event_type"] == "config_generated") == SWITCHES
    assert deployed_in(new, by_id) == SWITCHES
    # The saved file is the new template's config (its header line), as the lab holds it now.
    saved = (tmp_path / "out" / "configs" / "site_floor_a" / "sw-prod-01.cfg").read_text()
    assert "! Cisco IE-3300 Advanced Configuration" in saved, saved
    switch_id = [i for i, host in by_id.items() if host == "sw-prod-01"][0]
    assert saved == lab.bw("GET", "/devices/%s/config" % switch_id, params={"format": "text"}).json()["content"]

    lab.reset_counters()
    rerun = rollout(lab, tmp_path, hosts, ztp_config_templates=templates)
    assert rerun.rc == 0 and rerun.changed_tasks == [], rerun.output[-4000:]
    assert lab.counters()["writes"] == 0

    # The firewall template gets a new version in Breakwater: only the FortiGate follows.
    lab.bump_template("template_firewall_dmz")
    seen = {e["id"] for e in events(lab, site["id"])}
    bumped = rollout(lab, tmp_path, hosts, ztp_config_templates=templates)
    assert bumped.rc == 0, bumped.output[-6000:]
    new = new_events(lab, site["id"], seen)
    assert [by_id[e["device_id"]] for e in new if e["event_type"] == "config_generated"] == ["fw-prod-01"]
    assert deployed_in(new, by_id) == ["fw-prod-01"]
    lab.reset_counters()
    rerun = rollout(lab, tmp_path, hosts, ztp_config_templates=templates)
    assert rerun.rc == 0 and rerun.changed_tasks == [], rerun.output[-4000:]
    assert lab.counters()["writes"] == 0


@pytest.mark.slow
def test_a_unit_of_another_model_is_reported_and_stops_a_strict_rollout(lab, tmp_path):
    first = rollout(lab, tmp_path, inventory(tmp_path))
    assert first.rc == 0, first.output[-6000:]
    site = manifest(lab)
    by_id = {d["id"]: d["hostname"] for d in site["devices"]}
    # A FortiGate scanned onto a switch (the lab detects FortiGate-60F from its prefix).
    hosts = yaml.safe_load(open(inventory(tmp_path / "wrong")).read())
    hosts["all"]["children"]["floor_a"]["children"]["floor_a_switches"]["hosts"]["sw-prod-02"]["serial_number"] = \
        "FGT60FTK20000012"
    wrong = tmp_path / "wrong" / "site" / "hosts.yml"
    wrong.write_text(yaml.safe_dump(hosts))

    seen = {e["id"] for e in events(lab, site["id"])}
    strict = rollout(lab, tmp_path, str(wrong), serials_replace=True, serials_strict_model=True)
    assert strict.rc != 0
    message = "sw-prod-02: model_detected FortiGate-60F does not fit device_type cisco_ie3300"
    assert message in strict.output, strict.output[-4000:]
    new = new_events(lab, site["id"], seen)
    assert deployed_in(new, by_id) == [] and not [e for e in new if e["event_type"] == "config_generated"]
    report = json.loads((tmp_path / "out" / "reports" / "site_floor_a" / "rollout-report.json").read_text())
    assert report["result"] == "failed" and "serials_strict_model" in report["error"]
    row = [d for d in report["devices"] if d["hostname"] == "sw-prod-02"][0]
    assert (row["model_detected"], row["model_fits"]) == ("FortiGate-60F", False)
    assert "does not fit" in (tmp_path / "out" / "reports" / "site_floor_a" / "rollout-report.html").read_text()
