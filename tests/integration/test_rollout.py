"""End-to-end rollout (issue 7): playbooks/site_rollout.yml on the example site and on synthetic sites.

Each test runs ansible-playbook against the lab (the `lab` fixture, reset to its default fixtures)
and checks the outcome in the lab itself, in the report files and in the task results.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from tests.helpers.ansible import REPO, run_playbook
from tests.helpers.site import task_counts, write_site_inventory

EXAMPLE = REPO / "examples" / "site_floor_a"
ROLLOUT = "playbooks/site_rollout.yml"
SITE_ID = "site_floor_a"
# hosts.yml of the example: hostname -> (serial, device type)
FLOOR_A = {
    "fw-prod-01": ("FGT60FTK20000001", "fortigate_60f"),
    "sw-prod-01": ("FDO2401A001", "cisco_ie3300"),
    "sw-prod-02": ("FDO2401A002", "cisco_ie3300"),
    "sw-prod-03": ("FDO2401A003", "cisco_ie3300"),
    "sw-prod-04": ("FDO2401A004", "cisco_ie3300"),
    "ap-prod-01": ("FP231FTF20000001", "fortinet_fap231f"),
    "ap-prod-02": ("FP231FTF20000002", "fortinet_fap231f"),
}
FORTINET = ["FGT60FTK20000001", "FP231FTF20000001", "FP231FTF20000002"]


def output_vars(tmp_path: Path) -> dict:
    return {"rollout_report_dir": str(tmp_path / "reports"), "configs_dest": str(tmp_path / "intended")}


def site_manifest(lab, site_id=SITE_ID) -> dict:
    manifests = lab.bw("GET", "/manifests", params={"site_id": site_id}).json()["manifests"]
    assert len(manifests) == 1, manifests
    return lab.bw("GET", "/manifests/%s" % manifests[0]["id"]).json()


def fortiztp_devices(lab, serials) -> dict:
    answer = lab.fz("GET", "/devices", params={"deviceSN": ",".join(serials)}).json()
    return {d["deviceSN"]: d for d in answer.get("data") or answer.get("devices")}


def read_report(tmp_path: Path) -> tuple[dict, str]:
    folder = tmp_path / "reports"
    return (json.loads((folder / "rollout-report.json").read_text()),
            (folder / "rollout-report.html").read_text())


def copy_example(tmp_path: Path, edit_hosts=None) -> Path:
    """A copy of the example site (hosts.yml + group_vars), with hosts.yml edited by edit_hosts(dict)."""
    site = tmp_path / "site"
    shutil.copytree(EXAMPLE, site, ignore=shutil.ignore_patterns("reports", "intended"))
    if edit_hosts:
        hosts = yaml.safe_load((site / "hosts.yml").read_text())
        edit_hosts(hosts["all"]["children"]["floor_a"]["children"])
        (site / "hosts.yml").write_text(yaml.safe_dump(hosts))
    return site / "hosts.yml"


@pytest.mark.slow
def test_rollout_of_the_example_site_then_rerun_unchanged(lab, tmp_path):
    run = run_playbook(lab, ROLLOUT, inventory=str(EXAMPLE / "hosts.yml"), extra_vars=output_vars(tmp_path))
    assert run.rc == 0, run.output[-6000:]

    # Every device online, with the serial of the inventory; the manifest deployed.
    manifest = site_manifest(lab)
    assert manifest["status"] == "deployed"
    assert manifest["topology_source"] == "helm_topology_789"
    devices = {d["hostname"]: d for d in manifest["devices"]}
    assert sorted(devices) == sorted(FLOOR_A)
    for hostname, (serial, device_type) in FLOOR_A.items():
        assert devices[hostname]["status"] == "online", devices[hostname]
        assert devices[hostname]["serial_number"] == serial
        assert devices[hostname]["device_type"] == device_type
    # The Fortinet devices went to the FortiManager of the group vars.
    for serial, record in fortiztp_devices(lab, FORTINET).items():
        assert record["provisionStatus"] == "provisioned", record
        assert record["provisionTarget"] == "FortiManager"
        assert record["externalControllerSn"] == "FMG-VM0000000001" or record.get("fortiManagerOid") == 1

    # The intended configs, one per device.
    configs = sorted(p.name for p in (tmp_path / "intended").iterdir())
    assert configs == sorted("%s.cfg" % h for h in FLOOR_A)
    assert "fw-prod-01" in (tmp_path / "intended" / "fw-prod-01.cfg").read_text()

    # The report: JSON and HTML, counts per status, every device with its timings.
    report, html = read_report(tmp_path)
    assert report["result"] == "success"
    assert report["error"] is None
    assert report["manifest"]["id"] == manifest["id"] and report["manifest"]["status"] == "deployed"
    assert report["counts"] == {"online": 7}
    assert report["device_total"] == 7
    # The cable schedule travels with the report, linked from the page.
    assert report["cable_schedule"] == "cable-schedule.pdf"
    assert (tmp_path / "reports" / "cable-schedule.pdf").read_bytes().startswith(b"%PDF")
    assert 'href="cable-schedule.pdf"' in html
    by_host = {d["hostname"]: d for d in report["devices"]}
    for hostname, (serial, device_type) in FLOOR_A.items():
        row = by_host[hostname]
        assert (row["serial_number"], row["device_type"], row["status"], row["reason"]) == (serial, device_type, "online", None)
        timings = row["timings"]
        assert timings["serial_registered"] and timings["config_generated"] and timings["deployment_started"]
        assert timings["settled"] >= timings["deployment_started"]
        assert timings["deploy_seconds"] >= 0
        assert hostname in html and serial in html
    # Self-contained: inline style and script only, nothing loaded (no src, no link, no address).
    assert "<style>" in html and html.count("<script>") == 1 and "<script " not in html
    assert "<link" not in html and "src=" not in html and "http://" not in html and "https://" not in html
    assert "SUCCESS" in html
    stats = run.result("Roll out the site and write its report")
    assert stats["ansible_stats"]["data"]["breakwater_ztp_rollout"]["counts"] == {"online": 7}

    # Second run: nothing changes, in Ansible's eyes and in the lab's (no write at all).
    lab.reset_counters()
    rerun = run_playbook(lab, ROLLOUT, inventory=str(EXAMPLE / "hosts.yml"), extra_vars=output_vars(tmp_path))
    assert rerun.rc == 0, rerun.output[-6000:]
    assert rerun.changed_tasks == []
    assert all(host["changed"] == 0 for host in rerun.recap.values()), rerun.recap
    counters = lab.counters()
    assert counters["writes"] == 0
    # The manifest is read once, by the plan: the report takes it from there, nothing having been written since.
    assert counters["by_route"]["GET /api/v1/ztp/manifests/{manifest_id}"] == 1, counters["by_route"]
    assert task_counts(rerun)[0] == task_counts(run)[0]

    # The inventory-plugin file of the example sees the same site now that its manifest exists,
    # and the site report (no write) agrees with the rollout's.
    lab.reset_counters()
    report_dir = tmp_path / "site_report"
    plugin_run = run_playbook(
        lab, "playbooks/site_report.yml", inventory=str(EXAMPLE / "floor_a.breakwater_ztp.yml"),
        extra_vars={"rollout_report_dir": str(report_dir)},
        env={"BREAKWATER_URL": lab.url, "BREAKWATER_API_TOKEN": lab.breakwater_token})
    assert plugin_run.rc == 0, plugin_run.output[-6000:]
    assert lab.counters()["writes"] == 0
    site_report = json.loads((report_dir / "rollout-report.json").read_text())
    assert site_report["counts"] == {"online": 7} and site_report["result"] == "success"
    assert all(d["in_play"] for d in site_report["devices"])
    # The models come only with a registration, so only the rollout that registered the serials knows them.
    assert {(d["hostname"], d["model_detected"], d["model_fits"]) for d in report["devices"]} == {
        (h, {"fortigate_60f": "FortiGate-60F", "cisco_ie3300": "IE-3300-8T2S-E", "fortinet_fap231f": "FortiAP-231F"}[t], True)
        for h, (_serial, t) in FLOOR_A.items()}
    # Where FortiZTP has each Fortinet unit comes from the rollout's plan too: a site report on its own reads
    # no FortiZTP.
    assert [d["hostname"] for d in report["devices"] if d.get("fortiztp_placement")] == [
        d["hostname"] for d in report["devices"] if d["device_type"].startswith("forti")]
    without_models = [dict((k, v) for k, v in d.items() if not k.startswith("model_") and k != "fortiztp_placement")
                      for d in report["devices"]]
    assert site_report["devices"] == without_models

    # unprovision returns the site's Fortinet devices to unprovisioned, in one bulk task.
    unprovision = run_playbook(lab, "playbooks/unprovision.yml", inventory=str(EXAMPLE / "hosts.yml"))
    assert unprovision.rc == 0, unprovision.output[-6000:]
    assert {r["provisionStatus"] for r in fortiztp_devices(lab, FORTINET).values()} == {"unprovisioned"}
    assert unprovision.changed_tasks == ["The site's Fortinet devices are unprovisioned"]


@pytest.mark.slow
def test_rollout_without_fortiztp_deploys_then_fails_and_reports_the_fortigate(lab, tmp_path):
    run = run_playbook(lab, ROLLOUT, inventory=str(EXAMPLE / "hosts.yml"),
                       extra_vars=dict(output_vars(tmp_path), rollout_fortiztp_enabled=False))
    assert run.rc != 0
    assert "[WARNING]: FortiZTP provisioning is turned off" in run.output  # an Ansible warning
    assert "fw-prod-01 (failed: ZTP_NOT_PROVISIONED)" in run.output

    # It did deploy: the switches and access points are online, the FortiGate failed.
    manifest = site_manifest(lab)
    assert manifest["status"] == "ready"  # back to ready after a failed deployment
    status = {d["hostname"]: (d["status"], d.get("status_reason")) for d in manifest["devices"]}
    assert status.pop("fw-prod-01") == ("failed", "ZTP_NOT_PROVISIONED")
    assert set(status.values()) == {("online", None)}
    # FortiZTP was left alone.
    assert {r["provisionStatus"] for r in fortiztp_devices(lab, FORTINET).values()} == {"unprovisioned"}

    report, html = read_report(tmp_path)
    assert report["result"] == "failed"
    assert report["fortiztp_enabled"] is False
    assert report["counts"] == {"online": 6, "failed": 1}
    failed = [d for d in report["devices"] if d["status"] != "online"]
    assert [(d["hostname"], d["serial_number"], d["status"], d["reason"]) for d in failed] == [
        ("fw-prod-01", "FGT60FTK20000001", "failed", "ZTP_NOT_PROVISIONED")]
    assert failed[0]["timings"]["settled"]
    assert "ZTP_NOT_PROVISIONED" in html and "FAILED" in html


def test_preflight_refuses_duplicate_and_missing_serials_without_writing(lab, tmp_path):
    def duplicate(groups):
        groups["floor_a_switches"]["hosts"]["sw-prod-03"]["serial_number"] = " fdo2401a001 "

    def missing(groups):
        del groups["floor_a_access_points"]["hosts"]["ap-prod-02"]["serial_number"]

    for name, edit, message in (
            ("duplicate", duplicate, "sw-prod-03: serial_number FDO2401A001 is also the serial of sw-prod-01"),
            ("missing", missing, "ap-prod-02: no serial_number")):
        lab.reset_counters()
        inventory = copy_example(tmp_path / name, edit)
        run = run_playbook(lab, ROLLOUT, inventory=str(inventory), extra_vars=output_vars(tmp_path / name))
        assert run.rc != 0, name
        assert message in run.output, run.output[-4000:]
        assert "Preflight: 1 inventory problem(s), nothing written" in run.output
        counters = lab.counters()
        assert counters["writes"] == 0, counters
        assert counters["total"] == 0, counters  # it stopped before even the read checks, report included
        # The report says so (every site of a run has one, for the run's index), from the inventory alone.
        report = json.loads((tmp_path / name / "reports" / "rollout-report.json").read_text())
        assert report["result"] == "failed" and message in report["error"], report


def test_register_serials_from_csv_and_build_configs(lab, tmp_path):
    """register_serials (a CSV, RMA swap) and build_configs on the lab's manifest_123, from localhost."""
    site = {"ztp_site_id": "site_456", "ztp_manifest_name": "Production Floor A"}
    csv = tmp_path / "scan.csv"
    csv.write_text("hostname,serial_number\nsw-prod-01, fdo2401a001 \n")
    run = run_playbook(lab, "playbooks/register_serials.yml",
                       extra_vars=dict(site, serials_csv=str(csv), serials_replace=True))
    assert run.rc == 0, run.output[-6000:]
    devices = {d["hostname"]: d for d in lab.bw("GET", "/manifests/manifest_123").json()["devices"]}
    assert devices["sw-prod-01"]["serial_number"] == "FDO2401A001"

    build = run_playbook(lab, "playbooks/build_configs.yml",
                         extra_vars=dict(site, configs_dest=str(tmp_path / "intended"), configs_poll_interval=1))
    assert build.rc == 0, build.output[-6000:]
    assert len(list((tmp_path / "intended").glob("*.cfg"))) == 7
    statuses = {d["status"] for d in lab.bw("GET", "/manifests/manifest_123").json()["devices"]}
    assert statuses == {"config_generated"}  # built, not deployed


