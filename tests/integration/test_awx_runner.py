"""A site rollout run the way AWX runs a job: ansible-runner on a private data dir.

The layout is AWX's: project/ (a checkout of examples/awx_project), inventory/hosts (an
executable script printing the inventory as JSON), env/extravars (the survey answers),
env/envvars (the credentials, injected as extensions/awx/credential_types define them, empty
inputs rendered as empty strings as AWX does) and requirements_collections/ (where AWX
installs collections/requirements.yml). The checks: the rollout succeeds, no secret leaks
into stdout, job events or artifacts (only into the env file ansible-runner writes itself),
and the set_stats artifact carries the results.
"""
from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

from jinja2.sandbox import SandboxedEnvironment
import pytest
import yaml

from tests.helpers.ansible import REPO

pytest.importorskip("ansible_runner")

PROJECT = REPO / "examples" / "awx_project"
SITE = REPO / "examples" / "site_floor_a"
SITE_HOSTS = REPO / "examples" / "site_hosts"
CREDENTIAL_TYPES = REPO / "extensions" / "awx" / "credential_types"
SITE_ID = "site_floor_a"
IDENT = "job_1"


def inject(credential_type: str, inputs: dict) -> dict:
    """The environment AWX injects for a credential: each env injector rendered with the inputs."""
    definition = yaml.safe_load((CREDENTIAL_TYPES / credential_type).read_text())
    sandbox = SandboxedEnvironment()
    return {name: sandbox.from_string(template).render(**inputs)
            for name, template in definition["injectors"]["env"].items()}


def write_inventory(private: Path, source: Path = SITE / "hosts.yml") -> dict:
    """inventory/hosts as AWX writes it: a script that prints the synced inventory (hosts,
    groups and their vars), here an example's with its group_vars, plus the inventory
    variables an admin sets (every task runs on the controller). Returns the inventory."""
    exported = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "ansible-inventory"), "-i", str(source),
         "--list", "--export"], capture_output=True, text=True, check=True, stdin=subprocess.DEVNULL,
        env=dict(os.environ, ANSIBLE_NOCOLOR="1"))
    inventory = json.loads(exported.stdout)
    inventory.setdefault("all", {}).setdefault("vars", {}).update({
        "ansible_connection": "local",
        "ansible_python_interpreter": sys.executable,
    })
    script = private / "inventory" / "hosts"
    script.parent.mkdir()
    script.write_text("#!%s\nimport json, sys\nprint(json.dumps(%r if '--list' in sys.argv else {}))\n"
                      % (sys.executable, inventory))
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return inventory


def private_data_dir(lab, tmp_path: Path, source: Path = SITE / "hosts.yml", survey=None) -> tuple[Path, dict]:
    private = tmp_path / "awx_job"
    shutil.copytree(PROJECT, private / "project")
    collections = private / "requirements_collections" / "ansible_collections" / "breakwater"
    collections.mkdir(parents=True)
    (collections / "ztp").symlink_to(REPO)
    write_inventory(private, source)

    env = {}
    env.update(inject("breakwater.yml", {"url": lab.url, "api_token": lab.breakwater_token}))
    # API user and password; access_token and token_cache_dir left empty.
    env.update(inject("fortiztp.yml", {"api_id": lab.api_id, "password": lab.password,
                                       "base_url": lab.fortiztp_base_url, "auth_url": lab.auth_url}))
    home = tmp_path / "home"  # the execution environment's home, gone after the job
    home.mkdir()
    env.update({
        "HOME": str(home),
        "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
        "ANSIBLE_COLLECTIONS_PATH": str(private / "requirements_collections"),
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_LOCALHOST_WARNING": "false",
    })
    (private / "env").mkdir()
    (private / "env" / "envvars").write_text(yaml.safe_dump(env))
    # The survey's answers.
    output = tmp_path / "ztp_output"
    (private / "env" / "extravars").write_text(yaml.safe_dump(survey or {
        "ztp_site_id": SITE_ID,
        "ztp_manifest_name": "Production Floor A",
        "ztp_output_dir": str(output),
        "rollout_fortiztp_enabled": "true",
        "rollout_hosts": "all",
    }))
    return private, env


