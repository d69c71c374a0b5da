# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The scan sheet: the printed page a technician scans serials from, one row per device in install order.

The rows and their QR codes come from the site's devices and waves (no I/O; the codes are kept per process
and can be drawn ahead in a thread); the page is a template over ``scan_sheet(...)``. Scanning a row's QR
code (its hostname) then the unit's serial barcode gives the ``hostname,serial_number`` lines that
``register_serials`` takes (``serials_csv``).
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import re
import threading
from concurrent.futures import ProcessPoolExecutor

from ansible_collections.breakwater.ztp.plugins.module_utils.site_checks import model_code

try:
    import segno
except ImportError:  # reported by qr_svg's caller, with the library's name
    segno = None

SCAN_SHEET = "scan-sheet.html"
# The header register_serials needs first in the CSV: the sheet prints it with its own QR code.
CSV_HEADER = "hostname,serial_number"


DIGIT_RUNS = re.compile(r"(\d+)")


def natural_key(text):
    """``sw-2`` before ``sw-10``: digit runs compare as numbers."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in DIGIT_RUNS.split(str(text or "")) if part]


# The codes drawn in this process, by text: drawing is ~2 ms a code (segno tries the eight masks), so a rollout
# draws its devices' codes ahead, while it waits for the APIs (draw_ahead), and the report finds them here.
_DRAWN = {}
# From this many codes they are drawn in a child process, not a thread: drawing holds the interpreter lock, and
# beside 1,000 codes in a thread each HTTP read of the rollout waited for it (a 1,000-device manifest read took
# ~0.1 s longer). Below it, starting a process costs more than the drawing.
DRAW_IN_PROCESS_FROM = 200


def qr_svg(text):
    """An inline ``<svg>`` of a (full-size, not Micro) QR code holding ``text``; sized by CSS (viewBox only)."""
    if segno is None:
        raise ImportError("the scan sheet needs the Python library segno (pip install segno)")
    svg = _DRAWN.get(text)
    if svg is None:
        svg = _DRAWN[text] = segno.make(text, error="m", micro=False).svg_inline(scale=1, border=4, omitsize=True)
    return svg


def draw_all(texts):
    """The inline ``<svg>`` of each of ``texts`` (what a child process drawing ahead sends back)."""
    return [qr_svg(text) for text in texts]


class DrawingProcess(object):
    """The codes of ``texts`` drawn in a forked child process; ``join()`` keeps them in ``_DRAWN``. If the
    process cannot be had or fails, ``join()`` keeps nothing: the sheet draws the codes it misses itself."""

    def __init__(self, texts):
        self.texts, self.pool, self.future = texts, None, None
        try:
            self.pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"))
            self.future = self.pool.submit(draw_all, texts)
        except (OSError, ValueError, RuntimeError):
            self.shutdown()

    def join(self):
        try:
            if self.future is not None:
                _DRAWN.update(zip(self.texts, self.future.result()))
        except Exception:  # pylint: disable=broad-except  # drawn again here, in qr_svg
            pass
        finally:
            self.shutdown()

    def shutdown(self):
        if self.pool is not None:
            self.pool.shutdown(wait=True)
            self.pool = None


def draw_ahead(texts):
    """Draw the QR codes of ``texts`` in the background: a thread, or a child process from
    ``DRAW_IN_PROCESS_FROM`` codes; returns it (``join()`` it before the sheet is made).
    Without segno, nothing is drawn: the sheet says why."""
    texts = [CSV_HEADER] + list(texts)
    if segno is not None and len(texts) >= DRAW_IN_PROCESS_FROM:
        return DrawingProcess(texts)
    thread = threading.Thread(target=lambda: draw_all(texts) if segno is not None else None,
                              name="scan-sheet-qr-codes", daemon=True)
    thread.start()
    return thread


def sheet_rows(devices, waves=None):
    """The devices in install order, in groups: ``[{"wave", "pattern", "rows"}]``.

    Without waves (or with one) a single group (``wave`` None) sorted by device type then hostname;
    with waves a group per wave in order, each sorted the same way, and the devices no wave holds in a
    last group (``wave`` None). A row: ``number`` (its place in the install order), ``hostname``, ``device_type``, ``model_code`` (what the unit's
    label must show, the rule the serials step checks the detected model with), ``ip_address``.
    """
    def ordered(items):
        return sorted(items, key=lambda d: (str(d.get("device_type") or ""), natural_key(d.get("hostname"))))

    def row(device):
        code = model_code(device.get("device_type"))
        return {"hostname": device.get("hostname"), "device_type": device.get("device_type"),
                "model_code": code.upper() if code else None, "ip_address": device.get("ip_address")}

    by_name = dict((d.get("hostname"), d) for d in devices)
    if not waves or len(waves) < 2:
        return numbered([{"wave": None, "pattern": None, "rows": [row(d) for d in ordered(devices)]}])
    groups, placed = [], set()
    for wave in waves:
        members = [by_name[host] for host in wave["hosts"] if host in by_name and host not in placed]
        placed.update(d["hostname"] for d in members)
        groups.append({"wave": wave["number"], "pattern": wave.get("pattern"), "rows": [row(d) for d in ordered(members)]})
    left = [d for d in devices if d.get("hostname") not in placed]
    if left:
        groups.append({"wave": None, "pattern": None, "rows": [row(d) for d in ordered(left)]})
    return numbered(groups)


def numbered(groups):
    """Each row's ``number``: its place in the install order, across the groups (from 1)."""
    number = 0
    for group in groups:
        for item in group["rows"]:
            number += 1
            item["number"] = number
    return groups


def scan_sheet(site, devices, waves=None, source="manifest"):
    """What the scan sheet page shows, without its QR codes (``with_qr_codes`` adds them): the site, the groups
    of rows and the CSV header; ``source`` says where the devices came from (``manifest`` or ``inventory``: then
    the IP addresses are unknown until the manifest exists). ``key`` is a digest of all of it: a page that
    carries the same key shows the same, so a rerun need not draw a thousand QR codes again."""
    groups = sheet_rows(devices, waves)
    sheet = {"site_id": site.get("ztp_site_id"), "manifest_name": site.get("ztp_manifest_name"), "source": source,
             "device_total": sum(len(g["rows"]) for g in groups), "groups": groups, "csv_header": CSV_HEADER}
    sheet["key"] = hashlib.sha256(json.dumps(sheet, sort_keys=True).encode("utf-8")).hexdigest()
    return sheet


def with_qr_codes(sheet):
    """``sheet`` with a QR code (``qr_svg``) on every row and on the CSV header (``csv_header_qr_svg``)."""
    for group in sheet["groups"]:
        for item in group["rows"]:
            item["qr_svg"] = qr_svg(item["hostname"])
    sheet["csv_header_qr_svg"] = qr_svg(sheet["csv_header"])
    return sheet


def key_marker(sheet):
    """The line of the page that carries its key (the template writes it from ``sheet.key``)."""
    return '<meta name="breakwater-ztp-scan-sheet" content="%s">' % sheet["key"]
