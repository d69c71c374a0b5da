#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: cable_schedule
short_description: Download a Breakwater ZTP manifest's cable schedule PDF
version_added: 0.1.0
description:
  - Downloads the cable schedule of a manifest (every connection of its topology, device and port
    to device and port, with the cable type) as a PDF and saves it to O(dest).
  - The file is written only when its content differs from what O(dest) holds (compared by SHA-256),
    through a temporary file in the same directory, so a reader never sees half a file.
options:
  manifest_id:
    description:
      - ID of the manifest.
      - The same name in every module that takes the ID of a manifest to work on (the manifest modules
        call their own ID O(breakwater.ztp.manifest#module:id)); C(manifest) is an alias.
    type: str
    required: true
    aliases: [manifest]
  dest:
    description:
      - File to save the PDF to. When it is an existing directory, the file is
        C(<manifest_id>-cable-schedule.pdf) inside it.
      - The directory must exist.
    type: path
    required: true
extends_documentation_fragment:
  - breakwater.ztp.breakwater
  - breakwater.ztp.transport
  - breakwater.ztp.attributes
attributes:
  check_mode:
    support: full
    details:
      - Downloads the PDF and reports whether the file would change, without writing it.
  diff_mode:
    support: full
    details:
      - The diff shows the SHA-256 and size of the file before and after (a PDF is binary).
author:
  - breakwater.ztp maintainers (@breakwater)
"""

EXAMPLES = r"""
- name: Cable schedule of Production Floor A for the field crew
  breakwater.ztp.cable_schedule:
    manifest_id: manifest_123
    dest: /srv/rollout/floor-a/cable-schedule.pdf
"""

RETURN = r"""
dest:
  description: The file the PDF is saved to.
  returned: always
  type: str
  sample: /srv/rollout/floor-a/cable-schedule.pdf
checksum:
  description: SHA-256 of the downloaded PDF.
  returned: always
  type: str
  sample: 0f343b0931126a20f133d67c2b018a3b5c8d7a0e3b3b1a8d7c5e0b5a0d9e8f7a
previous_checksum:
  description: SHA-256 of what O(dest) held before, or V(null) when it did not exist.
  returned: always
  type: str
size:
  description: Size of the PDF in bytes.
  returned: always
  type: int
  sample: 2411
api_calls:
  description: Number of API calls the task made.
  returned: always
  type: int
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.breakwater.ztp.plugins.module_utils.breakwater import BreakwaterClient, breakwater_argument_spec
from ansible_collections.breakwater.ztp.plugins.module_utils.files import read_bytes, safe_file_name, sha256, write_atomically
from ansible_collections.breakwater.ztp.plugins.module_utils.resource import InputError, run_task


def destination(params):
    dest = params["dest"]
    if os.path.isdir(dest):
        dest = os.path.join(dest, "%s-cable-schedule.pdf" % safe_file_name(params["manifest_id"]))
    elif not os.path.isdir(os.path.dirname(os.path.abspath(dest))):
        raise InputError("dest", dest, "is in a directory that does not exist")
    return dest


def make_work(module):
    def work(client, params):
        dest = destination(params)
        pdf = client.get_cable_schedule(params["manifest_id"])
        before = read_bytes(dest)
        changed = before != pdf
        if changed and not module.check_mode:
            write_atomically(module, dest, pdf)
        result = {"changed": changed, "dest": dest, "checksum": sha256(pdf), "previous_checksum": sha256(before),
                  "size": len(pdf)}
        if changed:
            result["diff"] = {
                "before_header": dest, "after_header": dest,
                "before": "" if before is None else "sha256: %s (%d bytes)\n" % (sha256(before), len(before)),
                "after": "sha256: %s (%d bytes)\n" % (sha256(pdf), len(pdf)),
            }
        return result
    return work


def main():
    module = AnsibleModule(
        argument_spec=breakwater_argument_spec(
            manifest_id=dict(type="str", required=True, aliases=["manifest"]),
            dest=dict(type="path", required=True),
        ),
        supports_check_mode=True,
    )
    run_task(module, BreakwaterClient.from_params, make_work(module))


if __name__ == "__main__":
    main()
