# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Planning of bulk FortiZTP provisioning: pure functions, no HTTP.

fortiztp_device turns its options into one desired state per serial, checks each target's
requirements before any call, compares with the devices as listed (fortiztp_placement.py), and
sends only those that differ, in chunks. Everything here is deterministic so it is unit-tested
without a server; the one wait is in fortiztp_provisioning.py.
"""

from __future__ import annotations

import copy
import ipaddress
import re

from ansible_collections.breakwater.ztp.plugins.module_utils.resource import InputError

# The permissive union of the provisioning targets the sources report (docs/api/fortiztp.md).
TARGETS = ("FortiManager", "FortiManagerCloud", "FortiGateCloud", "FortiEdgeCloud", "FortiExtenderCloud",
           "FortiSASE", "ExternalController")
CLOUD_TARGETS = ("FortiManagerCloud", "FortiGateCloud", "FortiEdgeCloud", "FortiExtenderCloud")

# Target options (snake_case, module interface) -> FortiZTP field (camelCase, wire format).
# fortimanager and script are references resolved to oids before the comparison.
TARGET_OPTIONS = {
    "target": "provisionTarget",
    "region": "region",
    "external_controller_ip": "externalControllerIp",
    "external_controller_sn": "externalControllerSn",
    "platform": "platform",
    "firmware_profile": "firmwareProfile",
    "fortimanager": "fortiManagerOid",
    "script": "scriptOid",
    "use_default_script": "useDefaultScript",
}
# Every field of a FortiZTP device record, and the host variable the fortiztp_devices inventory
# makes of it. fortiztp_device_info returns exactly these fields (null when FortiZTP leaves one
# out); the lab's device model is tested against this list. A new field is added here only.
DEVICE_HOSTVARS = (
    ("deviceSN", "fortiztp_serial_number"),
    ("deviceType", "fortiztp_device_type"),
    ("provisionStatus", "fortiztp_provision_status"),
    ("provisionSubStatus", "fortiztp_provision_sub_status"),
    ("message", "fortiztp_provision_message"),
    ("provisionTarget", "fortiztp_provision_target"),
    ("region", "fortiztp_region"),
    ("externalControllerSn", "fortiztp_external_controller_sn"),
    ("externalControllerIp", "fortiztp_external_controller_ip"),
    ("platform", "fortiztp_platform"),
    ("firmwareProfile", "fortiztp_firmware_profile"),
    ("fortiManagerOid", "fortiztp_fortimanager_oid"),
    ("scriptOid", "fortiztp_script_oid"),
    ("useDefaultScript", "fortiztp_use_default_script"),
    ("provisioningTimestamp", "fortiztp_provisioning_timestamp"),
    ("provisioningCompleteTimestamp", "fortiztp_provisioning_complete_timestamp"),
)
DEVICE_FIELDS = tuple(field for field, _hostvar in DEVICE_HOSTVARS)
BOOLEAN_FIELDS = ("useDefaultScript",)
OID_FIELDS = ("fortiManagerOid", "scriptOid")


def as_oid(value):
    """An int for a numeric reference (oid), None for a name or serial."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip()
    return int(text) if text.isdigit() else None


def device_specs(params):
    """One spec per device: serial, where each option came from, and the merged target options.

    ``params`` are the module options: ``serial`` or ``devices`` (serials or dicts with
    ``serial`` and per-device overrides of the target options).
    """
    defaults = dict((option, params.get(option)) for option in TARGET_OPTIONS)
    if params.get("serial"):
        entries = [params["serial"]]
        origin = "serial"
    else:
        entries = params.get("devices") or []
        origin = "devices"
    specs, seen = [], {}
    for index, entry in enumerate(entries):
        where = "devices[%d]" % index if origin == "devices" else "serial"
        overrides = {}
        if isinstance(entry, dict):
            unknown = sorted(set(entry) - set(TARGET_OPTIONS) - {"serial"})
            if unknown:
                raise InputError("%s.%s" % (where, unknown[0]), entry[unknown[0]],
                                 "is not a device option; use serial or one of %s" % ", ".join(sorted(TARGET_OPTIONS)))
            serial = entry.get("serial")
            overrides = dict((k, v) for k, v in entry.items() if k != "serial" and v is not None)
            where_serial = where + ".serial"
        else:
            serial = entry
            where_serial = where
        if not isinstance(serial, str) or not serial.strip():
            raise InputError(where_serial, serial, "must be a serial number (a non-empty string)")
        serial = serial.strip()
        if serial in seen:
            raise InputError(where_serial, serial, "is listed twice (also at %s)" % seen[serial])
        seen[serial] = where_serial
        options = dict(defaults)
        options.update(overrides)
        sources = dict((option, "%s.%s" % (where, option) if option in overrides else option) for option in TARGET_OPTIONS)
        specs.append({"serial": serial, "options": options, "sources": sources})
    if not specs:
        raise InputError("devices" if origin == "devices" else "serial", entries, "names no device")
    return specs


