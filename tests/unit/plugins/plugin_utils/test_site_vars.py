# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The variables of a site rollout (plugin_utils/site_vars.py): defaults, types, connections, play hosts.

site_definition and connection only call ``variables.get(name)``, so a plain dict stands in for
the plugins' TemplatedVariables.
"""

from __future__ import annotations

import os

import pytest
import yaml

from ansible_collections.breakwater.ztp.plugins.plugin_utils import site_vars
from ansible_collections.breakwater.ztp.plugins.plugin_utils.site_vars import (
    CONNECTION_SPECS, DEFINING, REQUIRED, SITE_VARIABLES, SiteVariableError, connection, play_hosts, site_definition,
)

COLLECTION = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))))
ARGUMENT_SPECS = os.path.join(COLLECTION, "roles", "rollout", "meta", "argument_specs.yml")
MINIMAL = {"ztp_site_id": "site_456", "ztp_manifest_name": "Plant A"}
ENVIRONMENT = ("BREAKWATER_URL", "BREAKWATER_API_TOKEN", "FORTIZTP_API_ID", "FORTIZTP_PASSWORD",
               "FORTIZTP_ACCESS_TOKEN", "FORTIZTP_BASE_URL", "FORTIZTP_AUTH_URL", "FORTIZTP_TOKEN_CACHE_DIR")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """The connection variables fall back to the environment: start from none of them."""
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)


def with_site(**variables):
    merged = dict(MINIMAL)
    merged.update(variables)
    return merged


# --- site_definition -------------------------------------------------------------------------------
def test_defaults_are_applied():
    site = site_definition(MINIMAL)
    assert site["ztp_site_id"] == "site_456" and site["ztp_manifest_name"] == "Plant A"
    for name, variable in DEFINING.items():
        if name in REQUIRED or name in ("rollout_report_dir", "configs_dest"):
            continue
        assert site[name] == variable.default, name
    assert site["rollout_report_dir"] == os.path.join(".", "reports", "site_456")
    assert site["configs_dest"] == os.path.join(".", "configs", "site_456")
    assert set(site) == set(DEFINING)  # the names users write, none renamed
    # A site host's devices are read with the inventory (site_inventory, SiteState), not as the site's definition.
    assert set(SITE_VARIABLES) - set(DEFINING) == {"ztp_devices"}


def test_output_dir_places_reports_and_configs():
    site = site_definition(with_site(ztp_output_dir="/srv/rollout"))
    assert site["rollout_report_dir"] == "/srv/rollout/reports/site_456"
    assert site["configs_dest"] == "/srv/rollout/configs/site_456"
    given = site_definition(with_site(ztp_output_dir="/srv/rollout", rollout_report_dir="/r", configs_dest="/c"))
    assert (given["rollout_report_dir"], given["configs_dest"]) == ("/r", "/c")


def test_empty_strings_take_the_default():
    site = site_definition(with_site(ztp_output_dir="", configs_wait_timeout="", serials_replace="",
                                     rollout_fortiztp_enabled="", configs_format=""))
    assert site["ztp_output_dir"] == "." and site["configs_wait_timeout"] == 900
    assert site["serials_replace"] is False and site["rollout_fortiztp_enabled"] is True
    assert site["configs_format"] == "text"


@pytest.mark.parametrize("value, expected", [
    (True, True), (False, False),
    ("true", True), ("True", True), ("yes", True), ("on", True), ("1", True), ("y", True), (" TRUE ", True), (1, True),
    ("false", False), ("False", False), ("no", False), ("off", False), ("0", False), ("n", False), (0, False),
])
def test_bool_strings(value, expected):
    assert site_definition(with_site(serials_replace=value))["serials_replace"] is expected


@pytest.mark.parametrize("value", ["maybe", "2", [], "tru"])
def test_a_bad_boolean_names_the_variable(value):
    with pytest.raises(SiteVariableError) as caught:
        site_definition(with_site(rollout_fortiztp_enabled=value))
    assert str(caught.value) == "rollout_fortiztp_enabled: %r is not a boolean" % (value,)


@pytest.mark.parametrize("value, expected", [("60", 60), (60, 60), (" 7 ", 7), ("0", 0)])
def test_int_strings(value, expected):
    assert site_definition(with_site(rollout_wait_timeout=value))["rollout_wait_timeout"] == expected


@pytest.mark.parametrize("value", ["soon", "1.5", [10], {}])
def test_a_bad_int_names_the_variable(value):
    with pytest.raises(SiteVariableError) as caught:
        site_definition(with_site(configs_poll_interval=value))
    assert str(caught.value) == "configs_poll_interval: %r is not a whole number" % (value,)


@pytest.mark.parametrize("value, expected", [
    ("FMG-VM0000000001", ["FMG-VM0000000001"]),
    (["FMG-VM0000000001", "FMG-VM0000000002"], ["FMG-VM0000000001", "FMG-VM0000000002"]),
    (("FMG1",), ["FMG1"]),
    ([1234567], ["1234567"]),
    (1234567, ["1234567"]),
    ("", []),
    (None, None),  # not set: no default
])
def test_list_from_a_scalar(value, expected):
    assert site_definition(with_site(ztp_fortimanager_sn=value))["ztp_fortimanager_sn"] == expected


def test_a_comma_string_is_a_list_as_ansible_reads_it():
    site = site_definition(with_site(ztp_fortimanager_sn="FMG-VM0000000002, FMG-VM0000000003"))
    assert site["ztp_fortimanager_sn"] == ["FMG-VM0000000002", "FMG-VM0000000003"]


def test_dict_variables():
    templates = {"cisco_ie3300": "template_switch_basic"}
    site = site_definition(with_site(ztp_config_templates=templates))
    assert site["ztp_config_templates"] == templates and site["ztp_config_templates"] is not templates
    with pytest.raises(SiteVariableError) as caught:
        site_definition(with_site(ztp_config_templates="template_switch_basic"))
    assert str(caught.value) == "ztp_config_templates: 'template_switch_basic' is not a dictionary"


def test_str_variables_are_strings():
    site = site_definition(with_site(ztp_site_id=456, ztp_manifest_id=123))
    assert site["ztp_site_id"] == "456" and site["ztp_manifest_id"] == "123"
    assert site["rollout_report_dir"] == os.path.join(".", "reports", "456")


@pytest.mark.parametrize("variables, missing", [
    ({}, "ztp_site_id and ztp_manifest_name"),
    ({"ztp_site_id": "site_456"}, "ztp_manifest_name"),
    ({"ztp_manifest_name": "Plant A"}, "ztp_site_id"),
    ({"ztp_site_id": "", "ztp_manifest_name": None}, "ztp_site_id and ztp_manifest_name"),
])
def test_required_variables_missing(variables, missing):
    with pytest.raises(SiteVariableError) as caught:
        site_definition(variables)
    assert str(caught.value) == "the site needs %s (set in the inventory or group_vars)" % missing


def test_site_definition_reads_through_get_only():
    class OnlyGet(object):
        def __init__(self, values):
            self.values = values
            self.asked = []

        def get(self, name, default=None):
            self.asked.append(name)
            return self.values.get(name, default)

    variables = OnlyGet(with_site(serials_replace="yes"))
    assert site_definition(variables)["serials_replace"] is True
    assert set(DEFINING) <= set(variables.asked)


def test_the_table_is_consistent():
    assert set(REQUIRED) <= set(SITE_VARIABLES)
    for name, (kind, default) in ((n, (v.kind, v.default)) for n, v in SITE_VARIABLES.items()):
        assert kind in ("str", "path", "bool", "int", "list", "dict"), name
        if default is not None:
            assert site_vars.checked_variables({name: default})[name] == default, name


@pytest.mark.parametrize("variables, message", [
    ({"configs_format": "yaml"}, "configs_format: value of configs_format must be one of: text, json, got: yaml"),
    ({"manifest_status": "deployed"}, "manifest_status: value of manifest_status must be one of: draft, ready, got: "
     "deployed"),
    ({"serials_verification_method": "guess"}, "serials_verification_method: value of serials_verification_method "
     "must be one of: barcode_scan, csv_import, manual, api, got: guess"),
    ({"rollout_wave": "second"}, "rollout_wave: 'second' is not a whole number"),
    ({"serials_replace": "perhaps"}, "serials_replace: 'perhaps' is not a boolean"),
])
def test_every_variable_is_checked_by_ansibles_validator_choices_included(variables, message):
    """Whether or not a role's argument validation ran (a site plugin in a play of its own)."""
    with pytest.raises(SiteVariableError) as caught:
        site_definition(with_site(**variables))
    assert str(caught.value) == message


