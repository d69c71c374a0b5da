# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Serial registration logic: normalisation, CSV parsing, validation and planning."""

from __future__ import annotations

import pytest

from ansible_collections.breakwater.ztp.plugins.module_utils.serials import (
    REGISTERED, REPLACED, UNCHANGED, Entry, entries_from_items, format_errors, normalize_mac,
    normalize_serial, parse_csv, plan_registrations, serial_problem, write_order,
)

DEVICES = [
    {"id": "device_001", "manifest_id": "m1", "hostname": "fw-01", "mac_address": "00:1A:2B:3C:4D:01",
     "serial_number": "FGT60FTK23000001", "status": "serial_registered"},
    {"id": "device_002", "manifest_id": "m1", "hostname": "sw-01", "mac_address": "00:1A:2B:3C:4D:02",
     "serial_number": None, "status": "pending"},
    {"id": "device_003", "manifest_id": "m1", "hostname": "sw-02", "mac_address": "00:1A:2B:3C:4D:03",
     "serial_number": "FDO2301B002", "status": "serial_registered"},
]


@pytest.mark.parametrize("raw, expected", [
    ("  fdo2401a001 ", "FDO2401A001"),
    ("\tFGT60FTK20000001\n", "FGT60FTK20000001"),
    (None, ""),
    (12345678, "12345678"),
])
def test_normalize_serial_strips_and_upper_cases(raw, expected):
    assert normalize_serial(raw) == expected


@pytest.mark.parametrize("serial, ok", [
    ("ABC123", True), ("A" * 20, True), ("ABC12", False), ("A" * 21, False),
    ("FDO-2401", False), ("FDO 2401", False), ("", False), ("FDO2401É", False),
])
def test_serial_format(serial, ok):
    assert (serial_problem(serial) is None) is ok


def test_normalize_mac_accepts_common_notations():
    assert normalize_mac("00:1A:2B:3C:4D:5E") == normalize_mac("001a.2b3c.4d5e") == normalize_mac("00-1a-2b-3c-4d-5e")


def test_parse_csv_header_any_order_extra_columns_bom_and_blank_lines():
    text = "\ufeffnotes,Serial_Number,hostname,mac_address\r\nx, fdo1 ,sw-01,00:1a:2b:3c:4d:02\r\n\r\ny,FDO2,sw-02,\r\n"
    entries, errors = parse_csv(text)
    assert errors == []
    assert [(e.line, e.hostname, e.serial_number, e.mac_address) for e in entries] == [
        (2, "sw-01", "FDO1", "00:1a:2b:3c:4d:02"), (4, "sw-02", "FDO2", None)]


def test_parse_csv_line_numbers_follow_quoted_newlines():
    entries, errors = parse_csv('hostname,serial_number,notes\nsw-01,FDO2401A001,"two\nlines"\nsw-02,FDO2401A002,\n')
    assert errors == []
    assert [e.line for e in entries] == [3, 4]


def test_parse_csv_without_required_columns():
    entries, errors = parse_csv("host,serial\nsw-01,FDO2401A001\n")
    assert entries == [] and errors[0]["code"] == "INVALID_CSV" and "hostname, serial_number" in errors[0]["message"]
    assert parse_csv("")[1][0]["code"] == "INVALID_CSV"


def test_plan_registers_skips_unchanged_and_needs_replace():
    entries = entries_from_items([
        {"hostname": "sw-01", "serial_number": "fdo2401a001"},
        {"device_id": "device_001", "serial_number": "FGT60FTK23000001"},
        {"hostname": "SW-02", "serial_number": "FDO2401A002"},
    ])
    plan, errors = plan_registrations(entries, DEVICES)
    assert [e["code"] for e in errors] == ["SERIAL_ALREADY_REGISTERED"]
    assert errors[0]["index"] == 2 and "replace=true" in errors[0]["message"]

    plan, errors = plan_registrations(entries, DEVICES, replace=True)
    assert errors == []
    assert [(p["device_id"], p["status"]) for p in plan] == [
        ("device_002", REGISTERED), ("device_001", UNCHANGED), ("device_003", REPLACED)]
    assert plan[2]["previous_serial_number"] == "FDO2301B002"


def test_every_error_is_listed_with_its_line():
    text = ("hostname,serial_number,mac_address\n"
            "sw-01,FDO2401A001,\n"          # 2 fine
            "sw-02,FDO-2401,\n"             # 3 malformed
            "fw-01,fdo2401a001,\n"          # 4 duplicate serial (of line 2)
            "sw-99,FDO2401A009,\n"          # 5 unknown hostname
            "sw-01,FDO2401A005,\n"          # 6 same device twice
            "sw-02,FDO2401A006,00:00:00:00:00:00\n")  # 7 wrong MAC, and sw-02 again
    entries, errors = parse_csv(text)
    plan, plan_errors = plan_registrations(entries, DEVICES, replace=True)
    errors += plan_errors
    by_line = {}
    for error in errors:
        by_line.setdefault(error["line"], set()).add(error["code"])
    assert by_line == {3: {"INVALID_SERIAL_NUMBER"}, 4: {"DUPLICATE_SERIAL_NUMBER"}, 5: {"DEVICE_NOT_FOUND"},
                       6: {"DUPLICATE_DEVICE"}, 7: {"VALIDATION_ERROR", "DUPLICATE_DEVICE"}}
    assert all(e["message"].startswith("line %d: " % e["line"]) for e in errors)
    message = format_errors(errors)
    assert all("line %d" % n in message for n in (3, 4, 5, 6, 7))


def test_serial_held_by_another_device_of_the_manifest():
    plan, errors = plan_registrations([Entry("FDO2301B002", hostname="sw-01", line=2)], DEVICES)
    assert [e["code"] for e in errors] == ["SERIAL_ALREADY_REGISTERED"]
    assert "sw-02" in errors[0]["message"] and errors[0]["resource"] == "sw-01"


def test_swap_within_the_input_frees_the_serial_first():
    entries = [Entry("FGT60FTK29999999", device_id="device_001", index=0),
               Entry("FDO2301B002", hostname="sw-01", index=1),
               Entry("FDO2401A777", hostname="sw-02", index=2)]
    plan, errors = plan_registrations(entries, DEVICES, replace=True)
    assert errors == []
    order = [p["device_id"] for p in write_order(plan)]
    assert order.index("device_003") < order.index("device_002")
