#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: config
short_description: Generate Breakwater ZTP device configs, wait for them, save them to files
version_added: 0.1.0
description:
  - Generates the configs of a manifest's devices from their templates, for all devices or the
    subset given by O(device_ids) or O(hostnames), in one call.
  - A device that already holds a config (status C(config_generated), C(deploying), C(online) or
    C(failed)) is current and is not regenerated unless O(force=true); when every selected device is
    current the task makes no write and reports C(changed=false). A device without a serial number
    cannot get a config and is listed in RV(not_queued).
  - A config becomes stale when the manifest's O(breakwater.ztp.manifest#module:config_templates)
    change after it was generated; regenerate it with O(force=true).
  - With O(wait=true) the task polls the manifest's events until every queued device has its config
    generated or failed, and fails naming each failed device with the reason (code, message, variable).
  - With O(dest) each selected device's config is saved as C(<hostname>.cfg), or C(<hostname>.json) with
    O(format=json), downloaded with at most O(max_workers) parallel calls. A file is written only when
    its content differs. Characters other than C(A-Z a-z 0-9 . _ -) in a hostname become C(_) in its
    file name.
options:
  manifest_id:
    description:
      - ID of the manifest.
      - The same name in every module that takes the ID of a manifest to work on (the manifest modules
        call their own ID O(breakwater.ztp.manifest#module:id)); C(manifest) is an alias.
    type: str
    required: true
    aliases: [manifest]
  device_ids:
    description:
      - Only these devices of the manifest. Unknown IDs fail the task before any write.
    type: list
    elements: str
  hostnames:
    description:
      - Only the devices of the manifest with these hostnames. Unknown hostnames fail the task before any write.
    type: list
    elements: str
  force:
    description:
      - Regenerate the configs of the selected devices even when they are current.
    type: bool
    default: false
  wait:
    description:
      - Wait until every queued device has its config generated or failed; fail naming the failed ones.
      - Implied by O(dest) when configs are generated, so the files hold the new configs.
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait for config generation; C(0) looks once and does not wait. Must be 0 or more.
    type: int
    default: 600
  poll_interval:
    description:
      - Seconds between two polls while waiting; at least 1.
    type: int
    default: 3
  dest:
    description:
      - Directory to save each selected device's config to; created when missing.
      - Devices without a generated config are not saved (see RV(files)).
    type: path
  format:
    description:
      - With O(dest), save the rendered text (V(text), C(.cfg) files) or the structured config (V(json), C(.json) files).
    type: str
    choices: [text, json]
    default: text
  max_workers:
    description:
      - At most this many configs are downloaded at the same time with O(dest).
    type: int
    default: 4
extends_documentation_fragment:
  - breakwater.ztp.breakwater
  - breakwater.ztp.transport
  - breakwater.ztp.attributes
attributes:
  check_mode:
    support: full
    details:
      - Reports which devices would be queued and which files would change (comparing with the configs
        the server holds now), without generating or writing anything.
  diff_mode:
    support: full
    details:
      - The diff shows each changed config file before and after, and the devices queued for generation.
author:
  - breakwater.ztp maintainers (@breakwater)
"""

EXAMPLES = r"""
- name: Generate the configs of Production Floor A and wait for them
  breakwater.ztp.config:
    manifest_id: manifest_123
    wait: true

- name: Regenerate two switches after a template change and save their configs for review
  breakwater.ztp.config:
    manifest_id: manifest_123
    hostnames: [sw-prod-01, sw-prod-02]
    force: true
    dest: /srv/rollout/floor-a/configs
"""

RETURN = r"""
queued:
  description: The devices queued for generation (in check mode, those that would be).
  returned: always
  type: list
  elements: dict
  sample: [{id: device_002, hostname: sw-prod-01, status: serial_registered}]
not_queued:
  description: The selected devices not queued, with the C(reason) (C(config_current) or C(no_serial)).
  returned: always
  type: list
  elements: dict
  sample: [{id: device_003, hostname: sw-prod-02, status: config_generated, reason: config_current}]
job:
  description: The API's answer to the generation request (C(job_id), C(devices_queued), ...).
  returned: when configs were generated
  type: dict
  sample: {job_id: config_job_789, status: processing, devices_queued: 2}
devices:
  description: With O(wait=true) or O(dest), the selected devices as they are at the end.
  returned: when waiting or saving
  type: list
  elements: dict
failed_devices:
  description: The devices whose config generation failed, with C(code), C(message), C(template_id) and C(variable).
  returned: when a generation failed
  type: list
  elements: dict
  sample: [{id: device_002, hostname: sw-prod-01, code: CONFIG_GENERATION_FAILED,
            message: Required variable radius_secret has no value, template_id: template_switch_broken, variable: radius_secret}]
files:
  description: With O(dest), one entry per selected device, with its C(path) and whether it C(changed), or why it was not saved.
  returned: when O(dest) is given
  type: list
  elements: dict
  sample: [{id: device_002, hostname: sw-prod-01, path: /srv/rollout/floor-a/configs/sw-prod-01.cfg, changed: true}]
api_calls:
  description: Number of API calls the task made.
  returned: always
  type: int
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.breakwater.ztp.plugins.module_utils.api_error import ApiError
from ansible_collections.breakwater.ztp.plugins.module_utils.breakwater import BreakwaterClient, breakwater_argument_spec
from ansible_collections.breakwater.ztp.plugins.module_utils.configs import (
    brief, generate_configs, plan_generation, save_configs, select_devices,
)
from ansible_collections.breakwater.ztp.plugins.module_utils.files import (
    ensure_directory, read_bytes, text_for_diff, write_atomically,
)
from ansible_collections.breakwater.ztp.plugins.module_utils.limits import check_least
from ansible_collections.breakwater.ztp.plugins.module_utils.polling import WaitTimeout, check_wait_options
from ansible_collections.breakwater.ztp.plugins.module_utils.resource import InputError, TaskFailure, run_task


def validate(params):
    check_wait_options(params["wait_timeout"], params["poll_interval"])
    check_least("max_workers", params["max_workers"])
    dest = params["dest"]
    if dest and os.path.exists(dest) and not os.path.isdir(dest):
        raise InputError("dest", dest, "exists and is not a directory")


def save_files(module, client, params, devices, result):
    """Write the configs that differ (configs.save_configs), with a diff per file; none in check mode."""
    dest = params["dest"]
    if not module.check_mode and ensure_directory("dest", dest):
        result["changed"] = True
    diffs = []

    def write(path, content):
        before = read_bytes(path)
        if before == content:
            return False
        if not module.check_mode:
            write_atomically(module, path, content)
        diffs.append({"before_header": path, "after_header": path,
                      "before": text_for_diff(before), "after": text_for_diff(content)})
        return True

    result["files"] = save_configs(client, devices, dest, params["format"], write, params["max_workers"])
    if diffs:
        result["changed"] = True
        result.setdefault("diff", []).extend(diffs)


def make_work(module):
    def work(client, params):
        validate(params)
        manifest = client.get_manifest(params["manifest_id"])
        devices = select_devices(manifest.get("devices") or [], params["device_ids"], params["hostnames"])
        queue, skipped = plan_generation(devices, force=params["force"])
        result = {"changed": bool(queue), "queued": [brief(d) for d in queue], "not_queued": skipped}
        if queue:
            result["diff"] = [{"before_header": "configs of manifest %s" % params["manifest_id"],
                               "after_header": "configs of manifest %s" % params["manifest_id"],
                               "before": "", "after": "".join("generate %s (%s)\n" % (d.get("hostname"), d.get("id"))
                                                              for d in queue)}]
        if module.check_mode:
            if params["dest"]:
                save_files(module, client, params, devices, result)
            return result

        wait = params["wait"] or bool(params["dest"])
        failed = []
        if params["dest"] and ensure_directory("dest", params["dest"]):
            result["changed"] = True  # before generating: a dest that cannot be made fails first
        if queue:
            try:
                outcome = generate_configs(client, params["manifest_id"], queue, params["force"], params["wait_timeout"],
                                           params["poll_interval"], wait=wait)
            except WaitTimeout as exc:
                pending = sorted(d["id"] for d in queue if d["id"] not in (exc.last or {}))
                raise ApiError(None, "WAIT_TIMEOUT", "config generation not finished after %s seconds for %s" % (
                    params["wait_timeout"], ", ".join(pending)), method="GET", path="/events",
                    resource=params["manifest_id"])
            result["job"], failed = outcome["job"], outcome["failed"]
            if wait:
                refreshed = dict((d.get("id"), d) for d in client.get_manifest(params["manifest_id"]).get("devices") or [])
                devices = [refreshed.get(d.get("id"), d) for d in devices]
        if wait or params["dest"]:
            result["devices"] = [brief(d) for d in devices]
        if params["dest"]:
            save_files(module, client, params, devices, result)
        if failed:
            result["failed_devices"] = failed
            first = failed[0]
            raise TaskFailure(
                "Config generation failed on %d of %d device(s): %s" % (len(failed), len(queue), "; ".join(
                    "%s (%s): %s %s" % (f["hostname"], f["id"], f["code"], f["message"]) for f in failed)),
                error={"code": first["code"], "message": first["message"], "resource": first["hostname"],
                       "details": {"device_id": first["id"], "template_id": first["template_id"],
                                   "variable": first["variable"]}},
                **result)
        return result
    return work


def main():
    module = AnsibleModule(
        argument_spec=breakwater_argument_spec(
            manifest_id=dict(type="str", required=True, aliases=["manifest"]),
            device_ids=dict(type="list", elements="str"),
            hostnames=dict(type="list", elements="str"),
            force=dict(type="bool", default=False),
            wait=dict(type="bool", default=False),
            wait_timeout=dict(type="int", default=600),
            poll_interval=dict(type="int", default=3),
            dest=dict(type="path"),
            format=dict(type="str", choices=["text", "json"], default="text"),
            max_workers=dict(type="int", default=4),
        ),
        mutually_exclusive=[("device_ids", "hostnames")],
        supports_check_mode=True,
    )
    run_task(module, BreakwaterClient.from_params, make_work(module))


if __name__ == "__main__":
    main()
