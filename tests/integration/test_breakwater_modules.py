"""Breakwater ZTP modules against the lab (issue 4): idempotence, check mode, diff, errors, bulk serials."""
from __future__ import annotations

import csv
import math

import pytest

from tests.helpers.ansible import run_target

# Every test here runs ansible-playbook against the lab: tens of seconds each.
pytestmark = pytest.mark.slow

WRITE_TARGETS = ["manifest", "serial", "config", "cable_schedule"]
# The error tasks of targets/breakwater_errors (its asserts check code, message and resource).
ERROR_CODES = ("MANIFEST_NOT_FOUND", "DEVICE_NOT_FOUND", "INVALID_SERIAL_NUMBER", "SERIAL_ALREADY_REGISTERED",
               "INSUFFICIENT_PERMISSIONS", "CONFIG_GENERATION_FAILED", "INVALID_MANIFEST_STATUS",
               "DEPLOYMENT_IN_PROGRESS")


# Assert conditions each target checks in a run that is not --check (the callback counts them).
# Adding or removing an assert in a target's YAML means changing its number here: a deleted
# assert fails the test as surely as a false one.
ASSERTS = {"manifest": 14, "serial": 11, "config": 7, "cable_schedule": 6, "breakwater_errors": 56,
           "manifest_deploy": 6, "breakwater_info": 23}


def module_records(run):
    """Records of the collection's own tasks (not assert, uri, copy...)."""
    return [r for r in run.records if "api_calls" in r["result"]]


def diffs_of(record):
    diff = record["result"].get("diff")
    return diff if isinstance(diff, list) else [diff] if diff else []


@pytest.mark.parametrize("target", WRITE_TARGETS)
def test_check_mode_then_apply_then_unchanged(lab, target, tmp_path):
    extra = {"work_dir": str(tmp_path)}

    lab.reset_counters()
    check = run_target(lab, target, extra_vars=extra, check=True, diff=True)
    assert check.rc == 0, check.output
    check.check_asserts(0, skipped_ok=True)  # the targets check the server's state only for real
    assert lab.counters()["writes"] == 0, "check mode wrote: %s" % lab.counters()["by_route"]
    assert [r for r in module_records(check) if r["status"] == "changed"], "check mode predicted no change"

    first = run_target(lab, target, extra_vars=extra, diff=True)
    assert first.rc == 0, first.output
    changed = [r for r in module_records(first) if r["status"] == "changed"]
    assert changed, first.output
    for record in changed:
        diffs = diffs_of(record)
        assert diffs, "%s changed without a diff" % record["task"]
        assert any(d.get("before") != d.get("after") for d in diffs), record["task"]
    first.check_asserts(ASSERTS[target])

    lab.reset_counters()
    second = run_target(lab, target, extra_vars=extra, diff=True)
    assert second.rc == 0, second.output
    assert second.recap["localhost"]["changed"] == 0, second.changed_tasks
    assert lab.counters()["writes"] == 0
    second.check_asserts(ASSERTS[target])


def test_info_modules_answer_the_same_in_check_mode_and_write_nothing(lab):
    """Every read-only module; the targets that read configs generate them first (a real write)."""
    run = run_target(lab, "breakwater_info")
    assert run.rc == 0, run.output
    run.check_asserts(ASSERTS["breakwater_info"])
    lab.reset_counters()
    check = run_target(lab, "breakwater_info", check=True)
    assert check.rc == 0, check.output
    check.check_asserts(ASSERTS["breakwater_info"])
    assert lab.counters()["writes"] == 0
    assert all(r["status"] == "ok" for r in module_records(check))


def test_each_error_code_reaches_the_user(lab, tmp_path):
    run = run_target(lab, "breakwater_errors", extra_vars={"work_dir": str(tmp_path)})
    assert run.rc == 0, run.output
    run.check_asserts(ASSERTS["breakwater_errors"])
    for code in ERROR_CODES:
        assert run.results(code)[-1]["status"] == "ignored", code


def test_manifest_deploy_waits_and_names_failed_devices(lab):
    run = run_target(lab, "manifest_deploy")
    assert run.rc == 0, run.output
    run.check_asserts(ASSERTS["manifest_deploy"])
    assert run.results("Deploy Floor A and wait")[-1]["status"] == "ignored"


def _synthetic_manifest(lab, devices):
    """A new manifest (devices without serials) from the lab's synthetic topology of ``devices`` devices."""
    lab.synthetic(devices)
    created = lab.bw("POST", "/manifests", json={"name": "CSV import", "site_id": "site_csv",
                                                 "topology_source": "helm_topology_synthetic_%d" % devices})
    assert created.status_code == 201, created.text
    manifest = lab.bw("GET", "/manifests/%s" % created.json()["id"]).json()
    return manifest["id"], [d["hostname"] for d in manifest["devices"]]


def _write_csv(path, rows):
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["hostname", "serial_number", "notes"])
        writer.writerows(rows)


