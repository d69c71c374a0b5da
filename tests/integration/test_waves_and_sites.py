"""Waves and many sites in one run (issue 11, second part), against the lab: the order of the
waves in the lab's events, a failed wave stopping the next, one wave per job, and two sites
rolled out in parallel with a report each and an index; check mode plans what the run then does."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from tests.helpers.ansible import REPO, run_playbook

TWO_SITES = REPO / "examples" / "two_sites"
ROLLOUT = "playbooks/site_rollout.yml"
FIREWALLS, SWITCHES, ACCESS_POINTS = ["fw-prod-01"], ["sw-prod-01", "sw-prod-02", "sw-prod-03", "sw-prod-04"], \
    ["ap-prod-01", "ap-prod-02"]
FLOOR_B = ["fw-prodb-01", "sw-prodb-01", "sw-prodb-02"]


def inventory(tmp_path: Path, floor_a=None, floor_b=None, only=None) -> str:
    """The two-sites example, copied, with changes to each site's group_vars; ``only`` keeps one site."""
    site = tmp_path / "inventory"
    (site / "group_vars").mkdir(parents=True, exist_ok=True)
    hosts = yaml.safe_load((TWO_SITES / "hosts.yml").read_text())
    if only:
        hosts["all"]["children"] = {only: hosts["all"]["children"][only]}
    (site / "hosts.yml").write_text(yaml.safe_dump(hosts))
    for name, changes in (("floor_a", floor_a), ("floor_b", floor_b), ("all", None)):
        variables = yaml.safe_load((TWO_SITES / "group_vars" / ("%s.yml" % name)).read_text())
        variables.update(changes or {})
        (site / "group_vars" / ("%s.yml" % name)).write_text(yaml.safe_dump(variables))
    return str(site / "hosts.yml")


def rollout(lab, tmp_path, hosts, check=False, **extra):
    return run_playbook(lab, ROLLOUT, inventory=hosts, check=check, diff=check,
                        extra_vars=dict({"ztp_output_dir": str(tmp_path / "out")}, **extra))


def report(tmp_path, site="site_floor_a") -> dict:
    return json.loads((tmp_path / "out" / "reports" / site / "rollout-report.json").read_text())


def manifest(lab, site_id="site_floor_a") -> dict:
    [summary] = lab.bw("GET", "/manifests", params={"site_id": site_id}).json()["manifests"]
    return lab.bw("GET", "/manifests/%s" % summary["id"]).json()


def deployments(lab, site) -> list:
    """The hostnames of each deployment of the manifest, in order (deployment_started events)."""
    by_id = {d["id"]: d["hostname"] for d in site["devices"]}
    answer = lab.bw("GET", "/events", params={"manifest_id": site["id"]}).json()["events"]
    return [sorted(by_id[i] for i in e["details"]["devices"]) for e in answer if e["event_type"] == "deployment_started"]


@pytest.mark.slow
def test_three_waves_deploy_in_order_and_check_mode_plans_them(lab, tmp_path):
    hosts = inventory(tmp_path, only="floor_a")
    lab.reset_counters()
    plan = rollout(lab, tmp_path, hosts, check=True)
    assert plan.rc == 0, plan.output[-6000:]
    assert lab.counters()["writes"] == 0
    planned = report(tmp_path)
    assert planned["result"] == "plan"
    assert [(w["number"], w["devices"]) for w in planned["waves"]] == [(1, 1), (2, 4), (3, 2)]
    assert {d["hostname"]: d["wave"] for d in planned["devices"]}["ap-prod-01"] == 3
    assert " Wave 2 of 3 (floor_a_switches):" in plan.output
    actions = {d["hostname"]: d["planned"] for d in planned["devices"]}

    run = rollout(lab, tmp_path, hosts, rollout_wave_pause=1)
    assert run.rc == 0, run.output[-6000:]
    assert "wave 1 of 3: done; wave 2 starts in 1 s (rollout_wave_pause)" in run.output
    site = manifest(lab)
    assert site["status"] == "deployed" and {d["status"] for d in site["devices"]} == {"online"}
    assert deployments(lab, site) == [FIREWALLS, SWITCHES, sorted(ACCESS_POINTS)]
    # The plan named what the run then did: every device planned to be deployed was, in its wave.
    assert sorted(h for h, a in actions.items() if "deploy" in a) == sorted(FIREWALLS + SWITCHES + ACCESS_POINTS)
    assert "wave 2 of 3: deployment: online 4/4" in run.output
    done = report(tmp_path)
    assert done["result"] == "success" and [w["result"] for w in done["waves"]] == ["online"] * 3

    lab.reset_counters()
    rerun = rollout(lab, tmp_path, hosts)
    assert rerun.rc == 0 and rerun.changed_tasks == [], rerun.output[-4000:]
    assert lab.counters()["writes"] == 0


