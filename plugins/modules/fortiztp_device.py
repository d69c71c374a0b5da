#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: fortiztp_device
short_description: Provision and unprovision devices in FortiZTP, in bulk
version_added: 0.1.0
description:
  - Provisions FortiGates, FortiAPs, FortiSwitches and FortiExtenders to their target
    (a FortiManager, a Fortinet cloud service or an external controller) through FortiZTP,
    or unprovisions them.
  - One task handles one O(serial) or a whole O(devices) list. The module checks each target's
    requirements before any call, lists the devices once, sends only the devices that differ
    in one bulk C(PUT /devices) per O(chunk_size) devices, and reads them back once.
  - "Calls for N devices that all differ: one listing, ceil(N / O(chunk_size)) writes, one
    read-back, plus the login if no shared token is cached, plus one lookup each when
    O(fortimanager) is given by serial or O(script) by name. With O(wait=true), one listing
    per poll."
  - Only the target options you set are compared with the device. A device that differs is
    sent with exactly the target options of the task; FortiZTP does not keep the ones you
    leave out.
  - Devices are never created or deleted; they come from FortiCloud Asset Management. Serials
    FortiZTP does not know make the task fail, listing them, before any write.
options:
  serial:
    description:
      - Serial number of one device. Mutually exclusive with O(devices).
    type: str
  devices:
    description:
      - The devices of the task, each a serial number or a dictionary with C(serial) and
        any of the target options (O(target), O(fortimanager), O(region),
        O(external_controller_ip), O(external_controller_sn), O(script),
        O(use_default_script), O(platform), O(firmware_profile)), which override the
        task-level values for that device.
      - Mutually exclusive with O(serial).
    type: list
    elements: raw
  state:
    description:
      - V(provisioned) provisions the devices to their target; V(unprovisioned) releases
        them (target options are then ignored).
      - A device left C(incomplete) by an earlier attempt is provisioned again;
        a C(hidden) device counts as unprovisioned.
    type: str
    choices: [provisioned, unprovisioned]
    default: provisioned
  target:
    description:
      - Where FortiZTP sends the device. Required with O(state=provisioned), at task level or
        per device.
      - V(FortiManager) needs O(fortimanager), or O(external_controller_sn) and
        O(external_controller_ip). V(FortiManagerCloud), V(FortiGateCloud),
        V(FortiEdgeCloud) and V(FortiExtenderCloud) need O(region).
        V(ExternalController) needs O(external_controller_ip).
      - The list is the union of the targets Fortinet's sources name; the service may not
        offer every target to every device type.
    type: str
    choices: [FortiManager, FortiManagerCloud, FortiGateCloud, FortiEdgeCloud, FortiExtenderCloud, FortiSASE, ExternalController]
  fortimanager:
    description:
      - The FortiManager setting (see M(breakwater.ztp.fortiztp_fortimanager)) to provision to,
        by its oid or by the serial number of the FortiManager (any HA member).
      - A serial costs one extra call to list the FortiManager settings.
    type: str
  region:
    description:
      - Region of the cloud target, for example V(global) or V(US-WEST-1) for FortiManager Cloud.
    type: str
  external_controller_ip:
    description:
      - IPv4 address or FQDN of the FortiManager or external controller.
    type: str
  external_controller_sn:
    description:
      - Serial number of the FortiManager, with O(target=FortiManager) and no O(fortimanager).
    type: str
  script:
    description:
      - Pre-run CLI script for FortiManager provisioning, by oid or by name (see
        M(breakwater.ztp.fortiztp_script)). A name costs one extra call to list the scripts.
    type: str
  use_default_script:
    description:
      - Use the script of the FortiManager setting. Conflicts with O(script).
    type: bool
  platform:
    description:
      - VM platform, for example V(FortiGate-VM64-KVM); needed for FortiGate VMs going to
        FortiManager Cloud.
    type: str
  firmware_profile:
    description:
      - FortiGate Cloud firmware profile (see M(breakwater.ztp.fortiztp_firmware_profile_info)).
    type: str
  chunk_size:
    description:
      - Most devices sent in one bulk call. FortiZTP documents no limit; 100 keeps each call
        small while 1,000 devices cost 10 writes of the 2,000 calls allowed per hour.
    type: int
    default: 100
  wait:
    description:
      - With O(state=provisioned), wait until every device of the task has fetched its
        configuration (its provisioning sub-status is empty), polling with one listing
        per poll.
      - Devices FortiZTP gives up on (C(incomplete), for example because they stayed offline
        for 30 minutes) are returned in RV(incomplete_devices) with their message and fail the
        task unless O(allow_partial_failure=true). Devices still in progress at
        O(wait_timeout) fail the task and are returned in RV(pending_devices).
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
    default: 10
  allow_partial_failure:
    description:
      - Report devices that a bulk call rejected, or that provisioning left incomplete, in
        RV(failed_devices) and RV(incomplete_devices) without failing the task.
    type: bool
    default: false
