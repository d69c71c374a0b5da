"""Two runs on one site at once (issue 19, point 4): two ansible-playbook processes started together on
the example site never create a second manifest nor deploy a device twice; the second waits for the
first (rollout_lock_wait) or stops naming the run that holds the site. And the service-side guard of
runs that share no lock folder (two AWX nodes): two manifests created at once end as one.

Each device's deployments are counted in the lab's events: the devices of each ``deployment_started``
and each ``device_online``.
"""
from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from ansible_collections.breakwater.ztp.plugins.module_utils.breakwater import BreakwaterClient
from ansible_collections.breakwater.ztp.plugins.module_utils.manifests import create_manifest_once
from tests.helpers.ansible import REPO, run_playbook

EXAMPLE = REPO / "examples" / "site_floor_a" / "hosts.yml"
ROLLOUT = "playbooks/site_rollout.yml"
SITE_ID, NAME = "site_floor_a", "Production Floor A"
HELD = "site site_floor_a (manifest Production Floor A) is being rolled out by run "
ROLLOUT_TASK = "Roll out the site and write its report"


def site_manifests(lab):
    return [m for m in lab.bw("GET", "/manifests", params={"site_id": SITE_ID}).json()["manifests"]
            if m["name"] == NAME]


def deployments_per_device(lab, manifest_id):
    """(device id -> times in a deployment_started, device id -> device_online events)."""
    events = lab.bw("GET", "/events", params={"manifest_id": manifest_id}).json()["events"]
    started = Counter(d for e in events if e["event_type"] == "deployment_started" for d in e["details"]["devices"])
    online = Counter(e["device_id"] for e in events if e["event_type"] == "device_online")
    return started, online


def two_runs_at_once(lab, tmp_path, **extra):
    """The example site rolled out by two ansible-playbook processes started together, sharing the
    output folder (so the lock folder) and the FortiZTP token cache, as two runs on one controller do."""
    extra_vars = dict({"ztp_output_dir": str(tmp_path / "out")}, **extra)
    start = threading.Barrier(2)

    def run(_index):
        start.wait()
        return run_playbook(lab, ROLLOUT, inventory=str(EXAMPLE), extra_vars=extra_vars,
                            token_cache_dir=str(tmp_path / "tokens"))

    with ThreadPoolExecutor(2) as pool:
        return list(pool.map(run, range(2)))


def deployed(run):
    return any(step["step"] == "deploy" and step["changed"] for r in run.results(ROLLOUT_TASK)
               for step in r["result"].get("steps", []))


@pytest.mark.slow
def test_two_runs_at_once_on_a_new_site_make_one_manifest_and_deploy_each_device_once(lab, tmp_path):
    runs = two_runs_at_once(lab, tmp_path, rollout_lock_wait=600)

    for run in runs:
        assert run.rc == 0, run.output[-5000:]
    [manifest] = site_manifests(lab)
    full = lab.bw("GET", "/manifests/%s" % manifest["id"]).json()
    assert full["status"] == "deployed"
    assert {d["status"] for d in full["devices"]} == {"online"} and len(full["devices"]) == 7
    started, online = deployments_per_device(lab, manifest["id"])
    assert started == online == Counter(d["id"] for d in full["devices"])  # each device exactly once
    # One run rolled the site out; the other waited for it, named it, then found nothing to do.
    [first] = [r for r in runs if deployed(r)]
    [second] = [r for r in runs if r is not first]
    assert "waiting for the site: " + HELD in second.output
    assert second.result(ROLLOUT_TASK)["counts"] == {} and not second.changed_tasks
    assert second.result(ROLLOUT_TASK)["manifest"]["id"] == manifest["id"]
    # The lease is released: a third run has nothing to do and takes none (no lease file written).
    released = tmp_path / "out" / "locks" / "site_floor_a--Production_Floor_A.released"
    stamp = released.stat().st_mtime_ns
    lab.reset_counters()
    again = run_playbook(lab, ROLLOUT, inventory=str(EXAMPLE), extra_vars={"ztp_output_dir": str(tmp_path / "out")})
    assert again.rc == 0 and not again.changed_tasks, again.output[-3000:]
    assert lab.counters()["writes"] == 0
    assert [p.name for p in (tmp_path / "out" / "locks").iterdir()] == [released.name]
    assert released.stat().st_mtime_ns == stamp


