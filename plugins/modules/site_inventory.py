# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# The work is done by the action plugin of the same name (plugins/action/site_inventory.py).

from __future__ import annotations

DOCUMENTATION = r"""
module: site_inventory
short_description: Find the ZTP sites among the play's hosts, for a play that rolls out one site per host
version_added: 0.2.0
description:
  - Runs on the controller, once for the whole play, and makes no call. Groups the play's device hosts
    (host vars C(serial_number) and C(device_type)) into sites, each the devices sharing C(ztp_site_id) and
    manifest (C(ztp_manifest_id), else C(ztp_manifest_name)), usually a group of the inventory with
    those variables. Hosts with neither C(serial_number) nor C(device_type) are not devices.
  - A host with C(ztp_devices) is a site host, a site of its own, whose devices are the entries of that list
    (C(hostname), C(serial_number), C(device_type), optional C(groups) for C(rollout_waves) patterns); every
    entry is checked first, each problem located (C(ztp_devices[3].serial_number)). The site is rolled out on
    that host itself, under its own name. One site given both by a site host and by device hosts is refused.
  - Returns one entry per site, for M(ansible.builtin.add_host) to make one controller-side host per
    site (group C(breakwater_ztp_sites), host variable C(breakwater_ztp_site)); the site plugins run
    on such a host read the site's variables from its first device and work on its devices.
    The playbook C(breakwater.ztp.site_rollout) does exactly that, then rolls out the sites in parallel.
  - A play without device hosts (a play on localhost) gives one site, read from that host's variables,
    over every device of its manifest.
author:
  - breakwater.ztp maintainers (@breakwater-ztp)
options: {}
attributes:
  check_mode:
    support: full
    description: Reads only the inventory; the same in check mode.
  diff_mode:
    support: none
    description: Changes nothing, so has nothing to diff.
notes:
  - Refuses, before anything is written, a device or site host without C(ztp_site_id) or C(ztp_manifest_name),
    a bad C(ztp_devices) entry, a site given two ways, and two sites that would write the same report folder
    (set C(rollout_report_dir) or C(ztp_output_dir) per site).
extends_documentation_fragment:
  - breakwater.ztp.attributes.SITE_PLUGIN
seealso:
  - module: breakwater.ztp.site_plan
  - module: breakwater.ztp.site_report
"""

EXAMPLES = r"""
- name: The sites among the hosts
  breakwater.ztp.site_inventory:
  run_once: true
  delegate_to: localhost
  register: rollout_sites

- name: One host per site
  ansible.builtin.add_host:
    name: "{{ item.name }}"
    groups: "{{ ['breakwater_ztp_sites'] + item.groups }}"
    ansible_connection: local
    breakwater_ztp_site: "{{ item }}"
  loop: "{{ rollout_sites.sites }}"
  loop_control:
    label: "{{ item.name }}"
  changed_when: false
"""

RETURN = r"""
sites:
  description: One entry per site, in inventory order.
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: The site's host name in the play over sites (a site host's own name; else its site id, with the manifest when one site id has several).
      type: str
      returned: always
      sample: site_floor_a
    site_id:
      description: Its C(ztp_site_id).
      type: str
      returned: always
    manifest:
      description: Its C(ztp_manifest_id) or C(ztp_manifest_name).
      type: str
      returned: always
    devices:
      description:
        - Its device hosts, in inventory order, with their C(serial_number) and C(device_type) as the inventory
          gives them (read once), as JSON text C([[hostname, serial_number, device_type], ...]); one string is
          much cheaper for Ansible to pass to the site's host than 1,000 entries. A site host's devices (its
          C(ztp_devices)) carry their groups too, C([hostname, serial_number, device_type, groups]).
        - Empty for a site without device hosts (a play on localhost).
      type: str
      returned: always
      sample: '[["fw-prod-01","FGT60FTK20000001","fortigate_60f"],["sw-prod-01","FDO2401A001","cisco_ie3300"]]'
    device_count:
      description: How many device hosts it has.
      type: int
      returned: always
    vars_from:
      description: The host the site's variables are read from (its first device, or the site host).
      type: str
      returned: always
    report_dir:
      description: Its report folder.
      type: str
      returned: always
    run:
      description: The run's id, shared by every site (the index page shows each site's run).
      type: str
      returned: always
    index_dir:
      description: Folder of the run's index page (C(<ztp_output_dir>/reports)).
      type: str
      returned: always
    groups:
      description: The groups of its first device; its host joins them, so it sees the site's C(group_vars).
      type: list
      elements: str
      returned: always
    sites:
      description: The names of every site of the run.
      type: list
      elements: str
      returned: always
problems:
  description: Every reason the sites cannot be rolled out, each naming the host or setting.
  returned: failure
  type: list
  elements: str
"""