extends_documentation_fragment:
  - breakwater.ztp.fortiztp
  - breakwater.ztp.transport
  - breakwater.ztp.attributes
attributes:
  check_mode:
    support: full
    details:
      - Lists the devices and predicts the result without any write.
  diff_mode:
    support: full
    details:
      - The diff shows the provisioning fields of each device the task changes.
notes:
  - When a bulk call is rejected (FortiZTP validates the whole call and changes nothing when
    one device is wrong), the module sends the rest of that chunk once more without the
    devices the error names, then reports each device that was not provisioned.
author:
  - breakwater.ztp maintainers (@breakwater)
"""

EXAMPLES = r"""
- name: Provision the site's FortiGates to the FortiManager, and wait until they have their config
  breakwater.ztp.fortiztp_device:
    devices:
      - FGT60FTK20000001
      - FGT60FTK20000002
      - serial: FGT60FTK20000003
        script: baseline-prerun
    target: FortiManager
    fortimanager: FMG-VM0000000001
    wait: true
    wait_timeout: 3600

- name: Send the access points to FortiEdge Cloud
  breakwater.ztp.fortiztp_device:
    devices: "{{ groups['fortiaps'] | map('extract', hostvars, 'serial') | list }}"
    target: FortiEdgeCloud
    region: global

- name: Release a FortiGate
  breakwater.ztp.fortiztp_device:
    serial: FGT60FTK20000010
    state: unprovisioned
"""

RETURN = r"""
devices:
  description: Every device of the task as FortiZTP reports it after the task (predicted in check mode).
  returned: always
  type: list
  elements: dict
  sample:
    - deviceSN: FGT60FTK20000001
      deviceType: FortiGate
      provisionStatus: provisioned
      provisionTarget: FortiManager
      fortiManagerOid: 1
      externalControllerSn: FMG-VM0000000001
      externalControllerIp: 10.0.0.10
      provisionSubStatus: waiting
      message: Waiting for the device to connect
changed_devices:
  description: Serial numbers of the devices the task sent (or would send in check mode).
  returned: always
  type: list
  elements: str
failed_devices:
  description: Devices a bulk call rejected, with the API's error code and message.
  returned: always
  type: list
  elements: dict
  sample: [{serial: FGT60FTK20000012, code: invalid_request, message: "Script 9 doesn't exist"}]
incomplete_devices:
  description: With O(wait=true), devices FortiZTP left C(incomplete), with their sub-status and message.
  returned: always
  type: list
  elements: dict
  sample: [{serial: FGT60FTK20000011, status: incomplete, sub_status: provisioningtoolong,
            message: Provisioning did not complete within 30 minutes}]
pending_devices:
  description: With O(wait=true), devices still being provisioned when O(wait_timeout) ran out.
  returned: always
  type: list
  elements: dict
unknown_serials:
  description: Serial numbers FortiZTP does not know; the task fails before any write.
  returned: on failure
  type: list
  elements: str
api_calls:
  description: Number of API calls the task made (FortiZTP allows 2,000 per hour).
  returned: always
  type: int
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.breakwater.ztp.plugins.module_utils.api_error import ApiError
from ansible_collections.breakwater.ztp.plugins.module_utils.fortiztp import (
    BULK_CHUNK_SIZE, FortiZTPClient, fortiztp_module_kwargs,
)
from ansible_collections.breakwater.ztp.plugins.module_utils import fortiztp_devices as plan
from ansible_collections.breakwater.ztp.plugins.module_utils import fortiztp_provisioning as provisioning
from ansible_collections.breakwater.ztp.plugins.module_utils.fortiztp_placement import needs_change
from ansible_collections.breakwater.ztp.plugins.module_utils.limits import check_least
from ansible_collections.breakwater.ztp.plugins.module_utils.polling import WaitTimeout, check_wait_options
from ansible_collections.breakwater.ztp.plugins.module_utils.resource import (
    InputError, TaskFailure, as_task_failure, chunks, run_task,
)