@pytest.mark.slow
def test_a_wave_whose_template_fails_stops_the_next_waves(lab, tmp_path):
    broken = {"ztp_config_templates": {"cisco_ie3300": "template_switch_broken", "fortigate_60f": "template_firewall_dmz",
                                       "fortinet_fap231f": "template_ap_basic"}}
    hosts = inventory(tmp_path, floor_a=broken, only="floor_a")
    run = rollout(lab, tmp_path, hosts)
    assert run.rc != 0
    site = manifest(lab)
    status = {d["hostname"]: d["status"] for d in site["devices"]}
    assert status["fw-prod-01"] == "online"
    assert {status[h] for h in SWITCHES} == {"config_failed"}
    # Wave 3 never started: its devices were never deploying (no event), and have no config.
    assert deployments(lab, site) == [FIREWALLS]
    assert {status[h] for h in ACCESS_POINTS} == {"serial_registered"}
    failed = report(tmp_path)
    assert failed["result"] == "failed"
    assert "wave 2 of 3: 4 config(s) failed" in failed["error"] and "wave 3 not started" in failed["error"]
    assert [w["result"] for w in failed["waves"]] == ["online", "failed", "not started"]
    assert "wave 2 of 3: 4 config(s) failed" in run.output


@pytest.mark.slow
def test_failures_within_rollout_max_failures_let_the_next_waves_go_on(lab, tmp_path):
    broken = {"ztp_config_templates": {"cisco_ie3300": "template_switch_broken", "fortigate_60f": "template_firewall_dmz",
                                       "fortinet_fap231f": "template_ap_basic"}, "rollout_max_failures": 4}
    run = rollout(lab, tmp_path, inventory(tmp_path, floor_a=broken, only="floor_a"))
    assert run.rc != 0  # not every device is online
    assert "wave 2 of 3: 4 config(s) failed" in run.output and "within rollout_max_failures 4" in run.output
    site = manifest(lab)
    assert deployments(lab, site) == [FIREWALLS, sorted(ACCESS_POINTS)]
    assert [w["result"] for w in report(tmp_path)["waves"]] == ["online", "failed", "online"]


@pytest.mark.slow
def test_one_wave_per_run_as_an_approval_workflow_would(lab, tmp_path):
    hosts = inventory(tmp_path, only="floor_a")
    first = rollout(lab, tmp_path, hosts, rollout_wave=1)
    assert first.rc == 0, first.output[-6000:]
    site = manifest(lab)
    status = {d["hostname"]: d["status"] for d in site["devices"]}
    assert status["fw-prod-01"] == "online"
    # The whole site's serials are registered; the other waves wait for their job.
    assert {status[h] for h in SWITCHES + ACCESS_POINTS} == {"serial_registered"}
    assert deployments(lab, site) == [FIREWALLS]

    lab.reset_counters()
    plan = rollout(lab, tmp_path, hosts, check=True, rollout_wave=2)
    assert plan.rc == 0, plan.output[-6000:]
    assert lab.counters()["writes"] == 0
    planned = {d["hostname"]: d["planned"] for d in report(tmp_path)["devices"]}
    assert planned["sw-prod-01"] == ["generate_config", "deploy"] and planned["ap-prod-01"] == []
    assert planned["fw-prod-01"] == []

    second = rollout(lab, tmp_path, hosts, rollout_wave=2)
    assert second.rc == 0, second.output[-6000:]
    assert deployments(lab, manifest(lab)) == [FIREWALLS, SWITCHES]

    refused = rollout(lab, tmp_path, hosts, rollout_wave=4)
    assert refused.rc != 0 and "rollout_wave: 4: the site has 3 wave(s)" in refused.output


