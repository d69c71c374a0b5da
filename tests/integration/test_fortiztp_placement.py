"""A FortiGate that FortiZTP has provisioned to another FortiManager (issue 18): the plan names where it
is and where it goes, check mode writes nothing, the real run moves it and waits, a rerun changes
nothing. The same rule as the fortiztp_device module (status, target, FortiManager, script)."""
from __future__ import annotations

import json
import re
from pathlib import Path

from tests.helpers.ansible import REPO, run_playbook

EXAMPLE = REPO / "examples" / "site_floor_a"
ROLLOUT = "playbooks/site_rollout.yml"
FORTIGATE = "FGT60FTK20000001"
OTHER = {"sn": "FMG-VM0000000009", "ip": "10.9.9.9"}


def rollout(lab, tmp_path: Path, **kw):
    return run_playbook(lab, ROLLOUT, inventory=str(EXAMPLE / "hosts.yml"),
                        extra_vars={"ztp_output_dir": str(tmp_path)}, **kw)


def report(tmp_path: Path) -> dict:
    return json.loads((tmp_path / "reports" / "site_floor_a" / "rollout-report.json").read_text())


def record(lab, serial: str) -> dict:
    return lab.fz("GET", "/devices", params={"deviceSN": serial}).json()["data"][0]


def site_target_oid(lab) -> int:
    targets = lab.fz("GET", "/setting/fortimanagers").json()["data"]
    return next(t["oid"] for t in targets if t["sn"] == "FMG-VM0000000001")


def move_to_another_fortimanager(lab) -> int:
    answer = lab.fz("POST", "/setting/fortimanagers", json=OTHER)
    assert answer.status_code == 200, answer.text
    other = next(t["oid"] for t in lab.fz("GET", "/setting/fortimanagers").json()["data"] if t["sn"] == OTHER["sn"])
    lab.fz("PUT", "/devices", json=[
        {"deviceSN": FORTIGATE, "deviceType": "FortiGate", "provisionStatus": "provisioned",
         "provisionTarget": "FortiManager", "fortiManagerOid": other, "useDefaultScript": True},
    ]).raise_for_status()
    lab.advance(3600)  # settled there: provisioned, no sub-status
    moved = record(lab, FORTIGATE)
    assert moved["fortiManagerOid"] == other and moved["provisionSubStatus"] is None, moved
    return other


def test_a_fortigate_on_another_fortimanager_is_planned_moved_and_then_left_alone(lab, tmp_path):
    first = rollout(lab, tmp_path)
    assert first.rc == 0, first.output[-6000:]
    wanted = site_target_oid(lab)
    assert record(lab, FORTIGATE)["fortiManagerOid"] == wanted
    other = move_to_another_fortimanager(lab)

    # Check mode: the move is planned with where the unit is and where it goes; nothing written.
    lab.reset_counters()
    check = rollout(lab, tmp_path, check=True, diff=True)
    assert check.rc == 0, check.output[-6000:]
    assert lab.counters()["writes"] == 0
    where = "provisioned to FortiManager %s (oid %d), goes to FortiManager FMG-VM0000000001 (oid %d)" % (
        OTHER["sn"], other, wanted)
    planned = next(d for d in report(tmp_path)["devices"] if d["hostname"] == "fw-prod-01")
    assert planned["planned"] == ["provision_fortiztp", "deploy"]
    assert planned["fortiztp"] == where and where in planned["planned_reason"]
    assert re.search(r"fw-prod-01\s+online\s+provision_fortiztp, deploy \(%s" % re.escape(where), check.output)
    others = [d["planned"] for d in report(tmp_path)["devices"] if d["hostname"] != "fw-prod-01"]
    assert others == [[]] * 6
    assert record(lab, FORTIGATE)["fortiManagerOid"] == other

    # The real run moves it and waits until FortiZTP has provisioned it there.
    lab.reset_counters()
    real = rollout(lab, tmp_path)
    assert real.rc == 0, real.output[-6000:]
    moved = record(lab, FORTIGATE)
    assert moved["fortiManagerOid"] == wanted and moved["useDefaultScript"] is True, moved
    assert moved["provisionStatus"] == "provisioned" and moved["provisionSubStatus"] is None, moved
    assert lab.counters()["by_route"].get("PUT /public/api/v2/devices") == 1, lab.counters()["by_route"]
    assert "fortiztp: provisioned 1/1" in real.output
    done = report(tmp_path)
    assert done["result"] == "success"
    assert "fortiztp" not in next(d for d in done["devices"] if d["hostname"] == "fw-prod-01")

    # A rerun finds every unit where the site wants it.
    lab.reset_counters()
    again = rollout(lab, tmp_path)
    assert again.rc == 0, again.output[-6000:]
    assert lab.counters()["writes"] == 0, lab.counters()["by_route"]
    assert all(host["changed"] == 0 for host in again.recap.values()), again.recap


def test_a_unit_fortiztp_refuses_to_move_fails_the_run_and_the_report_says_where_it_is(lab, tmp_path):
    first = rollout(lab, tmp_path)
    assert first.rc == 0, first.output[-6000:]
    other = move_to_another_fortimanager(lab)
    lab.fault(path="/public/api/v2/devices", method="PUT", status=422, count=2,
              body={"error": "invalid_request", "error_description": "Device %s is locked" % FORTIGATE})
    failed = rollout(lab, tmp_path)
    assert failed.rc != 0
    assert FORTIGATE in failed.output, failed.output[-4000:]
    assert record(lab, FORTIGATE)["fortiManagerOid"] == other
    done = report(tmp_path)
    assert done["result"] == "failed"
    row = next(d for d in done["devices"] if d["hostname"] == "fw-prod-01")
    assert row["status"] == "online" and row["fortiztp"].startswith("provisioned to FortiManager %s" % OTHER["sn"])
