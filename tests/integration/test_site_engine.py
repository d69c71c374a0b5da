"""The site engine (issue 10): check mode as a plan, refusals before any write, a private CA given
as role variables, progress lines, and roles that stay thin."""
from __future__ import annotations

import pytest

import json
import re
from pathlib import Path

from tests.helpers.ansible import REPO, run_playbook
from tests.helpers.tls_front import TlsFront
from tests.unit.helpers.server import self_signed_certificate

EXAMPLE = REPO / "examples" / "site_floor_a"
ROLLOUT = "playbooks/site_rollout.yml"
HOSTS = ["ap-prod-01", "ap-prod-02", "fw-prod-01", "sw-prod-01", "sw-prod-02", "sw-prod-03", "sw-prod-04"]


def output_vars(tmp_path: Path) -> dict:
    return {"ztp_output_dir": str(tmp_path)}


def site_manifests(lab, site_id="site_floor_a") -> list:
    return lab.bw("GET", "/manifests", params={"site_id": site_id}).json()["manifests"]


def test_check_mode_on_a_new_site_plans_every_device_and_writes_nothing(lab, tmp_path):
    lab.reset_counters()
    run = run_playbook(lab, ROLLOUT, inventory=str(EXAMPLE / "hosts.yml"), extra_vars=output_vars(tmp_path),
                       check=True, diff=True)
    assert run.rc == 0, run.output[-6000:]
    assert lab.counters()["writes"] == 0
    assert site_manifests(lab) == []

    report = json.loads((tmp_path / "reports" / "site_floor_a" / "rollout-report.json").read_text())
    assert report["result"] == "plan"
    assert sorted(d["hostname"] for d in report["devices"]) == HOSTS
    planned = {d["hostname"]: d["planned"] for d in report["devices"]}
    assert planned["fw-prod-01"] == ["register_serial", "generate_config", "provision_fortiztp", "deploy"]
    assert planned["sw-prod-01"] == ["register_serial", "generate_config", "deploy"]
    html = (tmp_path / "reports" / "site_floor_a" / "rollout-report.html").read_text()
    assert "PLAN" in html and "provision_fortiztp" in html
    # --diff shows the plan, one line per device.
    assert re.search(r"fw-prod-01\s+pending\s+register_serial, generate_config, provision_fortiztp, deploy", run.output)
    assert not (tmp_path / "configs").exists()


@pytest.mark.slow
def test_real_run_rolls_out_the_site_then_check_mode_plans_nothing(lab, tmp_path):
    """A real run brings every device online (progress lines, no retry lines); check mode on the
    rolled-out site then plans nothing and writes nothing. (What check mode plans on a new site is
    the test above.)"""
    real = run_playbook(lab, ROLLOUT, inventory=str(EXAMPLE / "hosts.yml"), extra_vars=output_vars(tmp_path))
    assert real.rc == 0, real.output[-6000:]
    # Progress: one line per poll with counts, never Ansible's retry lines.
    assert "deployment: online 7/7" in real.output
    assert re.search(r"configs: generated 7/7", real.output)
    assert "FAILED - RETRYING" not in real.output

    lab.reset_counters()
    again = run_playbook(lab, ROLLOUT, inventory=str(EXAMPLE / "hosts.yml"), extra_vars=output_vars(tmp_path),
                         check=True, diff=True)
    assert again.rc == 0, again.output[-6000:]
    assert lab.counters()["writes"] == 0
    assert all(host["changed"] == 0 for host in again.recap.values()), again.recap
    report = json.loads((tmp_path / "reports" / "site_floor_a" / "rollout-report.json").read_text())
    assert report["result"] == "plan"
    assert {d["status"] for d in report["devices"]} == {"online"}
    assert all(d["planned"] == [] for d in report["devices"])


