#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: manifest
short_description: Manage Breakwater ZTP manifests
version_added: 0.1.0
description:
  - Create, update and delete a site's ZTP manifest, and move it through its lifecycle
    (C(draft), C(ready), C(deploying)).
  - The manifest is found by O(id), or by O(site_id) and O(name); names are not unique on the
    server, so the module fails when O(site_id) and O(name) match several manifests.
  - Only the options you set are compared with the server; fields the server owns are ignored.
options:
  id:
    description:
      - ID of the manifest. Without it the manifest is found by O(site_id) and O(name).
      - With O(state=present) an ID that matches no manifest fails with C(MANIFEST_NOT_FOUND); the server
        assigns IDs, so a manifest is created by O(name) and O(site_id) only.
    type: str
  name:
    description:
      - Name of the manifest, for example the production floor or substation it provisions.
      - Required to create a manifest.
    type: str
  site_id:
    description:
      - Site the manifest belongs to. Required to create a manifest, and to find one by O(name).
    type: str
  description:
    description:
      - Free text describing the deployment.
    type: str
  topology_source:
    description:
      - Helm topology the manifest is created from; it fills the manifest with the planned
        devices and the cable schedule. Only used on creation.
    type: str
  config_templates:
    description:
      - Template to render for each device type, as a mapping of device type to template ID.
      - Compared key by key, so device types you do not list are left as they are.
    type: dict
  status:
    description:
      - Lifecycle status. The server allows C(draft) -> C(ready) -> C(deploying) -> C(deployed), and C(ready)
        back to C(draft). The module walks a C(draft) manifest through C(ready) to V(deploying).
      - V(deploying) starts the deployment; C(deployed) is set by the server once every device is online.
        A manifest that is already C(deployed) satisfies V(deploying).
      - Any other move (for example a C(deployed) manifest back to V(draft)) fails with the server's
        C(INVALID_MANIFEST_STATUS); any change while C(deploying) fails with C(DEPLOYMENT_IN_PROGRESS).
    type: str
    choices: [draft, ready, deploying]
  state:
    description:
      - V(present) creates or updates the manifest, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  wait:
    description:
      - With O(status=deploying), wait until the deployment ends, polling the manifest every O(poll_interval)
        seconds for at most O(wait_timeout) seconds.
      - Fails when the deployment ends without the manifest C(deployed), listing each device that is not
        online with its status and reason (for example C(ZTP_NOT_PROVISIONED), or C(NOT_DEPLOYED) for a
        device that had no config).
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait with O(wait=true); C(0) looks once and does not wait. Must be 0 or more.
    type: int
    default: 1800
  poll_interval:
    description:
      - Seconds between two polls with O(wait=true); at least 1.
    type: int
    default: 5
extends_documentation_fragment:
  - breakwater.ztp.breakwater
  - breakwater.ztp.transport
  - breakwater.ztp.attributes
attributes:
  check_mode:
    support: full
    details:
      - Returns the predicted manifest without any write.
  diff_mode:
    support: full
author:
  - breakwater.ztp maintainers (@breakwater)
"""

EXAMPLES = r"""
- name: Production Floor A has a ready manifest
  breakwater.ztp.manifest:
    url: https://ztp.example.com
    api_token: "{{ breakwater_api_token }}"
    site_id: site_456
    name: Production Floor A
    topology_source: helm_topology_789
    config_templates:
      cisco_ie3300: template_switch_basic
      fortigate_60f: template_firewall_dmz
    status: ready

- name: Deploy it and wait until every device is online
  breakwater.ztp.manifest:
    site_id: site_456
    name: Production Floor A
    status: deploying
    wait: true
    wait_timeout: 3600

- name: Remove a manifest by ID
  breakwater.ztp.manifest:
    id: manifest_124
    state: absent
