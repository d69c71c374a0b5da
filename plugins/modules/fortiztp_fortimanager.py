#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: fortiztp_fortimanager
short_description: Manage the FortiManager settings of FortiZTP
version_added: 0.1.0
description:
  - Create, update and delete the FortiManager settings FortiZTP provisions devices to
    (see O(breakwater.ztp.fortiztp_device#module:fortimanager)).
  - A setting is found by O(sn), as the setting holding any of the given serial numbers. So
    adding an HA member to O(sn) updates the existing setting instead of creating another.
  - Only the options you set are compared.
options:
  sn:
    description:
      - Serial number of the FortiManager; for an HA cluster, the serial number of every member
        (sent to FortiZTP joined with commas, in this order).
      - A setting is found by any of its serial numbers. With O(state=present), O(sn) must name all of
        them; one serial of an HA pair fails the task instead of dropping the other member.
    type: list
    elements: str
    required: true
  ip:
    description:
      - IP address or FQDN of the FortiManager; for HA, one per member (joined with commas).
        FortiManager 7.2 HA also takes several serial numbers with a single address.
      - Each must be a valid IPv4 or IPv6 address or host name; one address, or one per O(sn).
      - Required to create a setting.
    type: list
    elements: str
  script:
    description:
      - Pre-run CLI script of the setting, by oid or by name (see M(breakwater.ztp.fortiztp_script)).
        An empty string removes the script from the setting.
    type: str
  state:
    description:
      - V(present) creates or updates the setting, V(absent) deletes it.
      - The module refuses to delete a setting that provisioned devices still use; it lists
        them (one extra call, made before the delete). Unprovision them first with
        M(breakwater.ztp.fortiztp_device).
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - breakwater.ztp.fortiztp
  - breakwater.ztp.transport
  - breakwater.ztp.attributes
attributes:
  check_mode:
    support: full
    details:
      - Returns the predicted setting without any write; the check for devices still using
        a setting runs in check mode too.
  diff_mode:
    support: full
author:
  - breakwater.ztp maintainers (@breakwater)
"""

EXAMPLES = r"""
- name: The site's FortiManager, with the baseline pre-run script
  breakwater.ztp.fortiztp_fortimanager:
    sn: [FMG-VM0000000001]
    ip: [10.0.0.10]
    script: baseline-prerun

- name: An HA pair
  breakwater.ztp.fortiztp_fortimanager:
    sn: [FMG-VM0000000002, FMG-VM0000000003]
    ip: [10.0.1.10, 10.0.1.11]

- name: Remove a FortiManager no device uses any more
  breakwater.ztp.fortiztp_fortimanager:
    sn: [FMG-VM0000000002]
    state: absent
"""

RETURN = r"""
fortimanager:
  description: The setting after the task (predicted in check mode); empty when absent.
  returned: always
  type: dict
  sample: {oid: 2, sn: "FMG-VM0000000002,FMG-VM0000000003", ip: "10.0.1.10,10.0.1.11", scriptOid: null, updateTime: 1767261600000}
devices_using:
  description: Serial numbers of the provisioned devices that keep the setting from being deleted.
  returned: when a delete is refused
  type: list
  elements: str
api_calls:
  description: Number of API calls the task made.
  returned: always
  type: int
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.breakwater.ztp.plugins.module_utils.api_error import ApiError
from ansible_collections.breakwater.ztp.plugins.module_utils.fortiztp import FortiZTPClient, fortiztp_module_kwargs
from ansible_collections.breakwater.ztp.plugins.module_utils.fortiztp_devices import address_problem, as_oid, script_by_name, split_list
from ansible_collections.breakwater.ztp.plugins.module_utils.resource import (
    ApiResource, InputError, TaskFailure, resource_task, run_task,
)

WRITE_FIELDS = ("oid", "sn", "ip", "scriptOid")


class FortiManagerSetting(ApiResource):
    name = "fortimanager"

    def validate(self):
        self.serials = split_list(self.params["sn"])
        if not self.serials:
            raise InputError("sn", self.params["sn"], "must name at least one serial number")
        for serial in self.serials:
            if "," in serial:
                raise InputError("sn", serial, "holds a comma; give each HA member as its own list item")
        self.addresses = split_list(self.params["ip"]) if self.params["ip"] is not None else None
        if self.params["ip"] is not None and not self.addresses:
            raise InputError("ip", self.params["ip"], "must name at least one address")
        for address in self.addresses or []:
            problem = address_problem(address)
            if problem:
                raise InputError("ip", address, problem)
        if self.addresses and len(self.addresses) not in (1, len(self.serials)):
            raise InputError("ip", self.params["ip"], "must hold one address, or one per serial number in sn (%d)"
                             % len(self.serials))

    def find(self):
        wanted = set(self.serials)
        matches = [f for f in self.client.list_fortimanagers()
                   if isinstance(f, dict) and wanted & set(split_list(f.get("sn")))]
        if len(matches) > 1:
            raise InputError("sn", self.params["sn"], "matches several FortiManager settings (oids %s)"
                             % ", ".join(str(f.get("oid")) for f in matches))
        if matches and self.params["state"] == "present":
            # One serial of an HA pair must not silently drop the other member from the setting.
            members = split_list(matches[0].get("sn"))
            missing = [m for m in members if m not in wanted]
            if missing:
                raise InputError("sn", self.params["sn"], "names only part of the HA setting %s (oid %s): give every "
                                 "member, %s" % (",".join(members), matches[0].get("oid"), members))
        return dict(matches[0]) if matches else None

    def script_oid(self):
        script = self.params["script"]
        if script is None:
            return None
        if not script.strip():
            return ""  # remove the script; compared as null
        oid = as_oid(script)
        if oid is not None:
            return oid
        found = script_by_name(self.client.list_scripts(), script, option="script")
        if found is None:
            raise InputError("script", script, "matches no script")
        return found.get("oid")

    def desired(self):
        desired = {"sn": ",".join(self.serials)}
        if self.addresses is not None:
            desired["ip"] = ",".join(self.addresses)
        if self.params["state"] == "present":
            oid = self.script_oid()
            if oid is not None:
                desired["scriptOid"] = None if oid == "" else oid
        return desired

    def comparable(self, current):
        comparable = dict(current)
        comparable["sn"] = ",".join(split_list(current.get("sn")))
        comparable["ip"] = ",".join(split_list(current.get("ip")))
        comparable["scriptOid"] = as_oid(current["scriptOid"]) if current.get("scriptOid") is not None else None
        return comparable

    def create(self, desired):
        if "ip" not in desired:
            raise InputError("ip", None, "is required to create a FortiManager setting")
        body = dict((k, v) for k, v in desired.items() if v is not None)
        answer = self.client.create_fortimanager(body)
        if isinstance(answer, dict) and answer.get("oid") is not None:
            return answer
        found = self.find()
        if found is None:
            raise ApiError(None, "NOT_FOUND_AFTER_CREATE", "the FortiManager setting was created but is not listed",
                           method="POST", path="/setting/fortimanagers", resource=desired["sn"])
        return found

    def update(self, current, changes):
        # PUT replaces the setting: send every field, changed or not.
        body = dict((k, current.get(k)) for k in WRITE_FIELDS)
        body.update(changes)
        answer = self.client.update_fortimanager(current["oid"], body)
        if isinstance(answer, dict) and answer.get("oid") is not None:
            return answer
        return self.client.get_fortimanager(current["oid"])

    def delete(self, current):
        self.client.delete_fortimanager(current["oid"])

    def before_delete(self, current):
        """Fail before the delete while provisioned devices point at this setting."""
        oid = as_oid(current["oid"])
        users = [d.get("deviceSN") for d in self.client.list_devices()
                 if isinstance(d, dict) and d.get("provisionStatus") in ("provisioned", "incomplete")
                 and d.get("fortiManagerOid") is not None and as_oid(d["fortiManagerOid"]) == oid]
        if users:
            raise TaskFailure(
                "FortiManager setting %s (%s) is still used by %d provisioned device(s): %s; "
                "unprovision them first" % (oid, current.get("sn"), len(users), ", ".join(users)),
                devices_using=users, fortimanager=current, changed=False)


def module_kwargs():
    """The AnsibleModule arguments (the site plugins run this module's task in-process with them)."""
    return fortiztp_module_kwargs(
        sn=dict(type="list", elements="str", required=True),
        ip=dict(type="list", elements="str"),
        script=dict(type="str"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    )


def task(module):
    return resource_task(module, FortiManagerSetting)


def main():
    module = AnsibleModule(supports_check_mode=True, **module_kwargs())
    run_task(module, FortiZTPClient.from_params, task(module))


if __name__ == "__main__":
    main()