# --- connection ------------------------------------------------------------------------------------
def test_breakwater_connection_from_variables():
    params, secrets = connection({"breakwater_url": "https://bw.example.com", "breakwater_api_token": "s3cret",
                                  "breakwater_timeout": "5", "breakwater_validate_certs": "no",
                                  "url": "https://ignored.example.com"}, "breakwater")
    assert params == {"url": "https://bw.example.com", "api_token": "s3cret", "timeout": 5, "retries": 3,
                      "validate_certs": False, "ca_path": None}
    assert secrets == ["s3cret"]


def test_breakwater_connection_from_the_environment(monkeypatch):
    monkeypatch.setenv("BREAKWATER_URL", "https://env.example.com")
    monkeypatch.setenv("BREAKWATER_API_TOKEN", "from-env")
    params, secrets = connection({}, "breakwater")
    assert (params["url"], params["api_token"]) == ("https://env.example.com", "from-env")
    assert secrets == ["from-env"]
    # A variable wins over the environment; an empty one does not count.
    params, _secrets = connection({"breakwater_url": "https://var.example.com", "breakwater_api_token": ""}, "breakwater")
    assert (params["url"], params["api_token"]) == ("https://var.example.com", "from-env")


def test_breakwater_connection_missing():
    with pytest.raises(SiteVariableError) as caught:
        connection({}, "breakwater")
    # Named as the user sets them, not as the module options they become.
    assert str(caught.value) == "breakwater connection: missing required arguments: breakwater_api_token, breakwater_url"