def test_an_ambiguous_manifest_name_is_refused_before_any_write(lab, tmp_path):
    body = {"site_id": "site_floor_a", "name": "Production Floor A", "topology_source": "helm_topology_789"}
    ids = [lab.bw("POST", "/manifests", json=body).json()["id"] for attempt in range(2)]
    lab.reset_counters()
    run = run_playbook(lab, ROLLOUT, inventory=str(EXAMPLE / "hosts.yml"), extra_vars=output_vars(tmp_path))
    assert run.rc != 0
    assert "ztp_manifest_name" in run.output and "Production Floor A" in run.output
    assert all(manifest_id in run.output for manifest_id in ids), run.output[-3000:]
    assert "Traceback" not in run.output
    assert lab.counters()["writes"] == 0


@pytest.mark.slow
def test_rollout_through_https_with_a_private_ca_given_as_role_variables(lab, tmp_path):
    cert, key = self_signed_certificate(str(tmp_path))
    with TlsFront(lab.url, cert, key) as front:
        tls = {
            "breakwater_url": front.url, "breakwater_ca_path": cert, "breakwater_timeout": 20,
            "fortiztp_base_url": front.url + "/public/api/v2", "fortiztp_auth_url": front.url + "/api/v1",
            "fortiztp_ca_path": cert, "fortiztp_retries": 2,
        }
        run = run_playbook(lab, ROLLOUT, inventory=str(EXAMPLE / "hosts.yml"),
                           extra_vars=dict(output_vars(tmp_path), **tls))
        assert run.rc == 0, run.output[-6000:]
        assert front.connections > 0
        report = json.loads((tmp_path / "reports" / "site_floor_a" / "rollout-report.json").read_text())
        assert report["counts"] == {"online": 7}

        # Without the CA the certificate is refused (validate_certs is on by default), before any write.
        lab.reset_counters()
        refused = run_playbook(lab, ROLLOUT, inventory=str(EXAMPLE / "hosts.yml"),
                               extra_vars=dict(output_vars(tmp_path / "no-ca"), breakwater_url=front.url))
        assert refused.rc != 0
        assert re.search(r"certificate|CERTIFICATE|SSL", refused.output), refused.output[-3000:]
        assert lab.counters()["writes"] == 0


def test_roles_are_thin_and_credentials_are_given_once():
    for path in sorted((REPO / "roles").glob("*/tasks/*.yml")):
        text = path.read_text()
        assert "{%" not in text, "%s computes in Jinja" % path
        assert "module_defaults" not in text, "%s sets module_defaults" % path
    for path in sorted((REPO / "playbooks").glob("*.yml")):
        assert path.read_text().count("module_defaults") <= 1, path


@pytest.mark.slow
def test_an_outage_stops_the_rollout_before_any_write_unless_told_otherwise(lab, tmp_path):
    lab.settings(service_status="Major outage")
    lab.reset_counters()
    run = run_playbook(lab, ROLLOUT, inventory=str(EXAMPLE / "hosts.yml"), extra_vars=output_vars(tmp_path))
    assert run.rc != 0
    assert "FortiZTP reports serviceStatus 'Major outage'" in run.output, run.output[-3000:]
    assert "rollout_require_healthy" in run.output
    assert lab.counters()["writes"] == 0
    assert site_manifests(lab) == []

    lab.settings(service_status="Operational", breakwater_system_status="outage")
    lab.reset_counters()
    run = run_playbook(lab, ROLLOUT, inventory=str(EXAMPLE / "hosts.yml"), extra_vars=output_vars(tmp_path))
    assert run.rc != 0 and "Breakwater ZTP reports system_status 'outage'" in run.output, run.output[-3000:]
    assert lab.counters()["writes"] == 0

    # A degraded service only warns; rollout_require_healthy=false skips the check.
    lab.settings(service_status="Degraded performance", breakwater_system_status="outage")
    run = run_playbook(lab, ROLLOUT, inventory=str(EXAMPLE / "hosts.yml"),
                       extra_vars=dict(output_vars(tmp_path), rollout_require_healthy=False))
    assert run.rc == 0, run.output[-3000:]
    assert {d["status"] for d in site_manifests(lab)} == {"deployed"}


