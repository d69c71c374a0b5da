# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Serial number registration without I/O: normalisation, CSV parsing, validation and planning.

The serial module reads the manifest's devices once, hands them and the user's input to
:func:`plan_registrations`, and writes only when the plan holds no error. Everything here is
pure so the unit tests cover it without a server.
"""

from __future__ import annotations

import csv
import io
import re

SERIAL_PATTERN = re.compile(r"^[A-Z0-9]{6,20}$")
SERIAL_RULE = "6-20 characters A-Z and 0-9"
DEFAULT_BATCH_SIZE = 100

# Outcomes of one item.
UNCHANGED = "unchanged"
REGISTERED = "registered"
REPLACED = "replaced"
FAILED = "failed"


def normalize_serial(value):
    """A serial as the API expects it: surrounding white space removed, upper case.

    Barcode scanners and spreadsheets add both; the API accepts only A-Z and 0-9.
    """
    if value is None:
        return ""
    return str(value).strip().upper()


def serial_problem(serial):
    """Why a normalised serial is invalid, or None."""
    if not serial:
        return "is empty"
    if not SERIAL_PATTERN.match(serial):
        return "is not %s" % SERIAL_RULE
    return None


def normalize_mac(value):
    """A MAC address as 12 lower-case hex digits, for comparing ``00:1A:..`` with ``001a.2b..``."""
    if value is None:
        return ""
    return re.sub(r"[^0-9a-f]", "", str(value).strip().lower())


def mac_problem(mac):
    digits = normalize_mac(mac)
    if len(digits) != 12 or not re.match(r"^[0-9a-fA-F:.\-\s]+$", str(mac).strip()):
        return "is not a MAC address"
    return None


class Entry(object):
    """One requested registration, with where it came from (CSV line or list index)."""

    def __init__(self, serial_number, device_id=None, hostname=None, mac_address=None, line=None, index=None):
        self.serial_number = normalize_serial(serial_number)
        self.raw_serial = serial_number
        self.device_id = device_id.strip() if isinstance(device_id, str) else device_id
        self.hostname = hostname.strip() if isinstance(hostname, str) else hostname
        self.mac_address = mac_address.strip() if isinstance(mac_address, str) and mac_address.strip() else None
        self.line = line
        self.index = index

    @property
    def where(self):
        if self.line is not None:
            return "line %d" % self.line
        if self.index is not None:
            return "serials[%d]" % self.index
        return self.name or "input"

    @property
    def name(self):
        return self.hostname if self.hostname else self.device_id

    def location(self):
        return {"line": self.line} if self.line is not None else ({"index": self.index} if self.index is not None else {})


def input_error(entry, field, value, code, reason):
    """One validation error as returned to the user; every error names where, what and why."""
    error = entry.location() if entry is not None else {}
    error.update(field=field, value=value, code=code,
                 message="%s%s %r %s (%s)" % ("%s: " % entry.where if entry is not None else "", field, value, reason, code))
    if entry is not None and entry.name:
        error["resource"] = entry.name
    return error


def parse_csv(text):
    """Entries and errors from a CSV with a header row naming ``hostname`` and ``serial_number``.

    ``mac_address`` is optional; other columns are ignored; blank lines are skipped. Line
    numbers are the file's physical lines (1 is the header), as a spreadsheet shows them.
    """
    entries, errors = [], []
    if text.startswith("\ufeff"):  # Excel writes a byte order mark
        text = text[1:]
    reader = csv.reader(io.StringIO(text))
    header = None
    header_line = 0
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if header is None:
            header = [cell.strip().lower() for cell in row]
            header_line = line
            missing = [c for c in ("hostname", "serial_number") if c not in header]
            if missing:
                errors.append({"line": line, "field": "header", "value": ",".join(row), "code": "INVALID_CSV",
                               "message": "line %d: the header must name the columns hostname and serial_number "
                                          "(optional mac_address); missing %s" % (line, ", ".join(missing))})
                return entries, errors
            continue
        cells = dict(zip(header, (cell.strip() for cell in row)))
        entries.append(Entry(cells.get("serial_number"), hostname=cells.get("hostname"),
                             mac_address=cells.get("mac_address"), line=line))
    if header is None:
        errors.append({"line": header_line or 1, "field": "header", "value": "", "code": "INVALID_CSV",
                       "message": "the CSV is empty; it needs a header row hostname,serial_number"})
    return entries, errors


def entries_from_items(items):
    """Entries from the ``serials`` option (a list of dicts)."""
    return [Entry(item.get("serial_number"), device_id=item.get("device_id"), hostname=item.get("hostname"),
                  mac_address=item.get("mac_address"), index=index)
            for index, item in enumerate(items)]


class DeviceIndex(object):
    """The devices of one read, looked up by id, hostname (exact, else case-insensitive) and serial."""

    def __init__(self, devices):
        self.devices = list(devices)
        self.by_id = dict((d.get("id"), d) for d in self.devices)
        self.by_hostname = {}
        self.by_hostname_folded = {}
        self.by_serial = {}
        for device in self.devices:
            hostname = device.get("hostname")
            if hostname is not None:
                self.by_hostname.setdefault(hostname, []).append(device)
                self.by_hostname_folded.setdefault(hostname.lower(), []).append(device)
            if device.get("serial_number"):
                self.by_serial[device["serial_number"]] = device

    def lookup(self, entry):
        """(device, problem); problem is None when exactly one device matches."""
        if entry.device_id:
            device = self.by_id.get(entry.device_id)
            if device is None:
                return None, ("device_id", entry.device_id, "DEVICE_NOT_FOUND", "is not a device of this manifest")
            if entry.hostname and device.get("hostname") != entry.hostname:
                return None, ("hostname", entry.hostname, "DEVICE_NOT_FOUND",
                              "is not the hostname of device %s (%s)" % (entry.device_id, device.get("hostname")))
            return device, None
        if not entry.hostname:
            return None, ("hostname", entry.hostname, "VALIDATION_ERROR", "is missing; give hostname or device_id")
        matches = self.by_hostname.get(entry.hostname) or self.by_hostname_folded.get(entry.hostname.lower()) or []
        if not matches:
            return None, ("hostname", entry.hostname, "DEVICE_NOT_FOUND", "is not a device of this manifest")
        if len(matches) > 1:
            return None, ("hostname", entry.hostname, "VALIDATION_ERROR",
                          "matches %d devices (%s); give device_id instead" % (
                              len(matches), ", ".join(d.get("id") for d in matches)))
        return matches[0], None


def plan_registrations(entries, devices, replace=False):
    """Validate every entry against the devices; returns (plan, errors).

    ``plan`` holds one dict per entry: device_id, hostname, manifest_id, serial_number,
    previous_serial_number, status (``unchanged``, ``registered`` or ``replaced``) and where the
    entry came from. ``errors`` lists every problem found; when it is not empty nothing may be
    written. A device that already holds the serial is ``unchanged``; one holding a different
    serial is an error unless ``replace`` (an RMA swap).
    """
    index = DeviceIndex(devices)
    errors = []
    plan = []
    seen_serials = {}
    seen_devices = {}
    for entry in entries:
        problems = []
        problem = serial_problem(entry.serial_number)
        if problem:
            problems.append(("serial_number", entry.raw_serial if entry.raw_serial is not None else "",
                             "INVALID_SERIAL_NUMBER", problem))
        device, lookup_problem = index.lookup(entry)
        if lookup_problem:
            problems.append(lookup_problem)
        if entry.mac_address is not None:
            problem = mac_problem(entry.mac_address)
            if problem:
                problems.append(("mac_address", entry.mac_address, "VALIDATION_ERROR", problem))
            elif device is not None and device.get("mac_address") and \
                    normalize_mac(device["mac_address"]) != normalize_mac(entry.mac_address):
                problems.append(("mac_address", entry.mac_address, "VALIDATION_ERROR",
                                 "does not match the MAC address of %s (%s)" % (device.get("hostname"),
                                                                                device.get("mac_address"))))
        if entry.serial_number and not serial_problem(entry.serial_number):
            first = seen_serials.get(entry.serial_number)
            if first is not None:
                problems.append(("serial_number", entry.serial_number, "DUPLICATE_SERIAL_NUMBER",
                                 "appears more than once in the input (first at %s)" % first.where))
            else:
                seen_serials[entry.serial_number] = entry
        if device is not None:
            first = seen_devices.get(device.get("id"))
            if first is not None:
                problems.append(("hostname" if entry.hostname else "device_id", entry.name, "DUPLICATE_DEVICE",
                                 "is given more than once in the input (first at %s)" % first.where))
            else:
                seen_devices[device.get("id")] = entry
        if problems:
            errors.extend(input_error(entry, *p) for p in problems)
            continue
        current = device.get("serial_number") or None
        if current == entry.serial_number:
            status = UNCHANGED
        elif current:
            status = REPLACED
            if not replace:
                errors.append(input_error(entry, "serial_number", entry.serial_number, "SERIAL_ALREADY_REGISTERED",
                                          "would replace %s on %s; set replace=true for an RMA swap" % (
                                              current, device.get("hostname"))))
                continue
        else:
            status = REGISTERED
        plan.append({
            "device_id": device.get("id"),
            "hostname": device.get("hostname"),
            "manifest_id": device.get("manifest_id"),
            "serial_number": entry.serial_number,
            "previous_serial_number": current,
            "status": status,
            "location": entry.location(),
            "where": entry.where,
            "name": entry.name,
        })
    errors.extend(_serials_held_elsewhere(plan, index))
    return plan, errors


def _serials_held_elsewhere(plan, index):
    """A serial another device of the manifest keeps (it gets no new serial here) cannot be registered."""
    moving = dict((item["device_id"], item["serial_number"]) for item in plan)
    errors = []
    for item in plan:
        if item["status"] == UNCHANGED:
            continue
        holder = index.by_serial.get(item["serial_number"])
        if holder is not None and holder.get("id") != item["device_id"] and \
                moving.get(holder.get("id"), holder.get("serial_number")) == item["serial_number"]:
            errors.append(dict(item["location"], field="serial_number", value=item["serial_number"],
                               code="SERIAL_ALREADY_REGISTERED", resource=item["name"],
                               message="%s: serial_number %r is registered to %s (%s) (SERIAL_ALREADY_REGISTERED)" % (
                                   item["where"], item["serial_number"], holder.get("hostname"), holder.get("id"))))
    return errors


def write_order(plan):
    """The items to write, those that free a serial another item takes first (a swap within one input)."""
    pending = [item for item in plan if item["status"] != UNCHANGED]
    wanted = set(item["serial_number"] for item in pending)
    first = [item for item in pending if item["previous_serial_number"] in wanted]
    rest = [item for item in pending if item["previous_serial_number"] not in wanted]
    return first + rest


def format_errors(errors, limit=50):
    """One message listing the errors (the full list is returned separately)."""
    lines = [e["message"] for e in errors[:limit]]
    if len(errors) > limit:
        lines.append("... and %d more" % (len(errors) - limit))
    return "; ".join(lines)