@pytest.mark.parametrize("api, variables, option", [
    ("breakwater", {"breakwater_timeout": "soon"}, "timeout"),
    ("breakwater", {"breakwater_retries": [3]}, "retries"),
    ("breakwater", {"breakwater_validate_certs": "maybe"}, "validate_certs"),
    ("fortiztp", {"fortiztp_token_cache": "sometimes"}, "token_cache"),
])
def test_a_bad_type_names_the_option(api, variables, option):
    variables = dict(variables, breakwater_url="https://bw.example.com", breakwater_api_token="t",
                     fortiztp_access_token="t")
    with pytest.raises(SiteVariableError) as caught:
        connection(variables, api)
    message = str(caught.value)
    assert message.startswith("%s connection: " % api)
    assert "'%s_%s'" % (api, option) in message
    assert " found in " not in message


def test_fortiztp_connection_defaults_and_secrets(monkeypatch):
    monkeypatch.setenv("FORTIZTP_PASSWORD", "pw")
    params, secrets = connection({"fortiztp_api_id": "api-user", "fortiztp_token_cache": "false"}, "fortiztp")
    assert params["api_id"] == "api-user" and params["password"] == "pw"
    assert params["token_cache"] is False
    assert params["base_url"] == "https://fortiztp.forticloud.com/public/api/v2"
    assert params["auth_url"] == "https://customerapiauth.fortinet.com/api/v1"
    assert secrets == ["pw"]


@pytest.mark.parametrize("variables, named", [
    ({}, "api_id"),
    ({"fortiztp_api_id": "api-user"}, "password"),
])
def test_fortiztp_connection_needs_credentials(variables, named):
    with pytest.raises(SiteVariableError) as caught:
        connection(variables, "fortiztp")
    assert named in str(caught.value)


def test_connections_cover_both_apis():
    assert sorted(CONNECTION_SPECS) == ["breakwater", "fortiztp"]


# --- play_hosts ------------------------------------------------------------------------------------
def test_play_hosts():
    hostvars = {
        "localhost": {"ansible_connection": "local"},
        "sw-01": {"serial_number": "FDO2401A001", "device_type": "cisco_ie3300", "ansible_host": "10.0.0.1"},
        "sw-02": {"serial_number": None, "device_type": "cisco_ie3300"},
        "fw-01": {"serial_number": "FGT60F0000000001"},
        "not-in-play": {"serial_number": "FDO2401A099", "device_type": "cisco_ie3300"},
    }
    assert play_hosts(hostvars, ["localhost", "sw-01", "sw-02", "fw-01"]) == [
        ("sw-01", {"serial_number": "FDO2401A001", "device_type": "cisco_ie3300"}),
        ("sw-02", {"serial_number": None, "device_type": "cisco_ie3300"}),
        ("fw-01", {"serial_number": "FGT60F0000000001", "device_type": None}),
    ]
    assert play_hosts(hostvars, None) == [] and play_hosts(hostvars, []) == []


# --- the argument specs document every variable ------------------------------------------------------
def documented_options():
    with open(ARGUMENT_SPECS) as handle:
        return yaml.safe_load(handle)["argument_specs"]["main"]["options"]


def test_the_argument_specs_are_readable():
    options = documented_options()
    for name in REQUIRED:
        assert options[name].get("required") is True, name


def test_every_variable_is_documented_in_the_argument_specs():
    """The rollout documents every variable it reads; the CSV ones belong to the serials role alone."""
    options = documented_options()
    only_serials = {"serials_from_inventory", "serials_csv", "serials_csv_content"}
    names = [n for n in SITE_VARIABLES if n not in only_serials] + [
        "%s_%s" % (api, option) for api, spec in CONNECTION_SPECS.items() for option in spec]
    assert [name for name in names if name not in options] == []
    with open(ARGUMENT_SPECS.replace("rollout", "serials")) as handle:
        serials = yaml.safe_load(handle)["argument_specs"]["main"]["options"]
    assert only_serials <= set(serials)
    options = dict(serials, **options)
    kinds = {"str": ("str", "raw"), "path": ("path",), "bool": ("bool",), "int": ("int",), "list": ("list",),
             "dict": ("dict",)}
    for name, (kind, default) in ((n, (v.kind, v.default)) for n, v in SITE_VARIABLES.items()):
        assert options[name].get("type", "str") in kinds[kind], name
        if default is not None:
            assert options[name].get("default") == default, name


def test_a_plugin_reading_some_variables_leaves_the_others_unjudged():
    """The devices inventory sets manifest_status to the manifest's status; the report does not read it."""
    variables = with_site(manifest_status="deployed", rollout_report_dir="/r")
    with pytest.raises(SiteVariableError, match="manifest_status"):
        site_definition(variables)
    site = site_definition(variables, "site_report")
    assert site["manifest_status"] == "ready" and site["rollout_report_dir"] == "/r"