@pytest.mark.slow
def test_two_sites_in_one_run_with_a_report_each_and_an_index(lab, tmp_path):
    hosts = inventory(tmp_path)
    lab.reset_counters()
    plan = rollout(lab, tmp_path, hosts, check=True)
    assert plan.rc == 0, plan.output[-6000:]
    assert lab.counters()["writes"] == 0
    assert report(tmp_path, "site_floor_b")["result"] == "plan"

    run = rollout(lab, tmp_path, hosts)
    assert run.rc == 0, run.output[-6000:]
    for site_id, devices in (("site_floor_a", 7), ("site_floor_b", 3)):
        site = manifest(lab, site_id)
        assert site["status"] == "deployed" and len(site["devices"]) == devices
        assert report(tmp_path, site_id)["result"] == "success"
    # In parallel: Floor B's deployment started before Floor A (three waves) had ended its last one.
    stamps = {}
    for site_id in ("site_floor_a", "site_floor_b"):
        answer = lab.bw("GET", "/events", params={"manifest_id": manifest(lab, site_id)["id"]}).json()["events"]
        stamps[site_id] = [e["timestamp"] for e in answer if e["event_type"] in ("deployment_started", "device_online")]
    assert min(stamps["site_floor_b"]) < max(stamps["site_floor_a"])
    index = json.loads((tmp_path / "out" / "reports" / "index.json").read_text())
    assert index["result"] == "success"
    assert {name: s["result"] for name, s in index["sites"].items()} == {"site_floor_a": "success",
                                                                         "site_floor_b": "success"}
    page = (tmp_path / "out" / "reports" / "index.html").read_text()
    assert 'href="site_floor_b/rollout-report.html"' in page
    # The job's artifacts: one entry per site (AWX merges them).
    task = "Roll out the site and write its report"
    stats = [r["result"]["ansible_stats"] for r in run.results(task)]
    published = sorted(name for s in stats for name in s["data"]["breakwater_ztp_sites"])
    assert published == ["site_floor_a", "site_floor_b"]
    assert all(s["aggregate"] for s in stats)


@pytest.mark.slow
def test_a_broken_site_does_not_stop_the_other(lab, tmp_path):
    # Floor B names a template that does not exist: its preflight fails, Floor A is rolled out anyway.
    hosts = inventory(tmp_path, floor_b={"ztp_config_templates": {"cisco_ie3300": "template_missing"}})
    run = rollout(lab, tmp_path, hosts)
    assert run.rc != 0
    assert "ztp_config_templates.cisco_ie3300: template template_missing does not exist" in run.output
    assert manifest(lab)["status"] == "deployed"
    assert lab.bw("GET", "/manifests", params={"site_id": "site_floor_b"}).json()["manifests"] == []
    index = json.loads((tmp_path / "out" / "reports" / "index.json").read_text())
    assert index["result"] == "failed"
    assert {name: s["result"] for name, s in index["sites"].items()} == {"site_floor_a": "success",
                                                                         "site_floor_b": "failed"}
    assert "template_missing" in index["sites"]["site_floor_b"]["error"]


def test_a_limit_to_some_devices_is_refused_and_a_limit_to_a_site_rolls_out_that_site(lab, tmp_path):
    hosts = inventory(tmp_path)
    refused = run_playbook(lab, ROLLOUT, inventory=hosts, args=["--limit", "sw-prod-01"],
                           extra_vars={"ztp_output_dir": str(tmp_path / "out")})
    assert refused.rc != 0
    assert "--limit sw-prod-01 leaves out the host that rolls out site_floor_a" in refused.output
    assert "-e rollout_hosts=sw-prod-01" in refused.output

    lab.reset_counters()
    floor_b = run_playbook(lab, ROLLOUT, inventory=hosts, args=["--limit", "floor_b"], check=True,
                           extra_vars={"ztp_output_dir": str(tmp_path / "out")})
    assert floor_b.rc == 0, floor_b.output[-4000:]
    assert lab.counters()["writes"] == 0
    assert report(tmp_path, "site_floor_b")["result"] == "plan"
    assert not (tmp_path / "out" / "reports" / "site_floor_a").exists()

    # --limit all (what ansible-rulebook's run_playbook passes for a rulebook over all hosts) keeps every site.
    every = run_playbook(lab, ROLLOUT, inventory=hosts, args=["--limit", "all"], check=True,
                         extra_vars={"ztp_output_dir": str(tmp_path / "all" / "out")})
    assert every.rc == 0, every.output[-4000:]
    assert report(tmp_path / "all", "site_floor_a")["result"] == "plan"


SITE_HOSTS = REPO / "examples" / "site_hosts"


