# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The variables a site rollout reads, their defaults, and the connections they give.

The site plugins (breakwater.ztp.site_plan, site_apply, site_report) read the site from the
play's variables by these names, so a site is described once (inventory, group_vars) and the
credentials and transport options are given once, as ``breakwater_<option>`` and
``fortiztp_<option>`` variables (or the modules' environment variables). The roles' argument
specs document every name here; a unit test keeps the two in step.
"""

from __future__ import annotations

import os

from ansible.errors import AnsibleError
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.breakwater.ztp.plugins.module_utils.breakwater import BREAKWATER_ARGUMENT_SPEC
from ansible_collections.breakwater.ztp.plugins.module_utils.fortiztp import FORTIZTP_ARGUMENT_SPEC

# variable -> (key in the site definition, type, default). None: no default (optional).
SITE_VARIABLES = {
    "ztp_site_id": ("site_id", "str", None),
    "ztp_manifest_name": ("manifest_name", "str", None),
    "ztp_manifest_id": ("manifest_id", "str", None),
    "ztp_manifest_description": ("description", "str", None),
    "ztp_topology_source": ("topology_source", "str", None),
    "ztp_config_templates": ("config_templates", "dict", None),
    "ztp_fortimanager_sn": ("fortimanager_sn", "list", None),
    "ztp_fortimanager_ip": ("fortimanager_ip", "list", None),
    "ztp_fortiztp_script": ("fortiztp_script", "str", None),
    "ztp_fortiztp_script_content": ("fortiztp_script_content", "str", None),
    "ztp_fortiztp_script_src": ("fortiztp_script_src", "str", None),
    "ztp_output_dir": ("output_dir", "str", "."),
    "manifest_status": ("manifest_status", "str", "ready"),
    "serials_from_inventory": ("serials_from_inventory", "bool", True),
    "serials_replace": ("serials_replace", "bool", False),
    "serials_verification_method": ("verification_method", "str", "api"),
    "serials_operator_id": ("operator_id", "str", None),
    "serials_csv": ("serials_csv", "str", None),
    "serials_csv_content": ("serials_csv_content", "str", None),
    "configs_force": ("configs_force", "bool", False),
    "configs_format": ("configs_format", "str", "text"),
    "configs_dest": ("configs_dest", "str", None),
    "configs_wait_timeout": ("configs_wait_timeout", "int", 900),
    "configs_poll_interval": ("configs_poll_interval", "int", 3),
    "fortiztp_provision_device_type_pattern": ("fortinet_pattern", "str", "^forti"),
    "fortiztp_provision_wait": ("fortiztp_wait", "bool", True),
    "fortiztp_provision_wait_timeout": ("fortiztp_wait_timeout", "int", 1800),
    "fortiztp_provision_poll_interval": ("fortiztp_poll_interval", "int", 10),
    "rollout_fortiztp_enabled": ("fortiztp_enabled", "bool", True),
    "rollout_fortigate_pattern": ("fortigate_pattern", "str", "^fortigate_"),
    "rollout_report_dir": ("report_dir", "str", None),
    "rollout_wait_timeout": ("deploy_wait_timeout", "int", 3600),
    "rollout_poll_interval": ("deploy_poll_interval", "int", 10),
    "rollout_require_healthy": ("require_healthy", "bool", True),
}
REQUIRED = ("ztp_site_id", "ztp_manifest_name")
# The prefix of each API's connection variables, and the argument spec they are checked with.
CONNECTIONS = {"breakwater": BREAKWATER_ARGUMENT_SPEC, "fortiztp": FORTIZTP_ARGUMENT_SPEC}


class SiteVariableError(AnsibleError):
    pass


def _convert(name, kind, value):
    if kind == "bool":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("1", "true", "yes", "on", "y"):
            return True
        if text in ("0", "false", "no", "off", "n", ""):
            return False
        raise SiteVariableError("%s: %r is not a boolean" % (name, value))
    if kind == "int":
        try:
            return int(value)
        except (TypeError, ValueError):
            raise SiteVariableError("%s: %r is not a whole number" % (name, value))
    if kind == "list":
        if isinstance(value, (list, tuple)):
            return [str(v) for v in value]
        return [str(value)] if value not in (None, "") else []
    if kind == "dict":
        if not isinstance(value, dict):
            raise SiteVariableError("%s: %r is not a dictionary" % (name, value))
        return dict(value)
    return None if value is None else str(value)


def site_definition(variables):
    """The site as plain data, from the play's variables (defaults applied, types checked)."""
    missing = [name for name in REQUIRED if variables.get(name) in (None, "")]
    if missing:
        raise SiteVariableError("the site needs %s (set in the inventory or group_vars)" % " and ".join(missing))
    site = {}
    for name, (key, kind, default) in SITE_VARIABLES.items():
        value = variables.get(name)
        site[key] = default if value is None or value == "" and default is not None else _convert(name, kind, value)
    output = site["output_dir"] or "."
    site["report_dir"] = site["report_dir"] or os.path.join(output, "reports", site["site_id"])
    site["configs_dest"] = site["configs_dest"] or os.path.join(output, "configs", site["site_id"])
    return site


def connection(variables, api):
    """The validated connection options of ``api`` from its ``<api>_<option>`` variables and environment.

    Checked with the modules' own argument spec (environment fallbacks, defaults, no_log), so a
    bad value is named exactly as a module would name it.
    """
    spec = CONNECTIONS[api]
    given = {}
    for option in spec:
        value = variables.get("%s_%s" % (api, option))
        if value not in (None, ""):
            given[option] = value
    result = ArgumentSpecValidator(spec).validate(given)
    if result.error_messages:
        raise SiteVariableError("%s connection: %s" % (api, "; ".join(
            message.replace(" found in ", " ") for message in result.error_messages)))
    return result.validated_parameters, sorted(result._no_log_values)


def play_hosts(hostvars, hostnames):
    """[(hostname, {serial_number, device_type}), ...] for the play's device hosts.

    Hosts with neither variable (localhost in a play on localhost) are not devices.
    """
    hosts = []
    for hostname in hostnames or []:
        host = hostvars[hostname]
        serial = host.get("serial_number")
        device_type = host.get("device_type")
        if serial is None and device_type is None:
            continue
        hosts.append((hostname, {"serial_number": serial, "device_type": device_type}))
    return hosts