"""

RETURN = r"""
manifest:
  description:
    - The manifest after the task (predicted in check mode); empty when absent.
    - Without its device list; M(breakwater.ztp.manifest_info) with its O(breakwater.ztp.manifest_info#module:id) returns that.
  returned: always
  type: dict
  sample:
    id: manifest_123
    name: Production Floor A
    site_id: site_456
    status: ready
    device_count: 25
    topology_source: helm_topology_789
    config_templates:
      cisco_ie3300: template_switch_basic
failed_devices:
  description: With O(wait=true), the devices a failed deployment left not online, with their status and reason.
  returned: when a deployment failed
  type: list
  elements: dict
  sample: [{id: device_005, hostname: fw-prod-01, status: failed, status_reason: ZTP_NOT_PROVISIONED}]
api_calls:
  description: Number of API calls the task made.
  returned: always
  type: int
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.breakwater.ztp.plugins.module_utils.api_error import ApiError
from ansible_collections.breakwater.ztp.plugins.module_utils.breakwater import (
    BreakwaterClient, breakwater_argument_spec,
)
from ansible_collections.breakwater.ztp.plugins.module_utils.http_client import api_path
from ansible_collections.breakwater.ztp.plugins.module_utils.manifests import (
    create_manifest_once, find_manifest, wait_for_deployment, walk_status,
)
from ansible_collections.breakwater.ztp.plugins.module_utils.polling import WaitTimeout, check_wait_options
from ansible_collections.breakwater.ztp.plugins.module_utils.resource import (
    ApiResource, InputError, TaskFailure, resource_task, run_task,
)


class Manifest(ApiResource):
    name = "manifest"
    fields = dict(name="name", site_id="site_id", description="description",
                  topology_source="topology_source", config_templates="config_templates", status="status")

    def validate(self):
        if self.params["wait"] and self.params["status"] != "deploying":
            raise InputError("wait", True, "needs status=deploying")
        if not self.params["id"] and not self.params["site_id"]:
            raise InputError("site_id", None, "is required to find a manifest by name (names are unique only within a site)")
        check_wait_options(self.params["wait_timeout"], self.params["poll_interval"])

    def find(self):
        found = _summary(find_manifest(self.client, self.params["id"], self.params["site_id"], self.params["name"]))
        if found is None and self.params["id"] and self.params["state"] == "present":
            # The server assigns ids: an unknown one is a mistake, never a manifest to create.
            raise ApiError(404, "MANIFEST_NOT_FOUND", "Manifest %s does not exist; leave id out to create a manifest "
                           "by name and site_id" % self.params["id"], method="GET",
                           path=api_path("/manifests/%s", self.params["id"]), resource=self.params["id"])
        return found

    def desired(self):
        desired = super(Manifest, self).desired()
        desired.pop("topology_source", None)  # creation-only: a topology is not re-applied
        return desired

    def create(self, desired):
        for field in ("name", "site_id"):
            if not self.params[field]:
                raise InputError(field, None, "is required to create a manifest")
        body = dict(desired, topology_source=self.params["topology_source"])
        status = body.pop("status", None)
        body = dict((k, v) for k, v in body.items() if v is not None)
        # Another run creating the same manifest at once: both end with the older one (never two).
        created, adopted = create_manifest_once(self.client, body)
        if adopted:
            self.module.warn("manifest %s of site %s was created by another run at the same time: its manifest %s "
                             "is kept and the one this run created is deleted" % (
                                 body.get("name"), body.get("site_id"), created["id"]))
            created = self.client.get_manifest(created["id"])
            if created.get("status") in ("deploying", "deployed"):
                return _summary(created)
        # Creation yields a draft; walk the lifecycle to the requested status.
        walk_status(self.client, created["id"], created.get("status") or "draft", status)
        return _summary(self.client.get_manifest(created["id"]))

    def update(self, current, changes):
        status = changes.pop("status", None)
        if changes:
            self.client.update_manifest(current["id"], changes)
        walk_status(self.client, current["id"], current.get("status"), status)
        return _summary(self.client.get_manifest(current["id"]))

    def delete(self, current):
        self.client.delete_manifest(current["id"])

    def comparable(self, current):
        # A deployed manifest has done what status=deploying asks for.
        if current.get("status") == "deployed" and self.params["status"] == "deploying":
            return dict(current, status="deploying")
        return current

    def after_apply(self, obj):
        manifest = obj
        if self.params["wait"] and manifest.get("status") == "deploying":
            try:
                full, failed = wait_for_deployment(self.client, manifest["id"], self.params["wait_timeout"],
                                                   self.params["poll_interval"])
            except WaitTimeout:
                raise ApiError(None, "WAIT_TIMEOUT", "manifest still deploying after %s seconds" % self.params[
                    "wait_timeout"], method="GET", path=api_path("/manifests/%s", manifest["id"]),
                    resource=manifest["id"])
            manifest = _summary(full)
            if failed:
                raise TaskFailure(
                    "Deployment of manifest %s did not complete (status %s): %d device(s) not online: %s" % (
                        manifest["id"], manifest.get("status"), len(failed),
                        ", ".join("%s (%s: %s)" % (d.get("hostname"), d.get("status"), d.get("status_reason"))
                                  for d in failed)),
                    manifest=manifest, failed_devices=failed, changed=True)
        return manifest


def _summary(manifest):
    """The manifest without its device list (manifest_info returns that): a short, readable diff."""
    if manifest is None:
        return None
    return dict((k, v) for k, v in manifest.items() if k != "devices")


def module_kwargs():
    """The AnsibleModule arguments (the site plugins run this module's task in-process with them)."""
    return dict(
        argument_spec=breakwater_argument_spec(
            id=dict(type="str"),
            name=dict(type="str"),
            site_id=dict(type="str"),
            description=dict(type="str"),
            topology_source=dict(type="str"),
            config_templates=dict(type="dict"),
            status=dict(type="str", choices=["draft", "ready", "deploying"]),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            wait=dict(type="bool", default=False),
            wait_timeout=dict(type="int", default=1800),
            poll_interval=dict(type="int", default=5),
        ),
        required_one_of=[("id", "name")],
    )


def task(module):
    return resource_task(module, Manifest)


def main():
    module = AnsibleModule(supports_check_mode=True, **module_kwargs())
    run_task(module, BreakwaterClient.from_params, task(module))


if __name__ == "__main__":
    main()