@pytest.mark.slow
def test_two_runs_at_once_on_a_deployed_site_redeploy_a_failed_device_once(lab, tmp_path):
    first = run_playbook(lab, ROLLOUT, inventory=str(EXAMPLE), extra_vars={"ztp_output_dir": str(tmp_path / "out")})
    assert first.rc == 0, first.output[-5000:]
    [manifest] = site_manifests(lab)
    devices = {d["hostname"]: d for d in lab.bw("GET", "/manifests/%s" % manifest["id"]).json()["devices"]}
    switch = devices["sw-prod-02"]
    lab._lab("POST", "/devices/%s/fail" % switch["id"], json={"reason": "LINK_DOWN"})
    before = deployments_per_device(lab, manifest["id"])

    runs = two_runs_at_once(lab, tmp_path)  # rollout_lock_wait 0 (the default): the second stops at once

    assert len(site_manifests(lab)) == 1
    full = lab.bw("GET", "/manifests/%s" % manifest["id"]).json()
    assert full["status"] == "deployed" and {d["status"] for d in full["devices"]} == {"online"}
    started, online = deployments_per_device(lab, manifest["id"])
    assert started - before[0] == online - before[1] == Counter({switch["id"]: 1})  # that device, once
    [redeployed] = [r for r in runs if deployed(r)]
    assert redeployed.rc == 0, redeployed.output[-5000:]
    [other] = [r for r in runs if r is not redeployed]
    if other.rc:
        # It stopped before any write, naming the run that holds the site; its report is left to that run.
        assert HELD in other.output and "playbook " in other.output, other.output[-5000:]
        assert not other.changed_tasks
    else:
        # Or it started once the first had finished: nothing to do.
        assert other.result(ROLLOUT_TASK)["counts"] == {} and not other.changed_tasks
    report = (tmp_path / "out" / "reports" / SITE_ID / "rollout-report.json").read_text()
    assert '"result": "success"' in report


def lab_client(lab):
    return BreakwaterClient(lab.url, lab.breakwater_token, timeout=30, retries=0)


def test_two_manifests_created_at_once_end_as_one_which_both_runs_keep(lab):
    """Two controllers that share no lock folder both create the site's manifest: each reads the site back
    after its create; the newer's creator deletes it and both go on with the older."""
    both_created = threading.Barrier(2)

    class CreateThenWait(BreakwaterClient):
        def create_manifest(self, body):
            created = super(CreateThenWait, self).create_manifest(body)
            both_created.wait(timeout=30)  # both POSTs answered before either reads the site back
            return created

    body = {"name": "Floor Z", "site_id": "site_race", "topology_source": "helm_topology_789"}

    def controller(_index):
        client = CreateThenWait(lab.url, lab.breakwater_token, timeout=30, retries=0)
        return create_manifest_once(client, body)

    with ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(controller, range(2)))

    left = lab.bw("GET", "/manifests", params={"site_id": "site_race"}).json()["manifests"]
    assert len(left) == 1, left
    assert [kept["id"] for kept, _adopted in outcomes] == [left[0]["id"]] * 2
    assert sorted(adopted for _kept, adopted in outcomes) == [False, True]
    events = lab.bw("GET", "/events").json()["events"]
    created = [e["manifest_id"] for e in events if e["event_type"] == "manifest_created"
               and e["details"]["name"] == "Floor Z"]
    deleted = [e["manifest_id"] for e in events if e["event_type"] == "manifest_deleted"]
    assert len(created) == 2 and deleted == [m for m in created if m != left[0]["id"]]