@pytest.mark.slow
def test_rollout_runs_as_many_tasks_for_1000_devices_as_for_10(lab, tmp_path):
    counts = {}
    for size in (10, 1000):
        manifest_id = lab.synthetic(size)
        inventory = write_site_inventory(lab, manifest_id, tmp_path / str(size))
        run = run_playbook(lab, ROLLOUT, inventory=str(inventory), extra_vars=output_vars(tmp_path / str(size)))
        assert run.rc == 0, run.output[-6000:]
        report, _html = read_report(tmp_path / str(size))
        assert report["counts"] == {"online": size}
        counts[size] = task_counts(run)
    assert counts[10] == counts[1000], counts
    assert counts[10][0] <= 25, counts  # distinct tasks


def test_config_failure_stops_before_deploying_and_is_reported(lab, tmp_path):
    templates = {"cisco_ie3300": "template_switch_broken", "fortigate_60f": "template_firewall_dmz",
                 "fortinet_fap231f": "template_ap_basic"}
    run = run_playbook(lab, ROLLOUT, inventory=str(EXAMPLE / "hosts.yml"),
                       extra_vars=dict(output_vars(tmp_path), ztp_config_templates=templates))
    assert run.rc != 0
    manifest = site_manifest(lab)
    assert manifest["status"] == "ready"  # never deployed
    assert not [e for e in lab.bw("GET", "/events", params={"manifest_id": manifest["id"]}).json()["events"]
                if e["event_type"] == "deployment_started"]

    report, html = read_report(tmp_path)
    assert report["result"] == "failed"
    assert "sw-prod-01" in report["error"]
    assert report["counts"] == {"config_failed": 4, "config_generated": 3}
    for row in report["devices"]:
        if row["device_type"] == "cisco_ie3300":
            assert row["status"] == "config_failed"
            assert row["reason"].startswith("CONFIG_GENERATION_FAILED") and "radius_secret" in row["reason"], row
            assert row["timings"]["config_generated"]  # when it failed
    assert "radius_secret" in html
