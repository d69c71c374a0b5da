# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether a FortiZTP unit is where the user wants it, and if not, where it is and where it goes.

The one rule of the fortiztp_device module, the site plan and the report: pure, no HTTP.
"""

from __future__ import annotations

from ansible_collections.breakwater.ztp.plugins.module_utils.fortiztp_devices import (
    BOOLEAN_FIELDS, OID_FIELDS, TARGET_OPTIONS, as_oid,
)


def _same(field, have, want):
    if field in BOOLEAN_FIELDS:
        return bool(have) == bool(want)
    if field in OID_FIELDS:
        return as_oid(have) == as_oid(want) if have is not None else want is None
    return have == want


def field_differences(current, fields):
    """The desired fields whose current value differs (booleans: null is false)."""
    return dict((field, want) for field, want in fields.items() if not _same(field, (current or {}).get(field), want))


def needs_change(current, state, fields):
    """True when a device must be sent: it is not where ``state`` and ``fields`` want it (:func:`misplacement`)."""
    return misplacement(current, state, fields) is not None


def misplacement(current, state, fields, names=None):
    """Why a unit is not where ``state`` and ``fields`` want it, naming where it is and where it goes; None
    when it is there. The one rule of the fortiztp_device module, the site plan and the report.

    Wrong status, or a target field the user set that differs (fields left out are not compared).
    A device left ``incomplete`` is provisioned again: provisioning it restarts the attempt.
    ``hidden`` counts as not provisioned. ``names`` maps FortiManager setting oids to their serials.
    """
    status = (current or {}).get("provisionStatus")
    if state == "unprovisioned":
        if status in ("unprovisioned", "hidden", None):
            return None
        return "%s, to be unprovisioned" % whereabouts(current, names)
    if status != "provisioned":
        wanted = [field for field, value in fields.items() if value is not False]  # a default left out goes unsaid
        return "%s in FortiZTP, goes to %s" % (status or "not listed", placement_text(fields, wanted, names))
    differences = field_differences(current, fields)
    if not differences:
        return None
    if "provisionTarget" in differences and "fortiManagerOid" in fields:
        differences["fortiManagerOid"] = fields["fortiManagerOid"]  # which FortiManager it goes to
    now = [field for field in ("provisionTarget", "fortiManagerOid") if current.get(field) is not None] + \
        [field for field in differences if current.get(field) is not None]
    return "provisioned to %s, goes to %s" % (placement_text(current, now, names),
                                              placement_text(fields, differences, names))


def whereabouts(current, names=None):
    """Where FortiZTP has a unit, as the report shows it for every Fortinet unit: its status and the
    target fields it holds, ``provisioned in FortiZTP (FortiManager FMG-VM0000000001 (oid 1), default
    script)``; ``not listed in FortiZTP`` when FortiZTP does not know it."""
    status = (current or {}).get("provisionStatus")
    if not status:
        return "not listed in FortiZTP"
    held = [field for field, value in current.items() if value not in (None, False)]
    if current.get("fortiManagerOid") is not None:
        # FortiZTP copies the setting's controller into these: the FortiManager names it already.
        held = [field for field in held if field not in ("externalControllerIp", "externalControllerSn")]
    if status == "provisioned":
        held.append("useDefaultScript")  # said either way: a provisioned unit runs its target's script or none
    if not any(field in held for field in TARGET_OPTIONS.values()):
        return "%s in FortiZTP" % status
    return "%s in FortiZTP (%s)" % (status, placement_text(current, held, names))


def placement_text(record, keys, names=None):
    """``FortiManager FMG-VM0000000001 (oid 1), default script``: where ``record`` puts a unit, told by
    the fields in ``keys`` (target fields, in the order of TARGET_OPTIONS)."""
    names = names or {}
    parts = []
    for field in TARGET_OPTIONS.values():
        if field not in keys:
            continue
        value = (record or {}).get(field)
        if field == "provisionTarget":
            if value != "FortiManager" or "fortiManagerOid" not in keys:
                parts.append(str(value or "no target"))
        elif field == "fortiManagerOid":
            name = names.get(as_oid(value) if value is not None else None)
            if value is None:
                parts.append("FortiManager %s" % name if name else "no FortiManager setting")
            else:
                parts.append("FortiManager %s(oid %s)" % (name + " " if name else "", value))
        elif field == "useDefaultScript":
            parts.append("default script" if value else "no default script")
        elif field == "scriptOid":
            parts.append("script oid %s" % value if value is not None else "no script")
        else:
            parts.append("%s %s" % (field, value))
    return ", ".join(parts) or "no target"
