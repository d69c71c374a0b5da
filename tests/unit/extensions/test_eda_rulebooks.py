# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AAP variant of the self-heal rulebook (examples/awx_project) stays the collection's rulebook
with one difference: the heal is the job template "ZTP heal site" instead of a local playbook."""

from __future__ import annotations

import copy
import os

import yaml

REPO = os.path.join(os.path.dirname(__file__), "..", "..", "..")
HEAL_RULE = "Converge the site of a failed device"


def load(*path):
    with open(os.path.join(REPO, *path)) as handle:
        return yaml.safe_load(handle)


def rule(rulebook, name):
    [found] = [r for r in rulebook[0]["rules"] if r["name"] == name]
    return found


def test_the_aap_rulebook_differs_only_in_how_the_heal_runs():
    local = load("extensions", "eda", "rulebooks", "self_heal.yml")
    aap = load("examples", "awx_project", "rulebooks", "self_heal.yml")
    playbook = rule(local, HEAL_RULE)["action"]["run_playbook"]
    job = rule(aap, HEAL_RULE)["action"]["run_job_template"]
    assert playbook["name"] == "breakwater.ztp.heal" and job["name"] == "ZTP heal site"
    assert job["job_args"]["extra_vars"] == playbook["extra_vars"]
    same = copy.deepcopy(aap)
    rule(same, HEAL_RULE)["action"] = rule(local, HEAL_RULE)["action"]
    assert same == local


def test_the_job_template_playbook_is_the_collections_heal():
    [play] = load("examples", "awx_project", "heal.yml")
    assert play["ansible.builtin.import_playbook"] == "breakwater.ztp.heal"
    configure = load("examples", "awx_project", "awx", "configure.yml")
    [template] = [t["awx.awx.job_template"] for t in configure[0]["tasks"]
                  if t.get("awx.awx.job_template", {}).get("name") == "ZTP heal site"]
    assert template["playbook"] == "heal.yml" and template["ask_variables_on_launch"] is True
