# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The scan sheet's rules (module_utils/scan_sheet.py): install order, rows, QR codes."""

from __future__ import annotations

import os

import pytest
import segno

from ansible_collections.breakwater.ztp.plugins.module_utils import scan_sheet as sheets

from ansible_collections.breakwater.ztp.plugins.module_utils.scan_sheet import (
    CSV_HEADER, key_marker, natural_key, qr_svg, scan_sheet, sheet_rows, with_qr_codes,
)
from ansible_collections.breakwater.ztp.plugins.module_utils.site_checks import model_code, model_fits

DEVICES = [
    {"hostname": "sw-prod-10", "device_type": "cisco_ie3300", "ip_address": "10.0.1.10"},
    {"hostname": "ap-prod-01", "device_type": "fortinet_fap231f", "ip_address": "10.0.3.1"},
    {"hostname": "sw-prod-2", "device_type": "cisco_ie3300", "ip_address": "10.0.1.2"},
    {"hostname": "fw-prod-01", "device_type": "fortigate_60f", "ip_address": "10.0.0.1"},
]


def hostnames(groups):
    return [[row["hostname"] for row in group["rows"]] for group in groups]


def test_without_waves_one_group_by_type_then_hostname_in_natural_order():
    groups = sheet_rows(DEVICES)
    assert [(g["wave"], g["pattern"]) for g in groups] == [(None, None)]
    assert hostnames(groups) == [["sw-prod-2", "sw-prod-10", "fw-prod-01", "ap-prod-01"]]


def test_a_row_has_the_type_its_model_code_and_the_ip_address():
    row = sheet_rows(DEVICES)[0]["rows"][0]
    assert row == {"number": 1, "hostname": "sw-prod-2", "device_type": "cisco_ie3300", "model_code": "3300",
                   "ip_address": "10.0.1.2"}
    fortigate = sheet_rows(DEVICES)[0]["rows"][2]
    assert fortigate["model_code"] == "60F"


def test_the_expected_model_is_the_rule_the_model_check_applies():
    # The sheet prints the code model_fits looks for: a model holding it fits, another does not.
    assert model_code("cisco_ie3300") == "3300" and model_fits("cisco_ie3300", "IE-3300-8T2S-E")
    assert model_code("fortinet_fap231f") == "231f" and not model_fits("fortinet_fap231f", "FortiAP-431F")
    assert model_code("generic") is None and model_code(None) is None


def test_waves_give_a_group_each_in_order_and_the_rest_last():
    waves = [{"number": 1, "pattern": "floor_a_firewalls", "hosts": ["fw-prod-01"]},
             {"number": 2, "pattern": "floor_a_switches", "hosts": ["sw-prod-10", "sw-prod-2"]}]
    groups = sheet_rows(DEVICES, waves)
    assert [(g["wave"], g["pattern"]) for g in groups] == [(1, "floor_a_firewalls"), (2, "floor_a_switches"),
                                                           (None, None)]
    assert hostnames(groups) == [["fw-prod-01"], ["sw-prod-2", "sw-prod-10"], ["ap-prod-01"]]
    assert [[row["number"] for row in g["rows"]] for g in groups] == [[1], [2, 3], [4]]  # across the waves


def test_one_wave_is_no_wave_and_an_empty_wave_keeps_its_number():
    assert hostnames(sheet_rows(DEVICES, [{"number": 1, "pattern": None, "hosts": ["fw-prod-01"]}])) == [
        ["sw-prod-2", "sw-prod-10", "fw-prod-01", "ap-prod-01"]]
    waves = [{"number": 1, "pattern": "nothing", "hosts": []},
             {"number": 2, "pattern": "all", "hosts": [d["hostname"] for d in DEVICES]}]
    groups = sheet_rows(DEVICES, waves)
    assert [g["wave"] for g in groups] == [1, 2] and hostnames(groups)[0] == []


def test_natural_key_orders_numbers_as_numbers():
    assert sorted(["sw-10", "sw-9", "sw-1a", "ap"], key=natural_key) == ["ap", "sw-1a", "sw-9", "sw-10"]


def test_qr_svg_is_a_full_qr_code_sized_by_css():
    svg = qr_svg("sw-prod-01")
    assert svg.startswith("<svg") and "viewBox" in svg and "width=" not in svg.split(">")[0]
    # A full QR code (version 1 is 21 modules, plus the 4-module quiet zone each side), not a Micro QR code.
    assert 'viewBox="0 0 29 29"' in svg


