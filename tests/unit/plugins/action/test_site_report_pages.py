# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pages site_report renders (report, index, scan sheet): autoescaped, whatever the APIs hold."""

from __future__ import annotations

from pathlib import Path

from ansible_collections.breakwater.ztp.plugins.action.site_report import ActionModule
from ansible_collections.breakwater.ztp.plugins.module_utils.scan_sheet import key_marker, scan_sheet, with_qr_codes
from ansible_collections.breakwater.ztp.plugins.module_utils import site_planning
from ansible_collections.breakwater.ztp.plugins.module_utils.site_results import build_report, fortiztp_columns, run_index
from ansible_collections.breakwater.ztp.plugins.module_utils.timeline import timeline

TEMPLATES = Path(__file__).resolve().parents[4] / "roles" / "rollout" / "templates"
NAME = '<script>alert("name")</script>'
REASON = "<img src=x onerror=alert(1)> & <b>bold</b>"


def manifest():
    return {"id": "manifest_1", "status": "ready", "topology_source": "helm_<t>", "devices": [
        {"id": "device_1", "hostname": "sw-01", "device_type": "cisco_ie3300", "serial_number": "FDO2401A001",
         "status": "failed", "status_reason": REASON, "ip_address": "10.0.0.2"},
        {"id": "device_2", "hostname": "<i>sw-02</i>", "device_type": "cisco_ie3300", "serial_number": None,
         "status": "pending", "status_reason": None, "ip_address": "10.0.0.3"}]}


def report():
    return build_report({"ztp_site_id": "site_<1>", "ztp_manifest_name": NAME}, manifest(), [], ["sw-01"])


def test_the_report_escapes_a_manifest_name_and_a_device_reason_holding_html():
    data = report()
    page = ActionModule.render(str(TEMPLATES / "rollout-report.html.j2"),
                               {"rollout_report": data, "rollout_timeline": timeline(data)})
    assert NAME not in page and REASON not in page and "<i>sw-02</i>" not in page
    assert "&lt;script&gt;alert(&#34;name&#34;)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in page
    assert "&lt;i&gt;sw-02&lt;/i&gt;" in page and "site_&lt;1&gt;" in page
    # The page's own markup is not escaped: its script and the timeline's rows are there.
    assert page.count("<script>") == 1 and page.count('data-name="') == 2


def test_the_index_escapes_what_it_shows():
    entry = {"site_id": "site_<1>", "manifest": NAME, "result": "failed", "error": REASON, "counts": {"<x>": 1},
             "device_total": 1, "report_html": 'a"b/rollout-report.html', "report_json": "a/rollout-report.json"}
    index = run_index(None, "run-1", ["site_<1>"], "site_<1>", entry)
    page = ActionModule.render(str(TEMPLATES / "rollout-index.html.j2"), {"rollout_index": index})
    assert NAME not in page and REASON not in page and "<x>" not in page
    assert "&lt;script&gt;" in page and "&lt;img src=x" in page and 'href="a&#34;b/rollout-report.html"' in page


def test_the_scan_sheet_escapes_names_and_keeps_its_qr_codes():
    sheet = with_qr_codes(scan_sheet({"ztp_site_id": "site_1", "ztp_manifest_name": NAME}, manifest()["devices"]))
    page = ActionModule.render(str(TEMPLATES / "scan-sheet.html.j2"), {"scan_sheet": sheet})
    assert key_marker(sheet) in page  # what a rerun compares before drawing the QR codes again
    assert NAME not in page and "<i>sw-02</i>" not in page and "&lt;i&gt;sw-02&lt;/i&gt;" in page
    # The SVG the collection builds is the only markup marked safe: one per device plus the CSV header's.
    assert page.count("<svg") == 3 and "&lt;svg" not in page
    assert "hostname,serial_number" in page and "label shows <strong>3300</strong>" in page


def test_a_partial_report_and_index_name_the_devices_not_in_the_run():
    data = build_report({"ztp_site_id": "site_1", "ztp_manifest_name": "Floor"}, manifest(), [], [],
                        held=["sw-01"])
    assert data["result"] == "partial" and data["not_in_run"] == ["<i>sw-02</i>"]
    page = ActionModule.render(str(TEMPLATES / "rollout-report.html.j2"),
                               {"rollout_report": data, "rollout_timeline": timeline(data)})
    assert '<span class="result partial">PARTIAL</span>' in page
    assert '<div class="partial" id="not-in-run"><strong>Not in this run (1):</strong>' in page
    assert "&lt;i&gt;sw-02&lt;/i&gt;." in page and "<i>sw-02</i>" not in page
    entry = {"site_id": "site_1", "manifest": "Floor", "result": "partial", "counts": {}, "device_total": 2,
             "not_in_run": ["sw-02", "sw-03"], "report_html": "s/r.html", "report_json": "s/r.json"}
    index = ActionModule.render(str(TEMPLATES / "rollout-index.html.j2"),
                                {"rollout_index": run_index(None, "run-1", ["site_1"], "site_1", entry)})
    assert '<tr class="partial">' in index and "<td>sw-02, sw-03</td>" in index and "<code>run-1</code>" in index


def test_the_report_shows_where_fortiztp_has_a_fortinet_unit_and_where_it_goes():
    fortigate = {"id": "device_3", "hostname": "fw-01", "device_type": "fortigate_60f", "status": "online",
                 "serial_number": "FGT60F0000000001", "status_reason": None}
    elsewhere = {"deviceSN": "FGT60F0000000001", "provisionStatus": "provisioned", "provisionTarget": "FortiManager",
                 "fortiManagerOid": 2, "useDefaultScript": False}
    wanted = {"provisionTarget": "FortiManager", "fortiManagerOid": 1, "useDefaultScript": True}
    names = {1: "FMG-VM0000000001", 2: "FMG-<b>9</b>"}
    columns = site_planning.fortiztp_columns(elsewhere, wanted, names)  # as the plan's row holds them
    data = build_report({"ztp_site_id": "site_1", "ztp_manifest_name": "Plant A"},
                        dict(manifest(), devices=manifest()["devices"] + [fortigate]), [], ["fw-01"],
                        fortiztp={"fw-01": fortiztp_columns(dict(columns, hostname="fw-01"))})
    page = ActionModule.render(str(TEMPLATES / "rollout-report.html.j2"),
                               {"rollout_report": data, "rollout_timeline": timeline(data)})
    cell = page[page.index('<td class="fortiztp">', page.index('data-name="fw-01"')):]
    cell = cell[:cell.index("</td>")]
    assert "<th>FortiZTP</th>" in page
    assert "provisioned in FortiZTP (FortiManager FMG-&lt;b&gt;9&lt;/b&gt; (oid 2), no default script)" in cell
    assert ('<small class="mismatch">not where the site wants it: provisioned to FortiManager FMG-&lt;b&gt;9&lt;/b&gt; '
            "(oid 2), no default script, goes to FortiManager FMG-VM0000000001 (oid 1), default script</small>") in cell
    # A switch is no Fortinet unit: its FortiZTP cell stays empty.
    switch = page[page.index('data-name="sw-01"'):]
    assert '<td class="fortiztp"></td>' in switch[:switch.index("</tr>")]
