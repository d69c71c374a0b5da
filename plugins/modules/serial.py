#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: serial
short_description: Register device serial numbers in Breakwater ZTP, one or hundreds per task
version_added: 0.1.0
description:
  - Registers the serial numbers of the physical units for the planned devices of a manifest, for
    one device (O(device_id) and O(serial_number)), a list (O(serials)), a CSV file (O(csv)), or
    the same CSV as text (O(csv_content)), for example pasted into an AWX survey.
  - Every serial number is normalised before anything else, surrounding white space removed and
    upper-cased (barcode scanners and spreadsheets add both), then must be 6 to 20 characters
    C(A-Z) and C(0-9).
  - The whole input is validated before any write, against one read of the devices. Every problem is
    listed (with its CSV line or list index) and nothing is written when there is any - a malformed
    serial (C(INVALID_SERIAL_NUMBER)), a serial or a device given twice, an unknown hostname or device ID
    (C(DEVICE_NOT_FOUND)), a MAC address that does not match the device, a serial another device of the
    manifest holds, or a device that holds a different serial without O(replace=true).
  - A device that already holds the requested serial is left alone, so a second run changes nothing.
  - Several serials are written through the bulk endpoint, O(batch_size) per call. The result lists
    every item; the task fails when any item failed (for example C(SERIAL_ALREADY_REGISTERED) because
    a device of another manifest holds the serial) unless O(allow_partial=true).
