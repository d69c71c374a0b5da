"""The pages a person opens (issue 21), checked in a real browser: the scan sheet and the report.

A site is rolled out against the lab; headless Chromium (Debian package ``chromium``, installed by
scripts/setup.sh) then prints the scan sheet to PDF, and every QR code on the printed pages must decode
(zxing-cpp) back to its device's hostname; it loads the report, runs its script and dumps the DOM, which
must hold one timeline row per device. The bound on the time a page takes to open is generous (a shared
two-core machine); what it guards against is a page that takes tens of seconds.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.helpers.ansible import REPO, run_playbook
from tests.integration.test_rollout import write_site_inventory

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(not CHROMIUM, reason="chromium is not installed (scripts/setup.sh installs it)")

EXAMPLE = REPO / "examples" / "site_floor_a"
FLOOR_A = ["ap-prod-01", "ap-prod-02", "fw-prod-01", "sw-prod-01", "sw-prod-02", "sw-prod-03", "sw-prod-04"]
OPENS_WITHIN = 30  # seconds for Chromium to start, load the page, run its script and dump it (measured: 2-7 s)


def chromium(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess, float]:
    """Run headless Chromium once (as root it needs --no-sandbox); the result and how long it took."""
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run",
               "--user-data-dir=%s" % (tmp_path / "chromium-profile")] + list(args)
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False,
                          stdin=subprocess.DEVNULL)
    return done, time.monotonic() - started


def printed_qr_codes(tmp_path: Path, page: Path) -> tuple[list[str], int]:
    """The texts of the QR codes on the page as Chromium prints it, in page order; and the number of pages."""
    import pypdfium2
    import zxingcpp

    pdf = tmp_path / (page.stem + ".pdf")
    done, _seconds = chromium(tmp_path, "--no-pdf-header-footer", "--print-to-pdf=%s" % pdf, page.as_uri())
    assert pdf.is_file(), done.stderr[-2000:]
    document = pypdfium2.PdfDocument(str(pdf))
    texts = []
    for sheet in document:
        image = sheet.render(scale=150 / 72).to_pil()  # 150 dpi, a phone camera's view of a printed page
        texts += [code.text for code in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]
    return texts, len(document)


class Rows(HTMLParser):
    """The timeline's device rows of a DOM dump: per row its attributes (data-name, data-status, hidden) and
    the text of its FortiZTP cell (``fortiztp``, as a person reads it)."""

    def __init__(self):
        super().__init__()
        self.rows, self.forms, self.output, self._in = [], [], "", None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "tr" and "data-name" in attributes:
            self.rows.append(attributes)
        elif tag == "form":
            self.forms.append(attributes)
        if tag == "output":
            self._in = "output"
        elif tag == "td" and attributes.get("class") == "fortiztp" and self.rows:
            self._in = "fortiztp"
            self.rows[-1]["fortiztp"] = ""

    def handle_endtag(self, tag):
        if tag in ("output", "td"):
            self._in = None

    def handle_data(self, data):
        if self._in == "output":
            self.output += data
        elif self._in == "fortiztp":
            self.rows[-1]["fortiztp"] += data


def opened_report(tmp_path: Path, page: Path, query: str = "") -> tuple[Rows, float]:
    """The report as Chromium shows it once its script ran: its rows, and how long it took to open."""
    done, seconds = chromium(tmp_path, "--dump-dom", page.as_uri() + query)
    assert done.returncode == 0 and "</html>" in done.stdout, done.stderr[-2000:]
    rows = Rows()
    rows.feed(done.stdout)
    return rows, seconds


def test_example_site_scan_sheet_and_report_as_a_person_sees_them(lab, tmp_path):
    out = tmp_path / "out"
    rollout = run_playbook(lab, "playbooks/site_rollout.yml", inventory=str(EXAMPLE / "hosts.yml"),
                           extra_vars={"ztp_output_dir": str(out)})
    assert rollout.rc == 0, rollout.output[-6000:]
    folder = out / "reports" / "site_floor_a"
    sheet, report = folder / "scan-sheet.html", folder / "rollout-report.html"
    assert rollout.result("Roll out the site and write its report")["scan_sheet_html"] == \
        str(sheet)

    # On demand: the same page (the rollout wrote it), so nothing changes; one read, no write.
    lab.reset_counters()
    again = run_playbook(lab, "playbooks/scan_sheet.yml", inventory=str(EXAMPLE / "hosts.yml"),
                         extra_vars={"ztp_output_dir": str(out)})
    assert again.rc == 0, again.output[-6000:]
    assert again.result("Write the scan sheet")["changed"] is False and again.changed_tasks == []
    assert lab.counters()["writes"] == 0

    texts, pages = printed_qr_codes(tmp_path, sheet)
    assert texts[0] == "hostname,serial_number"
    # Install order: by type, then hostname (cisco_ie3300, fortigate_60f, fortinet_fap231f).
    assert texts[1:] == ["sw-prod-01", "sw-prod-02", "sw-prod-03", "sw-prod-04", "fw-prod-01", "ap-prod-01",
                         "ap-prod-02"]
    assert pages == 1

    rows, seconds = opened_report(tmp_path, report)
    assert sorted(row["data-name"] for row in rows.rows) == FLOOR_A
    assert all(row["data-status"] == "online" and "hidden" not in row for row in rows.rows)
    assert "hidden" not in rows.forms[0] and rows.output == "7 of 7 devices shown"  # the script ran
    # Where FortiZTP has each Fortinet unit: on the site's FortiManager with its script, nothing to move.
    fortiztp = dict((row["data-name"], row["fortiztp"]) for row in rows.rows)
    assert [name for name, cell in sorted(fortiztp.items()) if cell] == ["ap-prod-01", "ap-prod-02", "fw-prod-01"]
    assert re.fullmatch(r"provisioned in FortiZTP \(FortiManager FMG-VM0000000001 \(oid \d+\), default script\)",
                        fortiztp["fw-prod-01"]), fortiztp
    assert seconds < OPENS_WITHIN, seconds
    # A link can open it filtered: the script hides the other rows.
    filtered, _seconds = opened_report(tmp_path, report, "?name=SW-PROD")
    assert sorted(row["data-name"] for row in filtered.rows if "hidden" not in row) == FLOOR_A[3:]
    assert filtered.output == "4 of 7 devices shown"


def test_scan_sheet_before_the_manifest_exists_and_in_check_mode(lab, tmp_path):
    out = tmp_path / "out"
    check = run_playbook(lab, "playbooks/scan_sheet.yml", inventory=str(EXAMPLE / "hosts.yml"), check=True,
                         extra_vars={"ztp_output_dir": str(out)})
    assert check.rc == 0, check.output[-6000:]
    assert check.result("Write the scan sheet")["changed"] is True  # it would write the page
    assert not (out / "reports" / "site_floor_a" / "scan-sheet.html").exists()

    real = run_playbook(lab, "playbooks/scan_sheet.yml", inventory=str(EXAMPLE / "hosts.yml"),
                        extra_vars={"ztp_output_dir": str(out)})
    assert real.rc == 0 and real.changed_tasks == ["Write the scan sheet"], real.output[-6000:]
    assert lab.counters()["writes"] == 0
    page = (out / "reports" / "site_floor_a" / "scan-sheet.html").read_text()
    assert "The manifest does not exist yet" in page  # the inventory's devices, no IP addresses yet
    texts, _pages = printed_qr_codes(tmp_path, out / "reports" / "site_floor_a" / "scan-sheet.html")
    assert sorted(texts[1:]) == FLOOR_A

    rerun = run_playbook(lab, "playbooks/scan_sheet.yml", inventory=str(EXAMPLE / "hosts.yml"),
                         extra_vars={"ztp_output_dir": str(out)})
    assert rerun.rc == 0 and rerun.changed_tasks == [], rerun.output[-6000:]


@pytest.mark.slow
def test_1000_device_site_in_waves_scan_sheet_and_report(lab, tmp_path):
    manifest_id = lab.synthetic(1000)
    inventory = write_site_inventory(lab, manifest_id, tmp_path / "site")
    manifest = lab.bw("GET", "/manifests/%s" % manifest_id).json()
    hostnames = sorted(d["hostname"] for d in manifest["devices"])
    out = tmp_path / "out"
    rollout = run_playbook(lab, "playbooks/site_rollout.yml", inventory=str(inventory),
                           extra_vars={"ztp_output_dir": str(out), "rollout_wave_size": 250})
    assert rollout.rc == 0, rollout.output[-6000:]
    folder = out / "reports" / manifest["site_id"]
    report = json.loads((folder / "rollout-report.json").read_text())
    assert report["counts"] == {"online": 1000} and len(report["waves"]) == 4

    texts, pages = printed_qr_codes(tmp_path, folder / "scan-sheet.html")
    assert texts[0] == "hostname,serial_number"
    assert sorted(texts[1:]) == hostnames  # every QR code on the printed pages decodes to its device
    assert pages > 50

    rows, seconds = opened_report(tmp_path, folder / "rollout-report.html")
    assert sorted(row["data-name"] for row in rows.rows) == hostnames  # one timeline row per device
    assert sorted(set(row["data-wave"] for row in rows.rows)) == ["1", "2", "3", "4"]
    assert rows.output == "1000 of 1000 devices shown"
    assert seconds < OPENS_WITHIN, seconds
    wave_two, _seconds = opened_report(tmp_path, folder / "rollout-report.html", "?wave=2")
    assert wave_two.output == "250 of 1000 devices shown"
    print("report of 1,000 devices: %d bytes, opened and dumped by Chromium in %.1f s" % (
        os.path.getsize(folder / "rollout-report.html"), seconds))