@pytest.mark.slow
def test_site_hosts_roll_out_each_site_whole_with_waves_over_the_devices_groups(lab, tmp_path):
    """examples/site_hosts: one host per site, its devices in ztp_devices; floor A's waves match the
    devices' own groups and all (the rest)."""
    hosts = str(SITE_HOSTS / "hosts.yml")
    run = rollout(lab, tmp_path, hosts)
    assert run.rc == 0, run.output[-6000:]
    for site_id, devices in (("site_floor_a", 7), ("site_floor_b", 3)):
        site = manifest(lab, site_id)
        assert site["status"] == "deployed" and {d["status"] for d in site["devices"]} == {"online"}
        assert len(site["devices"]) == devices
        assert report(tmp_path, site_id)["result"] == "success"
    assert deployments(lab, manifest(lab)) == [FIREWALLS, SWITCHES, sorted(ACCESS_POINTS)]
    assert [w["result"] for w in report(tmp_path)["waves"]] == ["online"] * 3
    index = json.loads((tmp_path / "out" / "reports" / "index.json").read_text())
    assert sorted(index["sites"]) == ["site_floor_a", "site_floor_b"]

    lab.reset_counters()
    rerun = rollout(lab, tmp_path, hosts)
    assert rerun.rc == 0 and rerun.changed_tasks == [], rerun.output[-4000:]
    assert lab.counters()["writes"] == 0

    # The same sites as site hosts of the devices inventory plugin (host_per: site), now that they exist.
    synced = tmp_path / "synced"
    shutil.copytree(SITE_HOSTS / "group_vars", synced / "group_vars")
    (synced / "sites.breakwater_ztp.yml").write_text("plugin: breakwater.ztp.devices\nhost_per: site\nmanifests: [%s]\n" % (
        ", ".join(manifest(lab, site_id)["id"] for site_id in ("site_floor_a", "site_floor_b"))))
    lab.reset_counters()
    plugin_run = run_playbook(lab, ROLLOUT, inventory=str(synced / "sites.breakwater_ztp.yml"),
                              extra_vars={"ztp_output_dir": str(tmp_path / "out")},
                              env={"BREAKWATER_URL": lab.url, "BREAKWATER_API_TOKEN": lab.breakwater_token,
                                   "ANSIBLE_INVENTORY_ENABLED": "breakwater.ztp.devices"})
    assert plugin_run.rc == 0 and plugin_run.changed_tasks == [], plugin_run.output[-4000:]
    assert sorted(r["host"] for r in plugin_run.results("Roll out the site and write its report")) \
        == ["site_floor_a", "site_floor_b"]
    assert lab.counters()["writes"] == 0 and report(tmp_path, "site_floor_b")["result"] == "success"


def test_bad_site_hosts_are_refused_before_any_call_every_entry_located(lab, tmp_path):
    site = tmp_path / "inventory"
    shutil.copytree(SITE_HOSTS, site)
    hosts = yaml.safe_load((site / "hosts.yml").read_text())
    stores = hosts["all"]["children"]["sites"]["hosts"]
    stores["site_floor_b"]["ztp_devices"][2]["serial_number"] = "FDO2401B001"
    stores["site_floor_b"]["ztp_devices"][1]["device_type"] = ""
    # Floor A given twice: by its site host and by a device host.
    hosts["all"]["children"]["stray"] = {"hosts": {"sw-prod-09": {
        "serial_number": "FDO2401A009", "device_type": "cisco_ie3300", "ztp_site_id": "site_floor_a",
        "ztp_manifest_name": "Production Floor A"}}}
    (site / "hosts.yml").write_text(yaml.safe_dump(hosts))
    lab.reset_counters()
    run = rollout(lab, tmp_path, str(site / "hosts.yml"))
    assert run.rc != 0
    assert "site_floor_b: ztp_devices[1].device_type: '' is not a device type" in run.output
    assert "site_floor_b: ztp_devices[2].serial_number: FDO2401B001 is also the serial_number of ztp_devices[1]" \
        in run.output
    assert "site_floor_a: site site_floor_a, manifest Production Floor A: given by this site host (ztp_devices) and " \
        "by device host(s) sw-prod-09" in run.output
    assert lab.counters()["total"] == 0