options:
  manifest_id:
    description:
      - ID of the manifest whose devices get the serials.
      - Required with O(csv) and O(csv_content), and for items of O(serials) that name their device
        by C(hostname).
      - With only device IDs and no O(manifest_id), the module reads all devices once to find them.
      - The same name in every module that takes the ID of a manifest to work on (the manifest modules
        call their own ID O(breakwater.ztp.manifest#module:id)); C(manifest) is an alias.
    type: str
    aliases: [manifest]
  device_id:
    description:
      - ID of the one device to register O(serial_number) for. Sent to the single-device endpoint.
    type: str
  serial_number:
    description:
      - The serial number for O(device_id).
    type: str
  serials:
    description:
      - Serial numbers for several devices, each naming its device by C(device_id) or by C(hostname)
        within O(manifest_id).
    type: list
    elements: dict
    suboptions:
      device_id:
        description:
          - ID of the device.
        type: str
      hostname:
        description:
          - Hostname of the device within O(manifest_id).
        type: str
      serial_number:
        description:
          - The serial number.
        type: str
        required: true
      mac_address:
        description:
          - MAC address read from the unit; when given it must match the device's planned MAC address
            (in any common notation).
        type: str
  csv:
    description:
      - Path of a CSV file (on the host that runs the module) with a header row naming the columns
        C(hostname) and C(serial_number), and optionally C(mac_address), in any order. Other columns
        are ignored, and so are blank lines. Errors name the file's line numbers (the header is line 1).
      - Mutually exclusive with O(csv_content), O(serials) and O(device_id).
    type: path
  csv_content:
    description:
      - The same CSV as O(csv), given as text instead of a file, for example a barcode scanner's
        export pasted into an AWX survey (a textarea) or read with a lookup.
      - Errors name the text's line numbers (the header is line 1).
      - Mutually exclusive with O(csv), O(serials) and O(device_id).
    type: str
    version_added: 0.2.0
  replace:
    description:
      - Replace a different serial number already registered on a device (an RMA swap; the device goes
        back to C(serial_registered) and its generated config is discarded).
      - Without it, such a device is an input error and nothing is written.
    type: bool
    default: false
  allow_partial:
    description:
      - Succeed when some items of a bulk registration failed; the failed ones are still listed in
        RV(results) with their error and in a warning.
    type: bool
    default: false
  batch_size:
    description:
      - Number of serials sent in one bulk call. A CSV of 500 serials takes 5 calls with the default,
        plus one call to read the devices.
    type: int
    default: 100
  verification_method:
    description:
      - How the serials were verified, passed to the API as is.
    type: str
    choices: [barcode_scan, csv_import, manual, api]
  operator_id:
    description:
      - Who registered the serials, passed to the API as is.
    type: str
extends_documentation_fragment:
  - breakwater.ztp.breakwater
  - breakwater.ztp.transport
  - breakwater.ztp.attributes
attributes:
  check_mode:
    support: full
    details:
      - Reads the devices, validates the whole input and returns what would be registered, without any write.
  diff_mode:
    support: full
    details:
      - The diff shows each changed device's serial number, C(hostname (device_id) serial), before and after.
author:
  - breakwater.ztp maintainers (@breakwater)
"""

EXAMPLES = r"""
- name: The field crew scanned the firewall
  breakwater.ztp.serial:
    device_id: device_001
    serial_number: fgt60ftk20000001
    verification_method: barcode_scan
    operator_id: user_456

- name: Register the serials of Production Floor A from the crew's CSV
  breakwater.ztp.serial:
    manifest_id: manifest_123
    csv: files/floor-a-serials.csv
    verification_method: csv_import
    replace: true

- name: Register the serials pasted into an AWX survey (a textarea survey variable)
  breakwater.ztp.serial:
    manifest_id: manifest_123
    csv_content: "{{ serials_csv_content }}"
    verification_method: barcode_scan

- name: Register a few by hostname
  breakwater.ztp.serial:
    manifest_id: manifest_124
    serials:
      - hostname: sw-prodb-01
        serial_number: FDO2401B001
      - hostname: sw-prodb-02
        serial_number: FDO2401B002
        mac_address: 00-1a-2b-3c-5d-03
"""

RETURN = r"""
results:
  description: One entry per requested serial, in input order.
  returned: always
  type: list
  elements: dict
  contains:
    device_id:
      description: ID of the device.
      type: str
    hostname:
      description: Hostname of the device.
      type: str
    serial_number:
      description: The normalised serial number.
      type: str
    previous_serial_number:
      description: The serial the device held before, or V(null).
      type: str
    status:
      description:
        - V(unchanged) (already held it), V(registered), V(replaced) or V(failed).
        - In check mode, what would happen.
      type: str
    error:
      description: For a failed item, the API's C(code) and C(message).
      type: dict
    model_detected:
      description:
        - For a serial registered or replaced now, the model the service derives from it (for example
          C(IE-3300-8T2S-E)), when the API says. Compare it with the planned device type to catch a wrong unit.
      type: str
    line:
      description: Line of the CSV file the item came from.
      type: int
    index:
      description: Index in O(serials) the item came from.
      type: int
  sample:
    - {device_id: device_002, hostname: sw-prod-01, serial_number: FDO2401A001,
       previous_serial_number: FDO2301B001, status: replaced, line: 3}
error:
  description: The first problem of RV(errors), or the API error that stopped the task, with C(code), C(message) and C(resource).
  returned: on failure
  type: dict
errors:
  description:
    - Every problem found in the input; when there is any, nothing is written.
    - Each has C(field), C(value), C(code), C(message), the C(resource) (hostname or device ID), and
      C(line) (CSV) or C(index) (O(serials)).
  returned: when the input is invalid
  type: list
  elements: dict
  sample:
    - {line: 4, field: serial_number, value: "FDO-2401", code: INVALID_SERIAL_NUMBER, resource: sw-prod-03,
       message: "line 4: serial_number 'FDO-2401' is not 6-20 characters A-Z and 0-9"}
summary:
  description: How many items are unchanged, registered, replaced and failed.
  returned: always
  type: dict
  sample: {unchanged: 2, registered: 5, replaced: 0, failed: 0}
api_calls:
  description: Number of API calls the task made.
  returned: always
  type: int
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.breakwater.ztp.plugins.module_utils.api_error import ApiError
from ansible_collections.breakwater.ztp.plugins.module_utils.breakwater import BreakwaterClient, breakwater_argument_spec
from ansible_collections.breakwater.ztp.plugins.module_utils.limits import check_least
from ansible_collections.breakwater.ztp.plugins.module_utils.resource import InputError, TaskFailure, chunks, run_task
from ansible_collections.breakwater.ztp.plugins.module_utils.serials import (
    DEFAULT_BATCH_SIZE, FAILED, REGISTERED, REPLACED, UNCHANGED, Entry, entries_from_items,
    format_errors, parse_csv, plan_registrations, write_order,
)


def read_entries(params):
    """(entries, errors) from whichever input the user gave."""
    if params["csv"]:
        try:
            with open(params["csv"], "rb") as handle:
                raw = handle.read()
        except (IOError, OSError) as exc:
            raise InputError("csv", params["csv"], "cannot be read: %s" % exc)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError("csv", params["csv"], "is not UTF-8 text")
        return parse_csv(text)
    if params["csv_content"] is not None:
        return parse_csv(params["csv_content"])
    if params["serials"] is not None:
        entries = entries_from_items(params["serials"])
        if not entries:
            raise InputError("serials", [], "is empty")
        return entries, []
    return [Entry(params["serial_number"], device_id=params["device_id"])], []


def read_devices(client, params, entries):
    """All devices the entries may name, in one call."""
    if params["manifest_id"]:
        manifest = client.get_manifest(params["manifest_id"])
        return [dict(d, manifest_id=d.get("manifest_id") or manifest.get("id")) for d in manifest.get("devices") or []]
    if any(e.hostname for e in entries):
        raise InputError("manifest_id", None, "is required to find devices by hostname")
    return client.list_devices()


def outcome(item, status=None, error=None):
    result = dict((k, item[k]) for k in ("device_id", "hostname", "serial_number", "previous_serial_number"))
    result["status"] = status or item["status"]
    result.update(item["location"])
    if error:
        result["error"] = error
    return result


def register(client, params, to_write):
    """Write the items; returns (device id -> (status, error), api_error or None, device id -> model_detected)."""
    done, models = {}, {}
    common = dict(verification_method=params["verification_method"], operator_id=params["operator_id"])
    if params["device_id"]:
        item = to_write[0]
        answer = client.register_serial(item["device_id"], item["serial_number"], **common) or {}
        done[item["device_id"]] = (item["status"], None)
        models[item["device_id"]] = answer.get("model_detected")
        return done, None, models
    by_manifest = {}
    for item in to_write:
        by_manifest.setdefault(item["manifest_id"], []).append(item)
    try:
        for manifest_id, items in by_manifest.items():
            for batch in chunks(items, params["batch_size"]):
                answer = client.bulk_register_serials(
                    manifest_id, [{"device_id": i["device_id"], "serial_number": i["serial_number"]} for i in batch],
                    **common) or {}
                answers = dict((r.get("device_id"), r) for r in answer.get("results") or [])
                for item in batch:
                    reply = answers.get(item["device_id"])
                    if reply is None:
                        done[item["device_id"]] = (FAILED, {"code": "NO_RESULT", "message": "the API returned no result for this item"})
                    elif reply.get("status") == "success":
                        done[item["device_id"]] = (item["status"], None)
                        models[item["device_id"]] = reply.get("model_detected")
                    else:
                        error = reply.get("error") or {}
                        done[item["device_id"]] = (FAILED, {"code": error.get("code") or "FAILED",
                                                            "message": error.get("message") or ""})
    except ApiError as exc:
        return done, exc, models
    return done, None, models


def make_work(module):
    def work(client, params):
        check_least("batch_size", params["batch_size"])
        entries, errors = read_entries(params)
        devices = read_devices(client, params, entries) if entries else []
        plan, plan_errors = plan_registrations(entries, devices, replace=params["replace"])
        errors = errors + plan_errors
        if errors:
            errors.sort(key=lambda e: (e.get("line") or 0, e.get("index") or 0))
            first = errors[0]
            raise TaskFailure("%d problem(s) in the input, nothing was registered: %s" % (
                len(errors), format_errors(errors)), errors=errors, changed=False,
                error={"code": first["code"], "message": first["message"], "resource": first.get("resource"),
                       "details": dict((k, first[k]) for k in ("field", "value", "line", "index") if k in first)})

        to_write = write_order(plan)
        done, api_error, models = {}, None, {}
        if to_write and not module.check_mode:
            done, api_error, models = register(client, params, to_write)
        elif module.check_mode:
            done = dict((i["device_id"], (i["status"], None)) for i in to_write)

        results = []
        for item in plan:
            if item["status"] == UNCHANGED:
                results.append(outcome(item))
            elif item["device_id"] in done:
                status, error = done[item["device_id"]]
                results.append(outcome(item, status, error))
                if models.get(item["device_id"]):
                    results[-1]["model_detected"] = models[item["device_id"]]
            else:  # not attempted: an earlier call failed as a whole
                results.append(outcome(item, FAILED, {"code": "NOT_ATTEMPTED", "message": "not sent: an earlier call failed"}))
        summary = dict((s, sum(1 for r in results if r["status"] == s)) for s in (UNCHANGED, REGISTERED, REPLACED, FAILED))
        changed_items = [r for r in results if r["status"] in (REGISTERED, REPLACED)]
        result = {"changed": bool(changed_items), "results": results, "summary": summary}
        if changed_items:
            result["diff"] = {
                "before": "".join("%s (%s) %s\n" % (r["hostname"], r["device_id"], r["previous_serial_number"] or "-")
                                  for r in changed_items),
                "after": "".join("%s (%s) %s\n" % (r["hostname"], r["device_id"], r["serial_number"]) for r in changed_items),
            }
        if api_error is not None:
            raise TaskFailure(str(api_error), error=api_error.to_dict(), **result)
        failed = [r for r in results if r["status"] == FAILED]
        if failed:
            text = "; ".join("%s (%s) %s: %s %s" % (r["hostname"], r["device_id"], r["serial_number"],
                                                    r["error"]["code"], r["error"]["message"]) for r in failed[:50])
            if params["allow_partial"]:
                module.warn("%d serial(s) not registered: %s" % (len(failed), text))
            else:
                result["error"] = dict(failed[0]["error"], resource=failed[0]["hostname"] or failed[0]["device_id"])
                raise TaskFailure("%d of %d serial(s) failed: %s" % (len(failed), len(results), text), **result)
        return result
    return work


def module_kwargs():
    """The AnsibleModule arguments (the site plugins run this module's task in-process with them)."""
    return dict(
        argument_spec=breakwater_argument_spec(
            manifest_id=dict(type="str", aliases=["manifest"]),
            device_id=dict(type="str"),
            serial_number=dict(type="str"),
            serials=dict(type="list", elements="dict", options=dict(
                device_id=dict(type="str"),
                hostname=dict(type="str"),
                serial_number=dict(type="str", required=True),
                mac_address=dict(type="str"),
            )),
            csv=dict(type="path"),
            csv_content=dict(type="str"),
            replace=dict(type="bool", default=False),
            allow_partial=dict(type="bool", default=False),
            batch_size=dict(type="int", default=DEFAULT_BATCH_SIZE),
            verification_method=dict(type="str", choices=["barcode_scan", "csv_import", "manual", "api"]),
            operator_id=dict(type="str"),
        ),
        required_one_of=[("device_id", "serials", "csv", "csv_content")],
        mutually_exclusive=[("device_id", "serials", "csv", "csv_content")],
        required_together=[("device_id", "serial_number")],
        required_by={"csv": "manifest_id", "csv_content": "manifest_id"},
    )


def task(module):
    return make_work(module)


def main():
    module = AnsibleModule(supports_check_mode=True, **module_kwargs())
    run_task(module, BreakwaterClient.from_params, task(module))


if __name__ == "__main__":
    main()
