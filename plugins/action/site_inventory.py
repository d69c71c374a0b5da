# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""breakwater.ztp.site_inventory: the sites among the play's hosts, for a play over sites."""

from __future__ import annotations

import os
import time
import uuid

from ansible.errors import AnsibleError
from ansible.plugins.action import ActionBase

from ansible_collections.breakwater.ztp.plugins.module_utils import site_checks
from ansible_collections.breakwater.ztp.plugins.module_utils import site_groups
from ansible_collections.breakwater.ztp.plugins.plugin_utils.site_action import TemplatedVariables, inventory_of
from ansible_collections.breakwater.ztp.plugins.plugin_utils.site_vars import SiteVariableError, site_definition

# What a host's variables say of the site it belongs to (a site host: of the site it is).
SITE_HOST_KEYS = ("serial_number", "device_type", site_groups.DEVICES_VARIABLE) + site_groups.SITE_KEYS


class ActionModule(ActionBase):
    """No call: reads the inventory, returns one entry per site (run it once, on the controller)."""

    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        self.validate_argument_spec(argument_spec={})
        task_vars = task_vars or {}
        hostvars = task_vars.get("hostvars") or {}
        hosts = [(hostname, self.site_host_keys(hostvars, hostname))
                 for hostname in task_vars.get("ansible_play_hosts_all") or []]
        sites, problems = site_groups.group_sites(hosts)
        if not sites and not problems:
            # No device among the hosts (a play on localhost): one site, from this host's variables,
            # over every device of its manifest.
            here = task_vars.get("inventory_hostname")
            sites = [{"site_id": None, "manifest": None, "hosts": [], "vars_from": here, "name": None}]
        templar = self._templar.copy_with_new_env(available_variables=task_vars)
        try:
            for site in sites:
                # Only where its variables come from: templating the site's host list would cost more than the rest.
                variables = TemplatedVariables(dict(task_vars, breakwater_ztp_site={"vars_from": site["vars_from"]}),
                                               templar)
                definition = site_definition(variables)
                site["name"] = site["name"] or definition["ztp_site_id"]
                site["report_dir"] = definition["rollout_report_dir"]
        except SiteVariableError as exc:
            return dict(result, failed=True, msg=str(exc))
        for site in sites:
            if site["name"] in hostvars and not site["site_host"]:
                site["name"] = "%s_site" % site["name"]  # an inventory host of that name keeps its own
        problems += report_dir_problems(sites)
        if problems:
            return dict(result, failed=True, problems=problems, msg="Sites: %d problem(s), nothing written: %s" % (
                len(problems), "; ".join(problems)))
        output = self._templar.template(task_vars.get("ztp_output_dir") or ".")
        run = "%s-%s" % (time.strftime("%Y%m%dT%H%M%S"), uuid.uuid4().hex[:8])
        index_dir = os.path.join(os.path.expanduser(str(output)), "reports")
        report_dirs = dict((site["name"], site["report_dir"]) for site in sites)
        groups = task_vars.get("groups") or {}
        for site in sites:
            # The site's host joins its first device's groups, so it sees the site's group_vars as
            # that device does (the role's argument validation, task names); a site host is that host.
            site["groups"] = sorted(name for name, members in groups.items()
                                    if name not in ("all", "ungrouped") and site["vars_from"] in members)
        for site in sites:
            site.update(run=run, index_dir=index_dir, sites=site_groups.pack_names(sorted(report_dirs)),
                        device_count=len(site["hosts"]))
            site["devices"] = site_groups.pack_devices(site) if "devices" in site else ""
            del site["hosts"]
        limited = left_out_by_limit(self._loader, groups, sites, task_vars.get("ansible_limit"))
        if limited:
            return dict(result, failed=True, msg=limited)
        result.update(changed=False, sites=sites, run=run, index_dir=index_dir)
        return result

    def site_host_keys(self, hostvars, hostname):
        """What ``hostname``'s variables say of its site (SITE_HOST_KEYS), templated as ``hostvars[hostname][key]``
        would be: only the values that may hold a template are, so 1,000 device hosts cost no templating."""
        raw = hostvars.raw_get(hostname)
        picked = dict((key, raw[key]) for key in SITE_HOST_KEYS if key in raw)
        if any(not isinstance(value, str) or self._templar.is_possibly_template(value) for value in picked.values()):
            picked = self._templar.copy_with_new_env(available_variables=raw).template(picked)
        return picked


def left_out_by_limit(loader, groups, sites, limit):
    """Why ``--limit`` would leave a site's host out of the play over sites (which would then roll out
    nothing and succeed), or None. A limit to the site's group keeps it; a limit to some devices does not."""
    if not limit or str(limit).startswith("@"):
        return None
    inventory = inventory_of(loader, groups)
    for site in sites:
        for group in ["breakwater_ztp_sites"] + site["groups"]:
            inventory.add_group(group)
            inventory.add_host(site["name"], group=group)
    inventory.reconcile_inventory()  # fills "all" (and "ungrouped"): a --limit all keeps every host
    try:
        kept = set(host.name for host in inventory.get_hosts(pattern=limit))
    except AnsibleError:
        return None  # Ansible has judged the limit already
    left = [site["name"] for site in sites if site["name"] not in kept]
    if not left:
        return None
    return ("--limit %s leaves out the host that rolls out %s (it is in group breakwater_ztp_sites and in the groups "
            "of the site's first device): limit to a group of the site, or pick devices with -e rollout_hosts=%s "
            "instead of --limit" % (limit, ", ".join(left), limit))


def report_dir_problems(sites):
    """Two sites writing one report folder would overwrite each other's plan and report."""
    seen, problems = {}, []
    for site in sites:
        folder = os.path.abspath(site["report_dir"])
        if folder in seen:
            problems.append(site_checks.problem("rollout_report_dir", "%s is the report folder of both %s and %s; set "
                                                "rollout_report_dir (or ztp_output_dir) per site" % (
                                                    site["report_dir"], seen[folder], site["name"])))
        seen[folder] = site["name"]
    return problems