@pytest.mark.slow
def test_a_run_holding_part_of_a_site_is_partial_and_rollout_require_whole_site_refuses_it(lab, tmp_path):
    hosts = inventory(tmp_path)
    part = {"rollout_hosts": "fw-prodb-01,sw-prodb-01"}
    run = rollout(lab, tmp_path, hosts, **part)
    assert run.rc == 0, run.output[-6000:]
    partial = report(tmp_path, "site_floor_b")
    assert partial["result"] == "partial" and partial["not_in_run"] == ["sw-prodb-02"]
    assert {d["hostname"]: d["status"] for d in partial["devices"]} == {
        "fw-prodb-01": "online", "sw-prodb-01": "online", "sw-prodb-02": "pending"}
    assert "manifest Production Floor B: 1 device(s) not in this run's inventory: sw-prodb-02" in run.output
    page = (tmp_path / "out" / "reports" / "site_floor_b" / "rollout-report.html").read_text()
    assert "PARTIAL" in page and "Not in this run (1):" in page
    task = "Roll out the site and write its report"
    published = run.result(task)
    assert published["ansible_stats"]["data"]["breakwater_ztp_rollout"]["result"] == "partial"
    assert published["ansible_stats"]["data"]["breakwater_ztp_rollout"]["not_in_run"] == ["sw-prodb-02"]
    assert published["summary"].startswith("Rollout of Production Floor B: partial; ") and \
        published["summary"].endswith("Not in this run: manifest Production Floor B: 1 device(s) not in this run's "
                                      "inventory: sw-prodb-02.")
    index = json.loads((tmp_path / "out" / "reports" / "index.json").read_text())
    assert index["result"] == "partial" and index["sites"]["site_floor_b"]["not_in_run"] == ["sw-prodb-02"]

    # The plan names them too (check mode), and rollout_require_whole_site refuses the run before any write.
    lab.reset_counters()
    refused = rollout(lab, tmp_path, hosts, rollout_require_whole_site=True, **part)
    assert refused.rc != 0
    assert "rollout_require_whole_site: manifest Production Floor B: 1 device(s) not in this run's inventory: " \
        "sw-prodb-02" in refused.output
    assert lab.counters()["writes"] == 0
    assert manifest(lab, "site_floor_b")["devices"][2]["status"] == "pending"

    # A site whose manifest does not exist yet: its devices are known once the run has created it; the run
    # then stops before any serial, config or deployment.
    lab.reset_counters()
    new = rollout(lab, tmp_path, hosts, rollout_require_whole_site=True, rollout_hosts="floor_a:!ap-prod-02")
    assert new.rc != 0
    assert "1 device(s) not in this run's inventory: ap-prod-02" in new.output
    assert "the manifest was created now" in new.output
    assert {d["status"] for d in manifest(lab)["devices"]} == {"pending"} and manifest(lab)["status"] == "ready"
    routes = lab.counters()["by_route"]
    assert routes.get("POST /api/v1/ztp/manifests") == 1, routes
    assert [r for r in routes if r.startswith(("POST", "PUT")) and ("serial" in r or "config" in r or "deploy" in r)] \
        == [], routes


def test_the_sites_are_found_from_the_device_hosts_variables_templated_as_ansible_templates_them(tmp_path):
    """site_inventory reads each device host's site variables without templating plain values; a value that is
    a template is still templated with that host's own variables (no call: no lab)."""
    (tmp_path / "hosts.yml").write_text(yaml.safe_dump({"all": {
        "vars": {"ztp_site_id": "site_t", "ztp_manifest_name": "{{ 'Floor' ~ ' T' }}"},
        "hosts": {"sw-t1": {"bay": "01", "serial_number": "FDO24{{ bay }}T001", "device_type": "cisco_ie3300"},
                  "sw-t2": {"serial_number": "FDO2402T002", "device_type": "{{ 'cisco_' ~ 'ie3300' }}"}}}}))
    (tmp_path / "find.yml").write_text(yaml.safe_dump([{
        "name": "Find the sites", "hosts": "all", "gather_facts": False, "tasks": [{
            "name": "The sites among the hosts", "breakwater.ztp.site_inventory": None,
            "run_once": True, "delegate_to": "localhost"}]}]))
    found = run_playbook(None, tmp_path / "find.yml", inventory=str(tmp_path / "hosts.yml"))
    assert found.rc == 0, found.output[-3000:]
    [site] = found.result("The sites among the hosts")["sites"]
    assert (site["name"], site["manifest"], site["device_count"]) == ("site_t", "Floor T", 2)
    assert json.loads(site["devices"]) == [["sw-t1", "FDO2401T001", "cisco_ie3300"],
                                           ["sw-t2", "FDO2402T002", "cisco_ie3300"]]
