# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The plan of a site: what a rollout does to the manifest and to each device, with the reasons.

Plain data in (the site, its inventory devices, the manifest, FortiZTP's records), plain data out;
the executor (site_apply) does the plan in bulk. No I/O.
"""

from __future__ import annotations

from ansible_collections.breakwater.ztp.plugins.module_utils.configs import HAS_CONFIG_STATUSES
from ansible_collections.breakwater.ztp.plugins.module_utils.fortiztp_devices import desired_fields, fortimanager_oids_by_serial
from ansible_collections.breakwater.ztp.plugins.module_utils.fortiztp_placement import misplacement, whereabouts
from ansible_collections.breakwater.ztp.plugins.module_utils.resource import InputError
from ansible_collections.breakwater.ztp.plugins.module_utils.site_checks import fortinet_devices, not_in_run


# What a rollout can do to a device, in the order it does it.
REGISTER_SERIAL = "register_serial"
REPLACE_SERIAL = "replace_serial"
GENERATE_CONFIG = "generate_config"
REGENERATE_CONFIG = "regenerate_config"
PROVISION_FORTIZTP = "provision_fortiztp"
DEPLOY = "deploy"
ACTIONS = (REGISTER_SERIAL, REPLACE_SERIAL, GENERATE_CONFIG, REGENERATE_CONFIG, PROVISION_FORTIZTP, DEPLOY)
SERIAL_ACTIONS = (REGISTER_SERIAL, REPLACE_SERIAL)
CONFIG_ACTIONS = (GENERATE_CONFIG, REGENERATE_CONFIG)


def fortiztp_options(site):
    """The fortiztp_device options that put a Fortinet unit where the site wants it: on the site's
    FortiManager target, with the target's script when the site has one."""
    return {"target": "FortiManager", "fortimanager": (site.get("ztp_fortimanager_sn") or [None])[0],
            "use_default_script": bool(site.get("ztp_fortiztp_script"))}


def fortiztp_placement(site, fortimanagers):
    """(FortiZTP fields, names): the fields :func:`fortiztp_options` resolve to, as the module resolves
    them, and each FortiManager setting's oid -> serial. While the site's target does not exist yet
    (the run sets it up before it provisions), no unit can be on it: its oid is None."""
    names = dict((oid, sn) for sn, oids in fortimanager_oids_by_serial(fortimanagers or []).items() for oid in oids)
    options = fortiztp_options(site)
    spec = {"serial": None, "options": options, "sources": dict((option, option) for option in options)}
    try:
        return desired_fields(spec, fortimanager_oids_by_serial(fortimanagers or [])), names
    except InputError:
        names[None] = "%s (set up by this run)" % options["fortimanager"]
        return dict(desired_fields(dict(spec, options=dict(options, fortimanager=None))), fortiManagerOid=None), names


def fortiztp_columns(record, fields, names):
    """A Fortinet unit's FortiZTP columns of the plan and the report, from its FortiZTP ``record`` and the
    site's :func:`fortiztp_placement`: where FortiZTP has it (``fortiztp_placement``), and why that is
    not where the site wants it, naming where it goes (``fortiztp``; None when it is)."""
    return {"fortiztp": misplacement(record, "provisioned", fields, names),
            "fortiztp_placement": whereabouts(record, names)}


def manifest_changes(site, manifest):
    """The manifest fields a rollout sets that differ (all of them when it does not exist)."""
    desired = {"description": site.get("ztp_manifest_description"), "config_templates": site.get("ztp_config_templates") or None}
    desired = dict((k, v) for k, v in desired.items() if v)
    if manifest is None:
        return desired
    changes = {}
    for key, value in desired.items():
        have = manifest.get(key)
        if isinstance(value, dict) and isinstance(have, dict):
            if any(have.get(k) != v for k, v in value.items()):
                changes[key] = dict(have, **value)
        elif have != value:
            changes[key] = value
    return changes


def stale_config(device, wanted_template, template_versions):
    """Why the config a device holds is not current, or None.

    Current means rendered from the device's template at that template's present version. A
    server that does not say which version a config was rendered from (``template_version``, an
    extension of the lab) is judged by the template alone.
    """
    used = device.get("template_used")
    template = wanted_template or device.get("config_template")
    if template and device.get("config_template") and device["config_template"] != template:
        return "template %s replaces %s" % (template, device["config_template"])
    if used and template and used != template:
        return "rendered from %s, not %s" % (used, template)
    version, present = device.get("template_version"), template_versions.get(template)
    if used and version and present and version != present:
        return "template %s %s replaces %s" % (template, present, version)
    return None


def plan_site(site, devices, manifest, fortiztp_records=None, templates=None, fortimanagers=None):
    """What the rollout will do: the manifest's action and, per device, its actions with their reasons.

    ``manifest`` is the existing manifest with its devices, or None (it will be created);
    ``templates`` the Breakwater templates (their versions tell a stale config); ``fortimanagers``
    FortiZTP's FortiManager settings (a Fortinet unit on another one is moved).
    """
    fortiztp_records = fortiztp_records or {}
    fields, names = fortiztp_placement(site, fortimanagers)
    template_versions = dict((t.get("id"), t.get("version")) for t in templates or [])
    fortinet = set(d["hostname"] for d in fortinet_devices(site, devices)) if site.get("rollout_fortiztp_enabled") else set()
    known = dict((d.get("hostname"), d) for d in (manifest or {}).get("devices") or [])
    templates = site.get("ztp_config_templates") or {}
    rows = []
    for device in devices:
        current = known.get(device["hostname"]) or {}
        status = current.get("status") or "pending"
        actions, reasons = [], []
        have_serial = current.get("serial_number")
        if not have_serial:
            actions.append(REGISTER_SERIAL)
            reasons.append("no serial in Breakwater yet")
        elif have_serial != device["serial_number"]:
            actions.append(REPLACE_SERIAL)
            reasons.append("serial %s replaces %s" % (device["serial_number"], have_serial))
        template = templates.get(device["device_type"])
        if actions or status not in HAS_CONFIG_STATUSES:
            replacing = REPLACE_SERIAL in actions
            actions.append(GENERATE_CONFIG)
            reasons.append("a new serial needs a new config" if replacing else "no config yet")
        elif site.get("configs_force"):
            actions.append(REGENERATE_CONFIG)
            reasons.append("configs_force=true")
        elif stale_config(current, template, template_versions):
            actions.append(REGENERATE_CONFIG)
            reasons.append(stale_config(current, template, template_versions))
        columns = {}
        if device["hostname"] in fortinet:
            columns = fortiztp_columns(fortiztp_records.get(device["serial_number"]), fields, names)
        misplaced = columns.get("fortiztp")
        if misplaced:
            actions.append(PROVISION_FORTIZTP)
            reasons.append(misplaced)
        if actions or status != "online":
            actions.append(DEPLOY)
            reasons.append("%s, not online yet" % status if status != "online" else "changed, so deployed again")
        row = {
            "hostname": device["hostname"], "device_type": device["device_type"],
            "serial_number": device["serial_number"], "id": current.get("id"), "status": status,
            "actions": actions, "reason": "; ".join(reasons) if reasons else "online, nothing to do",
        }
        row.update(columns)
        if REPLACE_SERIAL in actions and device["hostname"] in fortinet and \
                misplacement(fortiztp_records.get(have_serial), "unprovisioned", {}):
            row["unprovision_serial"] = have_serial  # the unit swapped out leaves its FortiManager
        rows.append(row)
    changes = manifest_changes(site, manifest)
    if manifest is None:
        manifest_action = "create"
    elif changes:
        manifest_action = "update"
    else:
        manifest_action = None
    counts = dict((action, sum(1 for r in rows if action in r["actions"])) for action in ACTIONS)
    return {
        "site_id": site.get("ztp_site_id"),
        "manifest": {"id": (manifest or {}).get("id"), "name": site.get("ztp_manifest_name"),
                     "status": (manifest or {}).get("status"), "action": manifest_action,
                     "changes": sorted(changes), "cable_schedule": bool((manifest or {}).get("cable_schedule"))},
        "devices": rows,
        # The manifest's devices this run does not hold: it leaves them as they are.
        "not_in_run": not_in_run(manifest, [d["hostname"] for d in devices]),
        "counts": dict((k, v) for k, v in counts.items() if v),
        "changed": bool(manifest_action) or any(r["actions"] for r in rows),
    }


def devices_with(plan, *actions):
    return [row for row in plan["devices"] if any(a in row["actions"] for a in actions)]


def deployable(manifest, hostnames):
    """Whether a deployment has something to do for ``hostnames``: one of them holds a config and is not online
    (Breakwater deploys every device holding a config)."""
    return any(d.get("hostname") in hostnames and d.get("status") in HAS_CONFIG_STATUSES and d.get("status") != "online"
               for d in manifest.get("devices") or [])
