"""The step playbooks (register_serials, build_configs, unprovision) run the plan's preflight (issue 18):
health, inventory, templates, manifest and FortiZTP are checked and their problems stop the step
before any write, as breakwater.ztp.site_rollout does."""
from __future__ import annotations

from pathlib import Path

from tests.helpers.ansible import REPO, run_playbook

EXAMPLE = REPO / "examples" / "site_floor_a"
SITE = {"ztp_site_id": "site_456", "ztp_manifest_name": "Production Floor A"}


def scan(tmp_path: Path) -> Path:
    csv = tmp_path / "scan.csv"
    csv.write_text("hostname,serial_number\nsw-prod-01,FDO2401A001\n")
    return csv


def test_an_outage_stops_every_step_playbook_before_any_write(lab, tmp_path):
    lab.settings(breakwater_system_status="outage")
    lab.reset_counters()
    runs = {
        "register_serials": run_playbook(lab, "playbooks/register_serials.yml",
                                         extra_vars=dict(SITE, serials_csv=str(scan(tmp_path)))),
        "build_configs": run_playbook(lab, "playbooks/build_configs.yml",
                                      extra_vars=dict(SITE, configs_dest=str(tmp_path / "intended"))),
    }
    for name, run in runs.items():
        assert run.rc != 0, name
        assert "Preflight: 1 problem(s), nothing written: rollout_require_healthy: Breakwater ZTP reports " \
            "system_status 'outage'" in run.output, (name, run.output[-3000:])
    assert lab.counters()["writes"] == 0, lab.counters()["by_route"]
    assert not (tmp_path / "intended").exists()
    # rollout_require_healthy: false lets a step run in an outage, as it lets the rollout.
    build = run_playbook(lab, "playbooks/build_configs.yml", extra_vars=dict(
        SITE, configs_dest=str(tmp_path / "intended"), configs_poll_interval=1, rollout_require_healthy=False))
    assert build.rc == 0, build.output[-3000:]
    assert len(list((tmp_path / "intended").glob("*.cfg"))) == 7


def test_build_configs_stops_on_a_missing_template_before_any_write(lab, tmp_path):
    lab.reset_counters()
    run = run_playbook(lab, "playbooks/build_configs.yml", extra_vars=dict(
        SITE, configs_dest=str(tmp_path / "intended"), ztp_config_templates={"cisco_ie3300": "template_nope"}))
    assert run.rc != 0
    assert "ztp_config_templates.cisco_ie3300: template template_nope does not exist" in run.output, run.output[-3000:]
    assert lab.counters()["writes"] == 0, lab.counters()["by_route"]


def test_unprovision_checks_fortiztp_knows_the_units_but_needs_no_fortimanager_target(lab, tmp_path):
    inventory = tmp_path / "hosts.yml"
    text = (EXAMPLE / "hosts.yml").read_text().replace("FGT60FTK20000001", "FGT60FTK29999999")
    inventory.write_text(text)
    lab.reset_counters()
    unknown = run_playbook(lab, "playbooks/unprovision.yml", inventory=str(inventory), extra_vars=SITE)
    assert unknown.rc != 0
    assert "FortiZTP: does not know FGT60FTK29999999" in unknown.output, unknown.output[-3000:]
    assert lab.counters()["writes"] == 0
    # No FortiManager target given: unprovisioning needs none.
    lab.fz("PUT", "/devices", json=[{"deviceSN": "FP231FTF20000001", "deviceType": "FortiAP",
                                     "provisionStatus": "provisioned", "provisionTarget": "FortiManager",
                                     "fortiManagerOid": 1}]).raise_for_status()
    done = run_playbook(lab, "playbooks/unprovision.yml", inventory=str(EXAMPLE / "hosts.yml"),
                        extra_vars=dict(SITE, ztp_fortimanager_sn="", ztp_fortimanager_ip=""))
    assert done.rc == 0, done.output[-3000:]
    record = lab.fz("GET", "/devices", params={"deviceSN": "FP231FTF20000001"}).json()["data"][0]
    assert record["provisionStatus"] == "unprovisioned"