def stats_of(artifacts: Path) -> dict:
    """The set_stats artifact of a job (its playbook_on_stats event)."""
    for event in sorted((artifacts / "job_events").glob("*.json")):
        data = json.loads(event.read_text())
        if data.get("event") == "playbook_on_stats":
            return data["event_data"].get("artifact_data") or {}
    return {}


@pytest.mark.slow
def test_rollout_as_an_awx_job(lab, tmp_path):
    private, env = private_data_dir(lab, tmp_path)
    assert env["FORTIZTP_ACCESS_TOKEN"] == "" and env["FORTIZTP_TOKEN_CACHE_DIR"] == ""  # as AWX injects them
    runner = os.path.join(os.path.dirname(sys.executable), "ansible-runner")
    proc = subprocess.run([runner, "run", str(private), "-p", "site_rollout.yml", "--ident", IDENT],
                          capture_output=True, text=True, timeout=900, check=False, stdin=subprocess.DEVNULL,
                          env=dict(os.environ, PATH=env["PATH"]))
    artifacts = private / "artifacts" / IDENT
    stdout = (artifacts / "stdout").read_text() if (artifacts / "stdout").exists() else proc.stdout
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
    assert (artifacts / "rc").read_text().strip() == "0"
    assert (artifacts / "status").read_text().strip() == "successful"

    # No secret anywhere the job leaves behind, except the env that ansible-runner itself
    # records (the input env/envvars and the command file, whose "env" holds it too).
    tokens = sorted((tmp_path / "home").rglob("*.json"))
    obtained = [json.loads(p.read_text()).get("access_token") for p in tokens if p.parent.name == "fortiztp"]
    secrets = [lab.breakwater_token, lab.password] + [t for t in obtained if t]
    assert len(secrets) >= 3, "the FortiZTP token cache of the job was not found: %s" % tokens
    own_env = {private / "env" / "envvars", artifacts / "command"}
    assert lab.breakwater_token in (private / "env" / "envvars").read_text()  # the check looks for the right strings
    checked = 0
    for path in sorted(private.rglob("*")):
        if path.is_dir() or path.is_symlink() or path in own_env or (private / "project") in path.parents:
            continue
        text = path.read_text(errors="replace")
        checked += 1
        for secret in secrets:
            assert secret not in text, "a secret is in %s" % path.relative_to(private)
    for secret in secrets:
        assert secret not in proc.stdout and secret not in proc.stderr and secret not in stdout
    events = sorted((artifacts / "job_events").glob("*.json"))
    assert events and checked > len(events)

    # The set_stats artifact: the summary, with the report files it points at.
    stats = {}
    for event in events:
        data = json.loads(event.read_text())
        if data.get("event") == "playbook_on_stats":
            stats = data["event_data"].get("artifact_data") or {}
    rollout = stats["breakwater_ztp_rollout"]
    assert rollout["site_id"] == SITE_ID and rollout["result"] == "success", rollout
    assert rollout["counts"].get("online") == 7, rollout["counts"]
    assert Path(rollout["report_json"]).is_file() and Path(rollout["report_html"]).is_file()
    # The output root of the job, and every device's outcome in the artifact.
    assert rollout["report_json"].startswith(str(tmp_path / "ztp_output" / "reports" / SITE_ID)), rollout
    assert sorted((d["hostname"], d["serial_number"], d["status"]) for d in rollout["devices"]) == sorted(
        (h, s, "online") for h, s in [("fw-prod-01", "FGT60FTK20000001"), ("sw-prod-01", "FDO2401A001"),
                                      ("sw-prod-02", "FDO2401A002"), ("sw-prod-03", "FDO2401A003"),
                                      ("sw-prod-04", "FDO2401A004"), ("ap-prod-01", "FP231FTF20000001"),
                                      ("ap-prod-02", "FP231FTF20000002")]), rollout["devices"]


