"""site_lock: a run's lease on its site, with real files: the holder named when the site is held,
a wait that ends when the holder releases, a stale lease taken over with a warning, release by the
holder only."""
from __future__ import annotations

import os

import pytest

from ansible_collections.breakwater.ztp.plugins.module_utils import polling, site_lease
from ansible_collections.breakwater.ztp.plugins.module_utils.resource import TaskFailure
from ansible_collections.breakwater.ztp.plugins.plugin_utils.site_lock import SiteLock, release, run_identity


def site(tmp_path, **changes):
    return dict({"ztp_site_id": "site_floor_a", "ztp_manifest_name": "Production Floor A",
                 "rollout_lock_dir": str(tmp_path / "locks"), "rollout_lock_wait": 0, "rollout_poll_interval": 1,
                 "configs_wait_timeout": 900, "fortiztp_provision_wait_timeout": 1800, "rollout_wait_timeout": 3600,
                 "rollout_wave_pause": 0}, **changes)


def lock_of(tmp_path, task_vars=None, **changes):
    lines, warnings = [], []
    lock = SiteLock(site(tmp_path, **changes), task_vars or {}, None, lines.append, warnings)
    return lock, lines, warnings


def test_run_identity_prefers_the_awx_job_then_the_site_rollout_run():
    assert run_identity({"awx_job_id": 123}, {"run": "r1"})[0] == "AWX job 123"
    assert run_identity({}, {"run": "r1"})[0] == "r1"
    run, pid, host, _playbook = run_identity({}, None)
    assert run == "%s-%s" % (host, pid) and pid == os.getppid()


def test_a_held_site_stops_the_second_run_naming_the_first(tmp_path):
    first, _lines, _warnings = lock_of(tmp_path, {"awx_job_id": 41})
    assert first.take(1) is None and first.record()["token"]
    second, _lines, _warnings = lock_of(tmp_path)
    holder = second.holder()
    assert holder["run"] == "AWX job 41"
    with pytest.raises(TaskFailure) as caught:
        second.wait_free()
    assert caught.value.msg.startswith("site site_floor_a (manifest Production Floor A) is being rolled out by run "
                                       "AWX job 41 (pid %d on host " % os.getppid())
    assert "set rollout_lock_wait" in caught.value.msg and caught.value.result["held_by"]["run"] == "AWX job 41"
    assert second.take(1)["run"] == "AWX job 41"  # and it cannot take it either
    first.release()
    assert second.holder() is None and not second.wait_free() and second.take(1) is None


def test_the_second_run_waits_until_the_first_releases(tmp_path, monkeypatch):
    first = lock_of(tmp_path)[0]
    first.take(1)
    clock = [0]

    def pause(seconds):
        clock[0] += seconds
        if clock[0] >= 3:
            first.release()

    monkeypatch.setattr(polling, "monotonic", lambda: clock[0])
    monkeypatch.setattr(polling, "sleep", pause)
    second, lines, _warnings = lock_of(tmp_path, rollout_lock_wait=60)
    released = second.released()
    assert second.wait_free() is True and clock[0] == 3
    assert lines[0].startswith("waiting for the site: site site_floor_a")
    assert second.released() != released  # so its plan is made again


def test_a_wait_that_runs_out_names_the_holder(tmp_path, monkeypatch):
    lock_of(tmp_path)[0].take(1)
    clock = [0]
    monkeypatch.setattr(polling, "monotonic", lambda: clock[0])
    monkeypatch.setattr(polling, "sleep", lambda s: clock.__setitem__(0, clock[0] + s))
    second = lock_of(tmp_path, rollout_lock_wait=5)[0]
    with pytest.raises(TaskFailure) as caught:
        second.wait_free()
    assert "still after rollout_lock_wait=5 seconds" in caught.value.msg


def test_a_lease_of_an_ended_process_is_taken_over_with_a_warning(tmp_path):
    dead = site_lease.new_lease(site(tmp_path), "old run", 2 ** 22 + 7, run_identity({}, None)[2], "p.yml", 0, 10 ** 9)
    path = site_lease.lease_path(str(tmp_path / "locks"), "site_floor_a", "Production Floor A")
    assert site_lease.acquire(path, dead) is None
    lock, _lines, warnings = lock_of(tmp_path)
    assert lock.holder() is None  # stale: not a holder
    assert lock.take(1) is None and lock.took_over
    assert warnings and "taking over a stale lease" in warnings[0] and "has ended" in warnings[0]


def test_release_of_a_lease_another_run_holds_warns_and_keeps_it(tmp_path):
    first = lock_of(tmp_path)[0]
    first.take(1)
    warnings = []
    release({"path": first.path, "token": "not-mine"}, warnings)
    assert os.path.exists(first.path) and "not this run's any more" in warnings[0]
