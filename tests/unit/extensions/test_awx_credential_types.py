# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AWX credential types (extensions/awx/credential_types) against what the code really reads.

The environment variables are derived from the modules' argument specs (env_fallback) and the
inventory plugins' option docs (env entries), never listed here.
"""

from __future__ import annotations

import os
import re

import pytest
import yaml

from ansible.module_utils.basic import env_fallback

from ansible_collections.breakwater.ztp.plugins.doc_fragments import breakwater as breakwater_doc
from ansible_collections.breakwater.ztp.plugins.doc_fragments import fortiztp as fortiztp_doc
from ansible_collections.breakwater.ztp.plugins.module_utils.breakwater import BREAKWATER_ARGUMENT_SPEC
from ansible_collections.breakwater.ztp.plugins.module_utils.fortiztp import (
    FORTIZTP_ARGUMENT_SPEC, FORTIZTP_REQUIRED_ONE_OF, FORTIZTP_REQUIRED_TOGETHER,
)

FOLDER = os.path.join(os.path.dirname(__file__), "..", "..", "..", "extensions", "awx", "credential_types")
# file -> (argument spec of the modules, inventory doc fragment of the plugins)
APIS = {
    "breakwater.yml": (BREAKWATER_ARGUMENT_SPEC, breakwater_doc.ModuleDocFragment.INVENTORY),
    "fortiztp.yml": (FORTIZTP_ARGUMENT_SPEC, fortiztp_doc.ModuleDocFragment.INVENTORY),
}
ONLY_AN_INPUT = re.compile(r"^\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$")


def load(name):
    with open(os.path.join(FOLDER, name)) as handle:
        return yaml.safe_load(handle)


def module_env(spec):
    """{environment variable: option} that the modules read (env_fallback of the argument spec)."""
    found = {}
    for option, entry in spec.items():
        fallback = entry.get("fallback")
        if fallback and fallback[0] is env_fallback:
            for variable in fallback[1]:
                found[variable] = option
    return found


def plugin_env(fragment):
    """{environment variable: option} that the inventory plugins read (env entries of their docs)."""
    found = {}
    for option, entry in yaml.safe_load(fragment)["options"].items():
        for env in entry.get("env") or []:
            found[env["name"]] = option
    return found


def test_every_file_is_tested():
    assert sorted(f for f in os.listdir(FOLDER) if f.endswith(".yml")) == sorted(APIS)


@pytest.mark.parametrize("name", sorted(APIS))
def test_credential_type_has_the_shape_awx_accepts(name):
    cred = load(name)
    assert cred["name"] and cred["kind"] == "cloud"
    fields = cred["inputs"]["fields"]
    ids = [f["id"] for f in fields]
    assert len(ids) == len(set(ids)), ids
    for field in fields:
        assert field["type"] == "string" and field["label"], field
    assert set(cred["inputs"]["required"]) <= set(ids)
    assert set(cred) <= {"name", "description", "kind", "inputs", "injectors"}
    assert set(cred["injectors"]) == {"env"}


@pytest.mark.parametrize("name", sorted(APIS))
def test_injectors_set_what_modules_and_plugins_read(name):
    spec, fragment = APIS[name]
    cred = load(name)
    fields = dict((f["id"], f) for f in cred["inputs"]["fields"])
    modules, plugins = module_env(spec), plugin_env(fragment)
    assert modules, "no env_fallback found in the argument spec"
    for variable, template in cred["injectors"]["env"].items():
        match = ONLY_AN_INPUT.match(template)
        assert match, "%s: %s must be exactly one input, got %r" % (name, variable, template)
        field = match.group(1)
        assert field in fields, "%s: %s injects undeclared input %r" % (name, variable, field)
        # The same variable feeds the same option in the modules and in the inventory plugins,
        # and the input is named after that option.
        assert modules.get(variable) == field, "%s: the modules do not read %s as %s" % (name, variable, field)
        assert plugins.get(variable) == field, "%s: the inventory plugins do not read %s as %s" % (name, variable, field)
        # Secrets (no_log options) are secret inputs, and only those.
        assert bool(fields[field].get("secret")) == bool(spec[field].get("no_log")), field
    # Every input is injected somewhere, and every variable the code reads has an input.
    assert set(ONLY_AN_INPUT.match(t).group(1) for t in cred["injectors"]["env"].values()) == set(fields)
    assert set(cred["injectors"]["env"]) == set(modules) & set(plugins)


@pytest.mark.parametrize("name", sorted(APIS))
def test_defaults_are_the_code_defaults(name):
    spec = APIS[name][0]
    for field in load(name)["inputs"]["fields"]:
        if "default" in field:
            assert field["default"] == spec[field["id"]].get("default"), field["id"]


def test_required_inputs_follow_the_argument_spec():
    breakwater = load("breakwater.yml")["inputs"]["required"]
    assert sorted(breakwater) == sorted(o for o in BREAKWATER_ARGUMENT_SPEC if BREAKWATER_ARGUMENT_SPEC[o].get("required"))
    # FortiZTP: api_id + password or access_token, so none of the three alone is required.
    fortiztp = load("fortiztp.yml")["inputs"]["required"]
    either = set(sum((list(group) for group in FORTIZTP_REQUIRED_ONE_OF + FORTIZTP_REQUIRED_TOGETHER), []))
    assert either == {"api_id", "password", "access_token"}
    assert not either & set(fortiztp)
