# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The report's timeline (module_utils/timeline.py): axis, bars, waves, the slowest devices and failures."""

from __future__ import annotations

from ansible_collections.breakwater.ztp.plugins.module_utils.timeline import timeline


def device(hostname, status, registered=None, config=None, started=None, settled=None, deploy=None, wave=None,
           reason=None):
    row = {"hostname": hostname, "status": status, "reason": reason,
           "timings": {"serial_registered": registered, "config_generated": config, "deployment_started": started,
                       "settled": settled, "deploy_seconds": deploy}}
    if wave is not None:
        row["wave"] = wave
    return row


def at(minute, second=0):
    return "2026-03-01T10:%02d:%02dZ" % (minute, second)


def report(devices, waves=None):
    return {"devices": devices, "waves": waves or []}


def hostnames(group):
    return [item["device"]["hostname"] for item in group["rows"]]


def test_the_axis_runs_from_the_first_config_to_the_last_event_and_a_bar_has_its_phases():
    drawn = timeline(report([
        device("sw-01", "online", at(0), at(0), at(1), at(3), 120),
        device("sw-02", "online", at(0), at(0), at(1), at(5), 240),
    ]))
    assert drawn["axis"]["start"] == at(0) and drawn["axis"]["end"] == at(5) and drawn["axis"]["seconds"] == 300
    assert [t["label"] for t in drawn["axis"]["ticks"]] == ["10:00:00", "10:01:15", "10:02:30", "10:03:45", "10:05:00"]
    segments = drawn["groups"][0]["rows"][0]["segments"]
    assert [s["kind"] for s in segments] == ["build", "wait", "online"]
    assert segments[1] == {"kind": "wait", "left": 0.0, "width": 20.0}
    assert segments[2] == {"kind": "online", "left": 20.0, "width": 40.0}


def test_a_serial_registered_days_before_does_not_squash_the_rollout():
    drawn = timeline(report([device("sw-01", "online", "2026-02-20T08:00:00Z", at(0), at(1), at(3), 120)]))
    assert drawn["axis"]["start"] == at(0)
    assert drawn["groups"][0]["rows"][0]["segments"][0] == {"kind": "build", "left": 0.0, "width": 0.3}


def test_failures_stand_out_with_their_reason():
    drawn = timeline(report([
        device("fw-01", "failed", at(0), at(0), at(1), at(4), 180, reason="ZTP_NOT_PROVISIONED"),
        device("sw-01", "config_failed", at(0), at(2), reason="CONFIG_GENERATION_FAILED: radius_secret"),
        device("sw-02", "online", at(0), at(0), at(1), at(2), 60),
    ]))
    assert [d["hostname"] for d in drawn["failures"]] == ["fw-01", "sw-01"]
    rows = dict((item["device"]["hostname"], item) for item in drawn["groups"][0]["rows"])
    assert rows["fw-01"]["failed"] and rows["sw-01"]["failed"] and not rows["sw-02"]["failed"]
    assert rows["fw-01"]["segments"][-1]["kind"] == "failed"
    assert [s["kind"] for s in rows["sw-01"]["segments"]] == ["failed"]  # its config failed: no deployment


def test_the_slowest_are_named_and_only_those_well_above_the_median_are_flagged():
    devices = [device("sw-%02d" % n, "online", at(0), at(0), at(1), at(2), 60) for n in range(1, 10)]
    devices.append(device("sw-10", "online", at(0), at(0), at(1), at(9), 480))
    drawn = timeline(report(devices), slowest=3)
    assert [item["device"]["hostname"] for item in drawn["slowest"]] == ["sw-10", "sw-01", "sw-02"]
    assert [item["slow"] for item in drawn["slowest"]] == [True, False, False]
    assert drawn["median_deploy"] == 60
    assert [item["device"]["hostname"] for g in drawn["groups"] for item in g["rows"] if item["slow"]] == ["sw-10"]


def test_all_equally_fast_means_none_flagged_slow():
    drawn = timeline(report([device("sw-%d" % n, "online", at(0), at(0), at(1), at(2), 60) for n in range(5)]))
    assert not any(item["slow"] for item in drawn["slowest"])


def test_waves_group_the_rows_in_order_each_sorted_by_its_deployment():
    waves = [{"number": 1, "pattern": "firewalls", "result": "online"},
             {"number": 2, "pattern": "switches", "result": "failed"}]
    drawn = timeline(report([
        device("sw-02", "online", at(0), at(0), at(3), at(4), 60, wave=2),
        device("sw-01", "failed", at(0), at(0), at(3, 30), at(6), 150, wave=2),
        device("fw-01", "online", at(0), at(0), at(1), at(2), 60, wave=1),
        device("ap-01", "pending", wave=None),
    ], waves))
    assert [(g["wave"], g["pattern"], g["result"]) for g in drawn["groups"]] == [
        (1, "firewalls", "online"), (2, "switches", "failed"), (None, None, None)]
    assert [hostnames(g) for g in drawn["groups"]] == [["fw-01"], ["sw-02", "sw-01"], ["ap-01"]]


def test_a_device_still_deploying_runs_to_the_end_of_the_axis_and_no_events_draw_nothing():
    drawn = timeline(report([device("sw-01", "deploying", at(0), at(0), at(1)),
                             device("sw-02", "online", at(0), at(0), at(1), at(5), 240)]))
    segments = drawn["groups"][0]["rows"][0]["segments"]
    assert segments[-1]["kind"] == "deploying" and segments[-1]["left"] + segments[-1]["width"] == 100.0
    empty = timeline(report([device("sw-01", "pending")]))
    assert empty["axis"] == {"start": None, "end": None, "seconds": 0, "ticks": []}
    assert empty["groups"][0]["rows"][0]["segments"] == [] and empty["slowest"] == [] and empty["median_deploy"] is None


def test_every_device_gets_exactly_one_row():
    devices = [device("syn-%04d" % n, "online", at(0), at(0), at(n % 50 // 10), at(9), 60, wave=n % 3 + 1)
               for n in range(1000)]
    waves = [{"number": n, "pattern": None, "result": "online"} for n in (1, 2, 3)]
    drawn = timeline(report(devices, waves))
    rows = [item["device"]["hostname"] for g in drawn["groups"] for item in g["rows"]]
    assert sorted(rows) == sorted(d["hostname"] for d in devices)