# Statuses of a rejected bulk call that concern its items, not the connection or the account.
ITEM_ERRORS = (400, 404, 409, 422)
DIFF_FIELDS = ("provisionStatus",) + tuple(plan.TARGET_OPTIONS.values())


class DeviceProvisioning(object):

    def __init__(self, module, client, clock=None, pause=None, known=None):
        self.module = module
        self.client = client
        # What the caller read moments ago in this process (a site's plan): ``devices`` (records by serial),
        # ``fortimanagers``, ``scripts``; each given is not read again. The module itself reads everything.
        self.known = known or {}
        self.params = module.params
        self.state = self.params["state"]
        self.clock, self.pause = clock, pause  # the wait's clock and sleep (polling.poll's by default)
        self.result = {"changed": False, "devices": [], "changed_devices": [], "failed_devices": [],
                       "incomplete_devices": [], "pending_devices": []}

    def run(self):
        """The task's result; a failure carries what was done so far (devices, changed_devices...)."""
        try:
            self.apply()
        except (InputError, ApiError) as exc:
            raise as_task_failure(exc, **self.result)
        return self.result

    def fail(self, msg, **extra):
        raise TaskFailure(msg, **dict(self.result, **extra))

    def validate(self):
        """Everything that can be checked without a call."""
        check_least("chunk_size", self.params["chunk_size"])
        check_wait_options(self.params["wait_timeout"], self.params["poll_interval"])
        specs = plan.device_specs(self.params)
        if self.state == "provisioned":
            for spec in specs:
                plan.check_requirements(spec)
        return specs

    def desired(self, specs):
        if self.state != "provisioned":
            return dict((spec["serial"], {}) for spec in specs)
        fortimanager_serials, script_names = plan.references(specs)
        fortimanagers = plan.fortimanager_oids_by_serial(
            self.listed("fortimanagers", self.client.list_fortimanagers)) if fortimanager_serials else {}
        scripts = plan.script_oids_by_name(self.listed("scripts", self.client.list_scripts)) if script_names else {}
        return dict((spec["serial"], plan.desired_fields(spec, fortimanagers, scripts)) for spec in specs)

    def listed(self, name, read):
        """What the caller read of ``name`` (``known``), else ``read()``."""
        given = self.known.get(name)
        return read() if given is None else given

    def list_devices(self, serials):
        return provisioning.index_by_serial(self.client.list_devices(serials=provisioning.serial_filter(serials)), serials)

    def apply(self):
        specs = self.validate()
        serials = [spec["serial"] for spec in specs]
        fields = self.desired(specs)
        known = self.known.get("devices") or {}
        current = dict((s, known[s]) for s in serials) if all(s in known for s in serials) else self.list_devices(serials)
        unknown = [serial for serial in serials if serial not in current]
        if unknown:
            self.fail("FortiZTP does not know %d serial number(s): %s; nothing was changed"
                      % (len(unknown), ", ".join(unknown)), unknown_serials=unknown)

        bodies = [plan.request_body(current[s], self.state, fields[s]) for s in serials
                  if needs_change(current[s], self.state, fields[s])]
        changed = [body["deviceSN"] for body in bodies]
        self.result["changed_devices"] = changed
        self.result["changed"] = bool(changed)
        after = dict(current)

        if self.module.check_mode:
            for body in bodies:
                after[body["deviceSN"]] = plan.predicted(current[body["deviceSN"]], body)
        else:
            rejected = self.send(bodies)
            watch = set(changed)
            if self.params["wait"] and self.state == "provisioned":
                watch |= set(s for s in serials if provisioning.progress(current[s]) == provisioning.PENDING)
            if watch:
                after.update(self.list_devices(sorted(watch)))
            self.report_rejected(bodies, rejected, after, fields)
            if self.params["wait"] and self.state == "provisioned":
                after.update(self.wait([s for s in serials if s not in rejected], after))

        self.result["devices"] = [after[s] for s in serials]
        if changed:
            self.result["diff"] = {
                "before": dict((s, _diff_view(current[s])) for s in changed),
                "after": dict((s, _diff_view(after[s])) for s in changed),
            }
        self.check_outcome()

    def send(self, bodies):
        """One bulk PUT per chunk; returns {serial: error} for the devices a call rejected."""
        rejected = {}
        for chunk in chunks(bodies, self.params["chunk_size"]):
            error = self.send_chunk(chunk)
            if error is None:
                continue
            chunk_serials = [b["deviceSN"] for b in chunk]
            named = provisioning.serials_named_in(error.message, chunk_serials)
            for serial in named:
                rejected[serial] = error
            rest = [b for b in chunk if b["deviceSN"] not in named]
            if not named or not rest:
                for serial in chunk_serials:
                    rejected.setdefault(serial, error)
                continue
            # FortiZTP rejects the whole call for its first bad device: retry the others once.
            error = self.send_chunk(rest)
            if error is not None:
                for body in rest:
                    rejected[body["deviceSN"]] = error
        return rejected

    def send_chunk(self, chunk):
        """One bulk PUT; the ApiError when FortiZTP rejects its items, None when it took them."""
        try:
            self.client.bulk_update_devices(chunk)
        except ApiError as exc:
            if exc.status not in ITEM_ERRORS:
                raise
            return exc
        return None

    def report_rejected(self, bodies, rejected, after, fields):
        for body in bodies:
            serial = body["deviceSN"]
            if serial not in rejected:
                continue
            if not needs_change(after.get(serial), self.state, fields[serial]):
                continue  # the read-back shows it applied after all
            error = rejected[serial]
            self.result["failed_devices"].append({
                "serial": serial, "code": error.code, "status": error.status, "message": error.message,
            })
        failed = set(d["serial"] for d in self.result["failed_devices"])
        self.result["changed_devices"] = [s for s in self.result["changed_devices"] if s not in failed]
        self.result["changed"] = bool(self.result["changed_devices"])

    def wait(self, serials, records):
        """Wait until no device is pending (fortiztp_provisioning.wait_provisioned), bounded by wait_timeout;
        the devices still pending then are reported, not raised."""
        try:
            records = provisioning.wait_provisioned(self.client, serials, self.params["wait_timeout"],
                                                    self.params["poll_interval"], records=records, clock=self.clock,
                                                    pause=self.pause)
        except WaitTimeout as exc:
            records = exc.last
        for serial in serials:
            record = records[serial]
            state = provisioning.progress(record)
            if state == provisioning.DONE:
                continue
            entry = {"serial": serial, "status": record.get("provisionStatus"),
                     "sub_status": record.get("provisionSubStatus"), "message": record.get("message")}
            self.result["incomplete_devices" if state == provisioning.INCOMPLETE else "pending_devices"].append(entry)
        return records

    def check_outcome(self):
        pending = self.result["pending_devices"]
        if pending:
            self.fail("%d device(s) were still being provisioned after %d seconds: %s" % (
                len(pending), self.params["wait_timeout"],
                ", ".join("%s (%s)" % (d["serial"], d["sub_status"]) for d in pending)))
        if self.params["allow_partial_failure"]:
            return
        problems = ["%s: %s" % (d["serial"], d["message"]) for d in self.result["failed_devices"]]
        problems += ["%s: %s (%s)" % (d["serial"], d["status"], d["message"]) for d in self.result["incomplete_devices"]]
        if problems:
            self.fail("%d device(s) were not provisioned: %s" % (len(problems), "; ".join(problems)))