def check_requirements(spec):
    """Raise InputError when a device's target lacks what FortiZTP needs; no call is made."""
    options, sources, serial = spec["options"], spec["sources"], spec["serial"]
    target = options.get("target")
    if not target:
        raise InputError(sources["target"], target, "is required with state=provisioned (device %s)" % serial)
    if target not in TARGETS:
        raise InputError(sources["target"], target, "must be one of %s (device %s)" % (", ".join(TARGETS), serial))
    if target == "FortiManager":
        by_setting = options.get("fortimanager") not in (None, "")
        direct = options.get("external_controller_sn") and options.get("external_controller_ip")
        if not (by_setting or direct):
            missing = "external_controller_ip" if options.get("external_controller_sn") else "external_controller_sn"
            raise InputError(sources[missing], options.get(missing),
                             "is required for target FortiManager unless fortimanager is set (device %s)" % serial)
    elif target in CLOUD_TARGETS and not options.get("region"):
        raise InputError(sources["region"], options.get("region"), "is required for target %s (device %s)" % (target, serial))
    elif target == "ExternalController" and not options.get("external_controller_ip"):
        raise InputError(sources["external_controller_ip"], options.get("external_controller_ip"),
                         "is required for target ExternalController (device %s)" % serial)
    if options.get("use_default_script") and options.get("script") not in (None, ""):
        raise InputError(sources["script"], options["script"],
                         "conflicts with use_default_script=true (device %s)" % serial)


def references(specs):
    """The fortimanager serials and script names that need a lookup (oids need none)."""
    fortimanagers, scripts = set(), set()
    for spec in specs:
        value = spec["options"].get("fortimanager")
        if value not in (None, "") and as_oid(value) is None:
            fortimanagers.add(str(value).strip())
        value = spec["options"].get("script")
        if value not in (None, "") and as_oid(value) is None:
            scripts.add(str(value).strip())
    return fortimanagers, scripts


def split_list(value):
    """The members of a comma list (FortiManager HA serials or addresses), stripped."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in str(value).split(",") if part.strip()]


_HOST_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


def address_problem(value):
    """Why ``value`` is not an IPv4 or IPv6 address or a host name (FQDN), or None.

    Digits and dots only must make an IPv4 address (``999.1.1.1`` is not a host name either).
    """
    text = str(value).strip()
    if ":" in text or re.match(r"^[0-9.]+$", text):
        try:
            ipaddress.ip_address(text)
        except ValueError:
            return "is not a valid IP address"
        return None
    name = text[:-1] if text.endswith(".") else text
    if not name or len(name) > 253 or not all(_HOST_LABEL.match(label) for label in name.split(".")):
        return "is neither an IP address nor a host name"
    return None


def fortimanager_oids_by_serial(settings):
    """Each FortiManager serial (every HA member) -> the oid of its setting."""
    found = {}
    for setting in settings:
        if isinstance(setting, dict) and setting.get("oid") is not None:
            for serial in split_list(setting.get("sn")):
                found.setdefault(serial, []).append(setting["oid"])
    return found


def script_by_name(scripts, name, option="name"):
    """The one script listed under ``name`` (a copy), or None.

    FortiZTP does not make script names unique: several matches raise InputError on ``option``.
    """
    matches = [dict(s) for s in scripts if isinstance(s, dict) and s.get("name") == name]
    if len(matches) > 1:
        raise InputError(option, name, "matches several scripts (oids %s)" % ", ".join(str(s.get("oid")) for s in matches))
    return matches[0] if matches else None


def script_oids_by_name(scripts):
    found = {}
    for script in scripts:
        if isinstance(script, dict) and script.get("oid") is not None and script.get("name") is not None:
            found.setdefault(script["name"], []).append(script["oid"])
    return found


def resolve_reference(spec, option, table, kind):
    """The oid for a fortimanager or script reference given by oid, serial or name."""
    value = spec["options"].get(option)
    if value in (None, ""):
        return None
    oid = as_oid(value)
    if oid is not None:
        return oid
    matches = table.get(str(value).strip(), [])
    if not matches:
        raise InputError(spec["sources"][option], value, "matches no %s in FortiZTP (device %s)" % (kind, spec["serial"]))
    if len(set(matches)) > 1:
        raise InputError(spec["sources"][option], value, "matches several %ss (oids %s); give the oid"
                         % (kind, ", ".join(str(m) for m in sorted(set(matches)))))
    return matches[0]


def desired_fields(spec, fortimanager_table=None, script_table=None):
    """The FortiZTP target fields the user set for a device (references resolved to oids)."""
    options = spec["options"]
    fields = {}
    for option, field in TARGET_OPTIONS.items():
        if option == "fortimanager":
            value = resolve_reference(spec, option, fortimanager_table or {}, "FortiManager setting")
        elif option == "script":
            value = resolve_reference(spec, option, script_table or {}, "script")
        else:
            value = options.get(option)
        if value is not None:
            fields[field] = value
    return fields


def request_body(current, state, fields):
    """One item of the bulk PUT; deviceType comes from the device record, which it must match."""
    body = {"deviceSN": current["deviceSN"], "deviceType": current.get("deviceType"), "provisionStatus": state}
    if state == "provisioned":
        body.update(fields)
    return body


def predicted(current, body):
    """The device record once ``body`` is applied (check mode's prediction)."""
    after = copy.deepcopy(current)
    if body["provisionStatus"] == "unprovisioned":
        for field in TARGET_OPTIONS.values():
            after[field] = None
        after.update(provisionStatus="unprovisioned", provisionSubStatus=None, message=None)
    else:
        for field in TARGET_OPTIONS.values():
            after[field] = body.get(field)
        after.update(provisionStatus="provisioned", provisionSubStatus="waiting")
    return after
