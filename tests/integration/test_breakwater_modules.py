"""Breakwater ZTP modules against the lab (issue 4): idempotence, check mode, diff, errors, bulk serials."""
from __future__ import annotations

import csv
import math

import pytest

from tests.helpers.ansible import run_target

WRITE_TARGETS = ["manifest", "serial", "config", "cable_schedule"]
ERROR_CODES = {
    "MANIFEST_NOT_FOUND": "manifest_999",
    "DEVICE_NOT_FOUND": "device_999",
    "INVALID_SERIAL_NUMBER": "device_002",
    "SERIAL_ALREADY_REGISTERED": "device_009",
    "INSUFFICIENT_PERMISSIONS": "manifest_123",
    "CONFIG_GENERATION_FAILED": "sw-sub-01",
    "INVALID_MANIFEST_STATUS": None,  # the id of a manifest the target creates
    "DEPLOYMENT_IN_PROGRESS": "device_002",
}


def module_records(run):
    """Records of the collection's own tasks (not assert, uri, copy...)."""
    return [r for r in run.records if "api_calls" in r["result"]]


def diffs_of(record):
    diff = record["result"].get("diff")
    return diff if isinstance(diff, list) else [diff] if diff else []


def check_manifest(lab, run, tmp_path):
    created = run.result("Floor B manifest is ready")
    assert created["diff"]["before"] == {}
    assert created["diff"]["after"]["status"] == "ready"
    assert created["manifest"]["id"].startswith("manifest_")
    updated = run.result("Manifest 123 has the integration description")
    assert updated["diff"]["before"]["description"] != "Integration description"
    assert updated["diff"]["after"]["description"] == "Integration description"
    assert run.result("The unsafe manifest is absent")["diff"]["after"] == {}
    state = lab.bw("GET", "/manifests", params={"site_id": "site_unsafe"}).json()
    assert state["manifests"] == []


def check_serial(lab, run, tmp_path):
    swap = run.result("RMA swap of two Floor A switches, the firewall unchanged")
    assert swap["summary"] == {"unchanged": 1, "registered": 0, "replaced": 2, "failed": 0}
    assert "sw-prod-01 (device_002) FDO2301B001" in swap["diff"]["before"]
    assert "sw-prod-01 (device_002) FDO2401A001" in swap["diff"]["after"]
    floor_b = run.result("Register Floor B by hostname (normalised, MAC checked)")
    assert [r["status"] for r in floor_b["results"]] == ["registered"] * 3
    events = lab.bw("GET", "/events", params={"event_type": "serial_registered"}).json()["events"]
    passed = [e for e in events if e["details"].get("operator_id") == "user_integration"]
    assert len(passed) == 3 and {e["details"]["verification_method"] for e in passed} == {"barcode_scan"}


def check_config(lab, run, tmp_path):
    result = run.result("Floor A configs are generated and saved")
    paths = sorted(p.name for p in (tmp_path / "configs").iterdir())
    hostnames = ["fw-prod-01", "sw-prod-01", "sw-prod-02", "sw-prod-03", "sw-prod-04", "ap-prod-01", "ap-prod-02"]
    assert paths == sorted("%s.cfg" % h for h in hostnames)
    file_diffs = [d for d in result["diff"] if d.get("before_header", "").endswith(".cfg")]
    assert len(file_diffs) == 7 and all(d["before"] == "" and "hostname" in d["after"] or "edit" in d["after"]
                                        for d in file_diffs)


def check_cable_schedule(lab, run, tmp_path):
    result = run.result("Floor A cable schedule is saved")
    assert (tmp_path / "floor-a.pdf").read_bytes().startswith(b"%PDF")
    assert result["diff"]["before"] == "" and result["checksum"] in result["diff"]["after"]


FIRST_RUN_CHECKS = {"manifest": check_manifest, "serial": check_serial, "config": check_config,
                    "cable_schedule": check_cable_schedule}


@pytest.mark.parametrize("target", WRITE_TARGETS)
def test_check_mode_then_apply_then_unchanged(lab, target, tmp_path):
    extra = {"work_dir": str(tmp_path)}

    lab.reset_counters()
    check = run_target(lab, target, extra_vars=extra, check=True, diff=True)
    assert check.rc == 0, check.output
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
    FIRST_RUN_CHECKS[target](lab, first, tmp_path)

    lab.reset_counters()
    second = run_target(lab, target, extra_vars=extra, diff=True)
    assert second.rc == 0, second.output
    assert second.recap["localhost"]["changed"] == 0, second.changed_tasks
    assert lab.counters()["writes"] == 0


def test_info_modules_in_check_mode(lab):
    queued = lab.bw("POST", "/manifests/manifest_123/generate-configs", json={}).json()
    assert queued["devices_queued"] == 7
    lab.advance(60)
    lab.reset_counters()
    run = run_target(lab, "breakwater_info", check=True)
    assert run.rc == 0, run.output
    assert run.recap["localhost"]["failed"] == 0
    assert lab.counters()["writes"] == 0
    assert all(r["status"] == "ok" for r in module_records(run))


def test_each_error_code_reaches_the_user(lab, tmp_path):
    run = run_target(lab, "breakwater_errors", extra_vars={"work_dir": str(tmp_path)})
    assert run.rc == 0, run.output  # the target's own assert checks each failure
    for code, resource in ERROR_CODES.items():
        record = run.results(code)[-1]
        assert record["status"] == "ignored", (code, record["status"])
        error = record["result"]["error"]
        assert error["code"] == code
        assert error["message"]
        assert code in record["result"]["msg"]
        assert error["resource"] == (resource or run.result("An empty manifest is deployed")["manifest"]["id"])
        assert "Traceback" not in str(record["result"])
    failed = run.result("CONFIG_GENERATION_FAILED")["failed_devices"]
    assert [f["hostname"] for f in failed] == ["sw-sub-01", "sw-sub-02", "sw-sub-03"]
    assert {f["variable"] for f in failed} == {"radius_secret"}


def test_manifest_deploy_waits_and_names_failed_devices(lab):
    run = run_target(lab, "manifest_deploy")
    assert run.rc == 0, run.output
    assert run.results("Deploy Floor A and wait")[-1]["status"] == "ignored"
    result = run.result("Deploy Floor A and wait")
    assert "fw-prod-01" in result["msg"] and "ZTP_NOT_PROVISIONED" in result["msg"]
    assert [(d["hostname"], d["status_reason"]) for d in result["failed_devices"]] == [("fw-prod-01", "ZTP_NOT_PROVISIONED")]


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