def _diff_view(record):
    return dict((field, (record or {}).get(field)) for field in DIFF_FIELDS)


def main():
    module = AnsibleModule(supports_check_mode=True, **module_kwargs())
    run_task(module, FortiZTPClient.from_params, task(module))


def task(module, known=None):
    """``known``: see DeviceProvisioning (the site plugins pass what their plan read)."""
    return lambda client, params: DeviceProvisioning(module, client, known=known).run()


def module_kwargs():
    """The AnsibleModule arguments (the site plugins run this module's task in-process with them)."""
    target_choices = list(plan.TARGETS)
    kwargs = fortiztp_module_kwargs(
        serial=dict(type="str"),
        devices=dict(type="list", elements="raw"),
        state=dict(type="str", choices=["provisioned", "unprovisioned"], default="provisioned"),
        target=dict(type="str", choices=target_choices),
        fortimanager=dict(type="str"),
        region=dict(type="str"),
        external_controller_ip=dict(type="str"),
        external_controller_sn=dict(type="str"),
        script=dict(type="str"),
        use_default_script=dict(type="bool"),
        platform=dict(type="str"),
        firmware_profile=dict(type="str"),
        chunk_size=dict(type="int", default=BULK_CHUNK_SIZE),
        wait=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=1800),
        poll_interval=dict(type="int", default=10),
        allow_partial_failure=dict(type="bool", default=False),
    )
    kwargs["required_one_of"] = kwargs["required_one_of"] + [("serial", "devices")]
    kwargs["mutually_exclusive"] = [("serial", "devices")]
    return kwargs


if __name__ == "__main__":
    main()