def awx_slice(hosts, offset, count):
    """The hosts of slice ``offset`` (from 0) of ``count``, as AWX cuts a sliced job's inventory: its hosts
    ordered by name, every count-th from the offset (awx/main/models/inventory.py, ``hosts[offset::count]``)."""
    return sorted(hosts)[offset::count]


@pytest.mark.slow
def test_a_sliced_job_over_site_hosts_rolls_out_each_site_once_and_one_index_lists_them_all(lab, tmp_path):
    """The sliced job template of examples/awx_project over a site-host inventory (examples/site_hosts),
    2 slices run side by side as AWX runs them on two execution nodes: each slice rolls out whole sites."""
    output = tmp_path / "ztp_output"
    survey = json.loads((PROJECT / "surveys" / "sites_rollout.json").read_text())
    answers = dict((q["variable"], q["default"]) for q in survey["spec"])
    assert "ztp_site_id" not in answers  # a site question would override every site host's own
    answers["ztp_output_dir"] = str(output)
    private, env = private_data_dir(lab, tmp_path, SITE_HOSTS / "hosts.yml", answers)
    hosts = json.loads(subprocess.run([str(private / "inventory" / "hosts"), "--list"], capture_output=True,
                                      text=True, check=True).stdout)["_meta"]["hostvars"]
    runner = os.path.join(os.path.dirname(sys.executable), "ansible-runner")
    count = 2
    slices = [awx_slice(hosts, offset, count) for offset in range(count)]
    assert slices == [["site_floor_a"], ["site_floor_b"]]
    jobs = [subprocess.Popen([runner, "run", str(private), "-p", "site_rollout.yml", "--ident", "slice_%d" % offset,
                              "--limit", ",".join(held)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             stdin=subprocess.DEVNULL, env=dict(os.environ, PATH=env["PATH"]))
            for offset, held in enumerate(slices)]
    outputs = [job.communicate(timeout=900)[0] for job in jobs]
    for job, text in zip(jobs, outputs):
        assert job.returncode == 0, text[-6000:]

    # Every site rolled out once, by the slice that holds it, whole.
    published = {}
    for offset, held in enumerate(slices):
        rollout = stats_of(private / "artifacts" / ("slice_%d" % offset))["breakwater_ztp_rollout"]
        assert rollout["site_id"] == held[0] and rollout["result"] == "success" and rollout["not_in_run"] == []
        published[rollout["site_id"]] = rollout
    assert sorted(published) == ["site_floor_a", "site_floor_b"]
    assert published["site_floor_a"]["counts"] == {"online": 7} and published["site_floor_b"]["counts"] == {"online": 3}
    for site_id, waves in (("site_floor_a", 3), ("site_floor_b", 1)):
        [summary] = lab.bw("GET", "/manifests", params={"site_id": site_id}).json()["manifests"]
        events = lab.bw("GET", "/events", params={"manifest_id": summary["id"]}).json()["events"]
        # One deployment per wave: no slice deployed another slice's site.
        assert sum(1 for e in events if e["event_type"] == "deployment_started") == waves
        report = json.loads((output / "reports" / site_id / "rollout-report.json").read_text())
        assert report["result"] == "success" and report["not_in_run"] == []
        assert report["device_total"] == {"site_floor_a": 7, "site_floor_b": 3}[site_id]
    # One index, written by both slices in turn: both sites, each with the run that rolled it out.
    index = json.loads((output / "reports" / "index.json").read_text())
    assert {name: site["result"] for name, site in index["sites"].items()} == {"site_floor_a": "success",
                                                                               "site_floor_b": "success"}
    assert len({site["run"] for site in index["sites"].values()}) == 2 and index["result"] == "success"
    page = (output / "reports" / "index.html").read_text()
    assert 'href="site_floor_a/rollout-report.html"' in page and 'href="site_floor_b/rollout-report.html"' in page