def test_scan_sheet_carries_every_row_its_qr_code_and_the_csv_header():
    sheet = with_qr_codes(scan_sheet({"ztp_site_id": "site_floor_a", "ztp_manifest_name": "Floor A"}, DEVICES,
                                     source="inventory"))
    assert sheet["device_total"] == 4 and sheet["source"] == "inventory"
    assert sheet["csv_header"] == CSV_HEADER == "hostname,serial_number"
    assert sheet["csv_header_qr_svg"].startswith("<svg")
    assert all(row["qr_svg"].startswith("<svg") for g in sheet["groups"] for row in g["rows"])


def test_the_key_tells_whether_the_page_would_show_something_else():
    floor = {"ztp_site_id": "site_floor_a", "ztp_manifest_name": "Floor A"}
    key = scan_sheet(floor, DEVICES)["key"]
    assert scan_sheet(floor, list(reversed(DEVICES)))["key"] == key  # the same rows in the same order
    moved = [dict(d, ip_address="10.9.9.9") if d["hostname"] == "fw-prod-01" else d for d in DEVICES]
    assert scan_sheet(floor, moved)["key"] != key
    assert scan_sheet(floor, DEVICES, source="inventory")["key"] != key
    waves = [{"number": 1, "pattern": "a", "hosts": ["fw-prod-01"]}, {"number": 2, "pattern": "all", "hosts": []}]
    assert scan_sheet(floor, DEVICES, waves)["key"] != key
    assert key_marker(scan_sheet(floor, DEVICES)) == '<meta name="breakwater-ztp-scan-sheet" content="%s">' % key


@pytest.mark.parametrize("devices", [[], [{"hostname": "x-1", "device_type": None, "ip_address": None}]])
def test_odd_inputs_do_not_break_the_rows(devices):
    groups = sheet_rows(devices)
    assert len(groups) == 1 and len(groups[0]["rows"]) == len(devices)


def test_codes_drawn_ahead_in_a_thread_are_the_codes_the_sheet_draws(monkeypatch):
    monkeypatch.setattr(sheets, "_DRAWN", {})
    expected = dict((text, segno.make(text, error="m", micro=False).svg_inline(scale=1, border=4, omitsize=True))
                    for text in ("sw-ahead-01", "fw-ahead-01", sheets.CSV_HEADER))
    sheets.draw_ahead(["sw-ahead-01", "fw-ahead-01"]).join()
    assert sheets._DRAWN == expected  # the CSV header's code too: every sheet prints it
    made = []
    monkeypatch.setattr(sheets.segno, "make", lambda *a, **k: made.append(a))
    assert sheets.qr_svg("sw-ahead-01") == expected["sw-ahead-01"] and made == []  # found, not drawn again


def test_a_big_sheets_codes_are_drawn_in_a_child_process_and_kept_here(monkeypatch):
    """From DRAW_IN_PROCESS_FROM codes the drawing runs in a forked process (not holding this interpreter's lock):
    the codes come back the same, and none was drawn in this process."""
    monkeypatch.setattr(sheets, "_DRAWN", {})
    monkeypatch.setattr(sheets, "DRAW_IN_PROCESS_FROM", 3)
    texts = ["sw-big-01", "sw-big-02", "fw-big-01"]
    expected = dict((text, segno.make(text, error="m", micro=False).svg_inline(scale=1, border=4, omitsize=True))
                    for text in [sheets.CSV_HEADER] + texts)
    here = []
    make = sheets.segno.make
    monkeypatch.setattr(sheets.segno, "make", lambda *a, **k: here.append(os.getpid()) or make(*a, **k))
    drawing = sheets.draw_ahead(texts)
    assert isinstance(drawing, sheets.DrawingProcess)
    drawing.join()
    assert sheets._DRAWN == expected and here == []


def fail_to_draw(texts):
    raise RuntimeError("no codes for %s" % texts)


def test_a_drawing_process_that_fails_leaves_the_codes_to_the_sheet(monkeypatch):
    monkeypatch.setattr(sheets, "_DRAWN", {})
    monkeypatch.setattr(sheets, "draw_all", fail_to_draw)  # what the child process runs
    drawing = sheets.DrawingProcess(["sw-fails-01"])
    drawing.join()
    assert sheets._DRAWN == {} and drawing.pool is None
    assert sheets.qr_svg("sw-fails-01").startswith("<svg")  # drawn here, when the sheet asks for it