BAD_ROLLOUT_INPUT = [
    ({"breakwater_url": "ftp://bw.example.com"}, "breakwater_url", "ftp://bw.example.com"),
    ({"breakwater_timeout": -1}, "breakwater_timeout", "-1"),
    ({"breakwater_ca_path": "/nonexistent/ca.pem"}, "breakwater_ca_path", "/nonexistent/ca.pem"),
    ({"fortiztp_retries": "often"}, "fortiztp_retries", "often"),
    ({"rollout_wait_timeout": "soon"}, "rollout_wait_timeout", "soon"),
    ({"rollout_poll_interval": 0}, "rollout_poll_interval", "0"),
    ({"configs_download_workers": 0}, "configs_download_workers: 0 must be at least 1", None),
    ({"rollout_max_failures": -1}, "rollout_max_failures: -1 must be at least 0", None),
    ({"rollout_waves": ["floor_a_switches"]}, "rollout_waves: fw-prod-01, ap-prod-01, ap-prod-02 in no wave", None),
    # Caught when the sites are found, before the role's argument validation.
    ({"ztp_config_templates": "template_switch_basic"}, "ztp_config_templates: 'template_switch_basic' is not a "
     "dictionary", None),
    ({"ztp_config_templates": {"cisco_ie3300": "template_nope"}}, "ztp_config_templates.cisco_ie3300",
     "template_nope"),
    ({"ztp_site_id": ""}, "ztp_site_id", None),
]


@pytest.mark.slow
def test_bad_rollout_input_names_the_variable_and_writes_nothing(lab, tmp_path):
    for variables, name, value in BAD_ROLLOUT_INPUT:
        lab.reset_counters()
        run = run_playbook(lab, ROLLOUT, inventory=str(EXAMPLE / "hosts.yml"),
                           extra_vars=dict(output_vars(tmp_path), **variables))
        assert run.rc != 0, variables
        assert name in run.output and (value is None or value in run.output), (variables, run.output[-2000:])
        assert "Traceback" not in run.output and "MODULE FAILURE" not in run.output, variables
        assert lab.counters()["writes"] == 0, variables


@pytest.mark.slow
def test_a_new_pre_run_script_is_created_with_its_content_and_set_on_the_target(lab, tmp_path):
    script = {"ztp_fortiztp_script": "floor-a-prerun", "ztp_fortiztp_script_content": "config system global\nend\n"}
    run = run_playbook(lab, ROLLOUT, inventory=str(EXAMPLE / "hosts.yml"), extra_vars=dict(output_vars(tmp_path), **script))
    assert run.rc == 0, run.output[-6000:]
    scripts = {s["name"]: s for s in lab.fz("GET", "/setting/scripts").json()["data"]}
    assert "floor-a-prerun" in scripts
    content = lab.fz("GET", "/setting/scripts/%s/content" % scripts["floor-a-prerun"]["oid"]).text
    assert "config system global" in content
    targets = lab.fz("GET", "/setting/fortimanagers").json()["data"]
    assert [t.get("scriptOid") for t in targets if "FMG-VM0000000001" in str(t.get("sn"))] == [
        scripts["floor-a-prerun"]["oid"]]
    lab.reset_counters()
    rerun = run_playbook(lab, ROLLOUT, inventory=str(EXAMPLE / "hosts.yml"), extra_vars=dict(output_vars(tmp_path), **script))
    assert rerun.rc == 0 and rerun.changed_tasks == [], rerun.output[-4000:]
    assert lab.counters()["writes"] == 0


def test_a_report_folder_that_cannot_be_written_names_the_variable(lab, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    lab.reset_counters()
    run = run_playbook(lab, ROLLOUT, inventory=str(EXAMPLE / "hosts.yml"),
                       extra_vars=dict(output_vars(tmp_path), rollout_report_dir=str(blocker / "reports")))
    assert run.rc != 0
    assert "rollout_report_dir" in run.output and str(blocker) in run.output, run.output[-3000:]
    assert "Traceback" not in run.output
    assert lab.counters()["writes"] == 0  # the plan, written first, could not be saved: nothing started
