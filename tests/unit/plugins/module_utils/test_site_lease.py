"""site_lease: the lease format, staleness, the holder's wording, and the file operations (atomic
create, take-over of a stale lease, release by its holder only); manifests.kept_manifest (the
rule two runs that created one manifest each both apply) and a deployment another run started."""
from __future__ import annotations

import json
import os

import pytest

from ansible_collections.breakwater.ztp.plugins.module_utils import manifests, site_lease
from ansible_collections.breakwater.ztp.plugins.module_utils.http_client import ApiError
from ansible_collections.breakwater.ztp.plugins.module_utils.inputs import InputError

SITE = {"ztp_site_id": "site_floor_a", "ztp_manifest_name": "Production Floor A", "configs_wait_timeout": 900,
        "fortiztp_provision_wait_timeout": 1800, "rollout_wait_timeout": 3600, "rollout_wave_pause": 0}
NOW = 1796290400  # 2026-12-03T09:33:20Z


def lease(**changes):
    made = site_lease.new_lease(SITE, "AWX job 41", 4242, "node-1", "playbooks/site_rollout.yml", NOW, 600)
    made.update(changes)
    return made


def test_lease_path_is_one_safe_file_per_site_and_manifest(tmp_path):
    path = site_lease.lease_path(str(tmp_path), "site/../a", "Floor A")
    assert os.path.dirname(path) == str(tmp_path)
    assert os.path.basename(path) == "site_.._a--Floor_A.lease"
    assert site_lease.released_path(path).endswith("site_.._a--Floor_A.released")


def test_a_lease_names_its_run_and_is_bounded_by_the_runs_own_waits():
    made = lease()
    assert made["run"] == "AWX job 41" and made["pid"] == 4242 and made["host"] == "node-1"
    assert made["since"] == NOW and made["expires"] == NOW + 600 and len(made["token"]) == 32
    assert site_lease.lease_bound(SITE, 1) == 900 + 1800 + 3600 + site_lease.MARGIN_SECONDS
    assert site_lease.lease_bound(SITE, 3) == 3 * (900 + 1800 + 3600) + site_lease.MARGIN_SECONDS
    assert site_lease.parse_lease(json.dumps(made)) == made
    assert site_lease.parse_lease("{half a lea") is None and site_lease.parse_lease("[]") is None


def test_holder_text_says_which_run_holds_the_site():
    assert site_lease.holder_text(lease()) == (
        "site site_floor_a (manifest Production Floor A) is being rolled out by run AWX job 41 (pid 4242 on host "
        "node-1, since 2026-12-03T09:33:20Z, playbook playbooks/site_rollout.yml)")


@pytest.mark.parametrize("host, alive, now, stale", [
    ("node-1", True, NOW + 10, None),                 # its process runs: held
    ("node-1", False, NOW + 10, "its process 4242 on node-1 has ended"),
    ("node-2", False, NOW + 10, None),                # another host's pid cannot be judged: held
    ("node-2", True, NOW + 600, "it expired at 2026-12-03T09:43:20Z"),
])
def test_a_lease_is_stale_when_its_process_ended_on_this_host_or_its_bound_passed(host, alive, now, stale):
    assert site_lease.stale_reason(lease(), now, host, lambda pid: alive) == stale


def test_pid_alive_knows_this_process_and_an_ended_one():
    assert site_lease.pid_alive(os.getpid())
    assert not site_lease.pid_alive(2 ** 22 + 7)  # above pid_max: never a process


def test_acquire_is_exclusive_and_release_needs_the_holders_token(tmp_path):
    path = site_lease.lease_path(str(tmp_path / "locks"), "site_floor_a", "Production Floor A")
    first, second = lease(), lease(run="run-2")
    assert site_lease.acquire(path, first) is None  # creates the folder too
    assert site_lease.acquire(path, second)["token"] == first["token"]  # held: the holder comes back
    assert site_lease.read_lease(path) == first
    assert site_lease.release(path, second["token"]) is False and os.path.exists(path)
    assert site_lease.released_token(path) is None
    assert site_lease.release(path, first["token"]) is True
    assert not os.path.exists(path) and site_lease.released_token(path) == first["token"]
    assert site_lease.acquire(path, second) is None
    assert sorted(os.listdir(str(tmp_path / "locks"))) == [os.path.basename(path), os.path.basename(
        site_lease.released_path(path))]  # no temporary file left


