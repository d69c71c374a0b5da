# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""meta/runtime.yml: every module is in exactly one action group, and every group entry is a module.

A playbook gives credentials once through module_defaults for group/breakwater.ztp.breakwater
or group/breakwater.ztp.fortiztp; a module missing from its group would silently lose them.
"""

from __future__ import annotations

import os

import yaml

from ansible_collections.breakwater.ztp.plugins.module_utils import version

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(version.__file__))))


def action_groups():
    with open(os.path.join(ROOT, "meta", "runtime.yml")) as handle:
        return yaml.safe_load(handle)["action_groups"]


def module_names():
    """Modules that take an API's connection options; the site plugins read them from variables instead."""
    directory = os.path.join(ROOT, "plugins", "modules")
    return sorted(name[:-3] for name in os.listdir(directory)
                  if name.endswith(".py") and name != "__init__.py" and not name.startswith("site_"))


def test_site_plugins_are_action_plugins_with_docs():
    modules = set(os.listdir(os.path.join(ROOT, "plugins", "modules")))
    actions = set(os.listdir(os.path.join(ROOT, "plugins", "action")))
    site = sorted(name for name in modules if name.startswith("site_"))
    assert site == ["site_apply.py", "site_inventory.py", "site_plan.py", "site_report.py", "site_rollout.py"]
    assert sorted(name for name in actions if name.endswith(".py")) == site


def expected_group(module):
    return "fortiztp" if module.startswith("fortiztp_") else "breakwater"


def test_only_the_two_groups_exist():
    assert sorted(action_groups()) == ["breakwater", "fortiztp"]


def test_group_entries_are_unique_plain_names():
    for group, entries in action_groups().items():
        assert all(isinstance(e, str) and "." not in e for e in entries), (group, entries)
        assert len(entries) == len(set(entries)), "duplicates in group %s" % group


def test_every_module_is_in_exactly_its_group():
    groups = action_groups()
    problems = []
    for module in module_names():
        found = [group for group, entries in groups.items() if module in entries]
        if found != [expected_group(module)]:
            problems.append("%s is in %s, expected only in %s" % (module, found or "no group", expected_group(module)))
    assert problems == []


def test_every_group_entry_has_a_module_file():
    modules = set(module_names())
    missing = sorted("%s (group %s)" % (entry, group)
                     for group, entries in action_groups().items() for entry in entries if entry not in modules)
    assert missing == [], "listed in meta/runtime.yml but no plugins/modules/<name>.py"


def test_entries_are_in_the_group_matching_their_prefix():
    wrong = [(group, entry) for group, entries in action_groups().items() for entry in entries
             if expected_group(entry) != group]
    assert wrong == []