def test_csv_of_500_serials_in_one_task(lab, tmp_path):
    batch_size = 100
    manifest_id, hostnames = _synthetic_manifest(lab, 500)
    csv_path = tmp_path / "serials.csv"
    # Lower case and padding, as crews hand them over: the module normalises them.
    _write_csv(csv_path, [(h, "  csvs%08d " % i, "crate %d" % (i // 20)) for i, h in enumerate(hostnames)])
    extra = {"csv_manifest": manifest_id, "csv_path": str(csv_path), "csv_batch_size": batch_size}

    lab.reset_counters()
    check = run_target(lab, "serial_csv", extra_vars=extra, check=True)
    assert check.rc == 0, check.output
    assert check.result("Register the serials of the CSV")["summary"]["registered"] == 500
    assert lab.counters()["writes"] == 0

    lab.reset_counters()
    run = run_target(lab, "serial_csv", extra_vars=extra)
    assert run.rc == 0, run.output
    counters = lab.counters()
    assert counters["writes"] <= math.ceil(500 / batch_size) + 2, counters["by_route"]
    assert counters["total"] <= math.ceil(500 / batch_size) + 2, counters["by_route"]
    result = run.result("Register the serials of the CSV")
    assert result["summary"]["registered"] == 500 and result["changed"]
    devices = lab.bw("GET", "/devices", params={"manifest_id": manifest_id}).json()["devices"]
    assert {d["serial_number"] for d in devices} == {"CSVS%08d" % i for i in range(500)}

    lab.reset_counters()
    again = run_target(lab, "serial_csv", extra_vars=extra)
    assert again.rc == 0 and not again.result("Register the serials of the CSV")["changed"]
    assert lab.counters()["writes"] == 0


def test_bad_csv_names_every_line_and_writes_nothing(lab, tmp_path):
    csv_path = tmp_path / "bad.csv"
    _write_csv(csv_path, [
        ("sw-prod-01", "FDO2401A001", ""),     # line 2: fine
        ("sw-prod-02", "FDO-2401A002", ""),    # line 3: malformed
        ("sw-prod-03", "fdo2401a001", ""),     # line 4: duplicate of line 2 once normalised
        ("sw-nowhere-09", "FDO2401A009", ""),  # line 5: unknown hostname
    ])
    lab.reset_counters()
    csv_vars = {"csv_manifest": "manifest_123", "csv_path": str(csv_path), "csv_replace": True}
    run = run_target(lab, "serial_csv", extra_vars=csv_vars)
    assert run.rc != 0
    assert run.results("Register the serials of the CSV")[-1]["status"] == "failed"
    result = run.result("Register the serials of the CSV")
    by_line = {e["line"]: e for e in result["errors"]}
    assert sorted(by_line) == [3, 4, 5], result["errors"]
    assert by_line[3]["code"] == "INVALID_SERIAL_NUMBER"
    assert by_line[4]["code"] == "DUPLICATE_SERIAL_NUMBER" and "line 2" in by_line[4]["message"]
    assert by_line[5]["code"] == "DEVICE_NOT_FOUND" and by_line[5]["value"] == "sw-nowhere-09"
    for line in (3, 4, 5):
        assert "line %d" % line in result["msg"]
    assert lab.counters()["writes"] == 0


def test_csv_content_as_pasted_into_a_survey(lab):
    """csv_content: the CSV as text (a survey textarea sends CRLF line ends); same rules as a file."""
    text = "hostname,serial_number\r\nsw-prod-01, fdo2401a001\r\nsw-prod-02,FDO2401A002\r\n"
    lab.reset_counters()
    run = run_target(lab, "serial_csv", extra_vars={"csv_manifest": "manifest_123", "csv_content": text,
                                                    "csv_replace": True})
    assert run.rc == 0, run.output
    assert run.result("Register the serials of the CSV")["changed"]
    devices = lab.bw("GET", "/devices", params={"manifest_id": "manifest_123"}).json()["devices"]
    serials = {d["hostname"]: d["serial_number"] for d in devices}
    assert serials["sw-prod-01"] == "FDO2401A001" and serials["sw-prod-02"] == "FDO2401A002"

    bad = run_target(lab, "serial_csv", extra_vars={"csv_manifest": "manifest_123",
                                                    "csv_content": "hostname,serial_number\nsw-prod-03,FDO-BAD\n"})
    assert bad.rc != 0
    errors = bad.result("Register the serials of the CSV")["errors"]
    assert [(e["line"], e["code"]) for e in errors] == [(2, "INVALID_SERIAL_NUMBER")], errors

    both = run_target(lab, "serial_csv", extra_vars={"csv_manifest": "manifest_123", "csv_content": text,
                                                     "csv_path": "/nonexistent.csv"})
    assert both.rc != 0
    assert "mutually exclusive" in both.result("Register the serials of the CSV")["msg"]