def test_take_over_replaces_only_the_stale_lease_it_judged(tmp_path):
    path = str(tmp_path / "s--m.lease")
    stale, fresh, late = lease(), lease(run="run-2"), lease(run="run-3")
    site_lease.acquire(path, stale)
    assert site_lease.take_over(path, stale, fresh) is None
    assert site_lease.read_lease(path)["run"] == "run-2"
    # A second taker that judged the same stale lease finds the new holder instead.
    assert site_lease.take_over(path, stale, late)["token"] == fresh["token"]


def test_an_unreadable_lease_holds_the_site_until_its_age_frees_it(tmp_path):
    path = str(tmp_path / "s--m.lease")
    with open(path, "w") as handle:
        handle.write("garbage")
    os.utime(path, (NOW, NOW))
    holder = site_lease.acquire(path, lease())
    assert holder["run"] == "unknown" and holder["token"].startswith("unreadable:")
    assert site_lease.stale_reason(holder, NOW + 10, "node-1", lambda pid: True) is None
    assert site_lease.stale_reason(holder, NOW + site_lease.MARGIN_SECONDS, "node-1", lambda pid: True)


def test_a_lock_folder_that_cannot_be_made_names_rollout_lock_dir(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError) as caught:
        site_lease.acquire(str(tmp_path / "file" / "locks" / "s--m.lease"), lease())
    assert caught.value.field == "rollout_lock_dir"


# --- one manifest when two runs create it at once ------------------------------------------------
def test_kept_manifest_is_the_oldest_then_the_smallest_id_whoever_reads():
    a = {"id": "manifest_9", "created_at": "2026-12-03T10:00:00Z"}
    b = {"id": "manifest_10", "created_at": "2026-12-03T10:00:01Z"}
    c = {"id": "manifest_11", "created_at": "2026-12-03T10:00:00Z"}
    assert manifests.kept_manifest([b, a]) is a and manifests.kept_manifest([a, b]) is a
    assert manifests.kept_manifest([c, a])["id"] == manifests.kept_manifest([a, c])["id"] == "manifest_11"


class Racing(object):
    """A manifest another run is deploying: the status update of this run gets the service's 409."""

    def __init__(self, code, then):
        self.code, self.then, self.writes = code, then, []
        self.reads = 0

    def update_manifest(self, manifest_id, body):
        self.writes.append(body)
        raise ApiError(409, self.code, "Manifest %s is being deployed" % manifest_id)

    def get_manifest(self, manifest_id):
        self.reads += 1
        status = self.then if self.reads == 1 else "deployed"
        return {"id": manifest_id, "status": status, "devices": [{"id": "d1", "status": "online"}]}


@pytest.mark.parametrize("code, then", [("DEPLOYMENT_IN_PROGRESS", "deploying"), ("INVALID_MANIFEST_STATUS", "deployed")])
def test_a_deployment_another_run_started_is_waited_for_not_started_again(code, then):
    client = Racing(code, then)
    final, failed = manifests.deploy_manifest(client, {"id": "m1", "status": "ready"}, 10, 1,
                                              clock=lambda: 0, sleep=lambda s: None)
    assert final["status"] == "deployed" and failed == [] and client.writes == [{"status": "deploying"}]


def test_a_409_on_a_manifest_that_is_neither_deploying_nor_deployed_is_raised():
    client = Racing("INVALID_MANIFEST_STATUS", "draft")
    with pytest.raises(ApiError):
        manifests.deploy_manifest(client, {"id": "m1", "status": "ready"}, 10, 1, clock=lambda: 0, sleep=lambda s: None)
