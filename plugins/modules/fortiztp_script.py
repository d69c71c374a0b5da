#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: fortiztp_script
short_description: Manage FortiZTP pre-run CLI scripts
version_added: 0.1.0
description:
  - Create, update and delete the pre-run CLI scripts FortiZTP runs on a FortiGate before it
    joins its FortiManager. A script is found by O(name).
  - The content is compared with what FortiZTP holds by reading it back (one call), so a
    second run with the same content changes nothing. Line endings are compared as C(\n).
  - FortiZTP's documentation does not say which format the content upload takes; the module
    tries O(upload_format) first, then the other formats, and accepts an upload only when
    reading the content back returns what was sent.
options:
  name:
    description:
      - Name of the script; FortiZTP finds it by this name.
    type: str
    required: true
  content:
    description:
      - The script text. Mutually exclusive with O(src). Without O(content) and O(src) the
        content of an existing script is left as it is.
    type: str
  src:
    description:
      - A file on the machine that runs the module holding the script text (UTF-8).
        Mutually exclusive with O(content).
    type: path
  upload_format:
    description:
      - "How the content is uploaded first: V(text) as C(text/plain), V(multipart) as a file
        part named C(file), V(json) as C({\"content\": ...})."
      - When FortiZTP rejects that format, or reading back does not return the content, the
        other formats follow in the order V(text), V(multipart), V(json).
    type: str
    choices: [text, multipart, json]
    default: text
  state:
    description:
      - V(present) creates or updates the script, V(absent) deletes it.
      - FortiZTP refuses to delete a script a FortiManager setting uses; the task then fails
        with FortiZTP's message.
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
      - Reads the script and its content, predicts the result, writes nothing.
  diff_mode:
    support: full
    details:
      - The diff shows the script's name and content before and after.
author:
  - breakwater.ztp maintainers (@breakwater)
"""

EXAMPLES = r"""
- name: Baseline pre-run script
  breakwater.ztp.fortiztp_script:
    name: baseline-prerun
    content: |
      config system global
          set admin-sport 8443
      end

- name: Script from a file of the repository
  breakwater.ztp.fortiztp_script:
    name: branch-prerun
    src: files/branch-prerun.txt

- name: Remove a script
  breakwater.ztp.fortiztp_script:
    name: old-prerun
    state: absent
"""

RETURN = r"""
script:
  description: The script after the task (predicted in check mode); empty when absent.
  returned: always
  type: dict
  sample:
    oid: 2
    name: baseline-prerun
    updateTime: 1767261600000
    content: "config system global\n    set admin-sport 8443\nend\n"
upload_format:
  description: The format the content was uploaded in, when the task uploaded content.
  returned: when content was uploaded
  type: str
  sample: text
api_calls:
  description: Number of API calls the task made.
  returned: always
  type: int
"""

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_text

from ansible_collections.breakwater.ztp.plugins.module_utils.api_error import ApiError
from ansible_collections.breakwater.ztp.plugins.module_utils.fortiztp import FortiZTPClient, fortiztp_module_kwargs
from ansible_collections.breakwater.ztp.plugins.module_utils.fortiztp_devices import script_by_name
from ansible_collections.breakwater.ztp.plugins.module_utils.resource import ApiResource, InputError, resource_task, run_task

UPLOAD_FORMATS = ("text", "multipart", "json")
# Answers that mean "this upload format is not understood", worth trying the next format.
FORMAT_ERRORS = (400, 406, 415, 422)


def normalized(text):
    return (text or "").replace("\r\n", "\n")


def upload_order(first):
    return [first] + [f for f in UPLOAD_FORMATS if f != first]


class Script(ApiResource):
    name = "script"
    fields = dict(name="name")

    def __init__(self, module, client):
        super(Script, self).__init__(module, client)
        self.content = None
        self.uploaded_format = None

    def validate(self):
        if not self.params["name"] or not self.params["name"].strip():
            raise InputError("name", self.params["name"], "must not be empty")
        if self.params["src"] is not None:
            try:
                with open(self.params["src"], "rb") as handle:
                    self.content = to_text(handle.read(), errors="surrogate_or_strict")
            except (IOError, OSError) as exc:
                raise InputError("src", self.params["src"], "cannot be read: %s" % exc)
            except UnicodeError:
                raise InputError("src", self.params["src"], "is not UTF-8 text")
        elif self.params["content"] is not None:
            self.content = self.params["content"]

    def find(self):
        found = script_by_name(self.client.list_scripts(), self.params["name"])
        if found is None:
            return None
        if self.content is not None and self.params["state"] == "present":
            found["content"] = normalized(self.client.get_script_content(found["oid"]))
        return found

    def desired(self):
        desired = {"name": self.params["name"]}
        if self.content is not None:
            desired["content"] = normalized(self.content)
        return desired

    def create(self, desired):
        answer = self.client.create_script(desired["name"])
        created = answer if isinstance(answer, dict) and answer.get("oid") is not None else self._find_again()
        if self.content is not None:
            self.upload(created["oid"], self.content)
            created = dict(created, content=normalized(self.content))
        return created

    def _find_again(self):
        """The script just created, for servers that answer a create without the record."""
        found = script_by_name(self.client.list_scripts(), self.params["name"])
        if found is not None:
            return found
        raise ApiError(None, "NOT_FOUND_AFTER_CREATE", "the script was created but is not listed",
                       method="POST", path="/setting/scripts", resource=self.params["name"])

    def update(self, current, changes):
        if "content" in changes:
            self.upload(current["oid"], self.content)
        return dict(current, **changes)

    def delete(self, current):
        self.client.delete_script(current["oid"])

    def upload(self, oid, content):
        """Upload in the first format FortiZTP accepts and that reads back unchanged."""
        tried = []
        for upload_format in upload_order(self.params["upload_format"]):
            try:
                self.client.put_script_content(oid, content, upload_format=upload_format)
            except ApiError as exc:
                if exc.status not in FORMAT_ERRORS:
                    raise
                tried.append("%s: %s %s" % (upload_format, exc.status, exc.message))
                continue
            if normalized(self.client.get_script_content(oid)) == normalized(content):
                self.uploaded_format = upload_format
                return
            tried.append("%s: accepted, but reading back returned other content" % upload_format)
        raise ApiError(None, "SCRIPT_UPLOAD_FAILED", "FortiZTP took the content in no format (%s)" % "; ".join(tried),
                       method="PUT", path="/setting/scripts/%s/content" % oid, resource=self.params["name"])

    def extra_result(self):
        return {"upload_format": self.uploaded_format} if self.uploaded_format else {}


def module_kwargs():
    """The AnsibleModule arguments (the site plugins run this module's task in-process with them)."""
    return dict(mutually_exclusive=[("content", "src")], **fortiztp_module_kwargs(
        name=dict(type="str", required=True),
        content=dict(type="str"),
        src=dict(type="path"),
        upload_format=dict(type="str", choices=list(UPLOAD_FORMATS), default="text"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    ))


def task(module):
    return resource_task(module, Script)


def main():
    module = AnsibleModule(supports_check_mode=True, **module_kwargs())
    run_task(module, FortiZTPClient.from_params, task(module))


if __name__ == "__main__":
    main()
