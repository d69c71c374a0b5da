# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shared input checks (inputs.py) and the one encoder of ids in URL paths (http_client.api_path)."""

from __future__ import annotations

import os

import pytest

from ansible_collections.breakwater.ztp.plugins.module_utils.http_client import api_path, path_segment
from ansible_collections.breakwater.ztp.plugins.module_utils.inputs import (
    InputError, check_ids, check_options, check_output_path, check_private_folder, check_transport, check_url,
)


@pytest.mark.parametrize("value", ["https://ztp.example.com", "http://127.0.0.1:8080/x", "HTTPS://Example.com"])
def test_http_and_https_urls_pass(value):
    check_url("url", value)


@pytest.mark.parametrize("value, reason", [
    ("ftp://ztp.example.com", "http:// or https://"),
    ("file:///etc/passwd", "http:// or https://"),
    ("ztp.example.com", "http:// or https://"),
    ("javascript:alert(1)", "http:// or https://"),
    ("https://", "no host name"),
    ("http://host:port/", "not a valid URL"),
])
def test_other_urls_name_the_option_and_the_value(value, reason):
    with pytest.raises(InputError) as caught:
        check_url("base_url", value)
    assert caught.value.field == "base_url" and caught.value.value == value
    assert reason in str(caught.value) and repr(value) in str(caught.value)


@pytest.mark.parametrize("params, field", [
    ({"url": "gopher://x"}, "url"),
    ({"auth_url": "ldap://x"}, "auth_url"),
    ({"timeout": -1}, "timeout"),
    ({"retries": -2}, "retries"),
    ({"ca_path": "/nonexistent/ca.pem"}, "ca_path"),
])
def test_transport_options(params, field):
    with pytest.raises(InputError) as caught:
        check_transport(params)
    assert caught.value.field == field


def test_ca_path_is_not_checked_when_certificates_are_not_validated():
    check_transport({"ca_path": "/nonexistent/ca.pem", "validate_certs": False, "timeout": 0})


def test_output_path_under_a_file(tmp_path):
    a_file = tmp_path / "file"
    a_file.write_text("x")
    with pytest.raises(InputError) as caught:
        check_output_path("dest", str(a_file / "sub" / "out.pdf"))
    assert caught.value.field == "dest" and "is under %s, which is not a folder" % a_file in str(caught.value)


def test_output_path_in_a_pseudo_file_system():
    with pytest.raises(InputError) as caught:
        check_output_path("dest", "/proc/breakwater-ztp/configs")
    assert caught.value.field == "dest" and "cannot be written" in str(caught.value)


def test_output_path_that_can_be_created_leaves_nothing_behind(tmp_path):
    check_output_path("dest", str(tmp_path / "new" / "deeper"))
    check_output_path("dest", str(tmp_path / "out.pdf"))
    assert os.listdir(str(tmp_path)) == []


def test_check_options_checks_dest_only_when_the_module_has_it(tmp_path):
    (tmp_path / "f").write_text("x")
    check_options({"url": "https://x", "timeout": 5})
    with pytest.raises(InputError):
        check_options({"url": "https://x", "dest": str(tmp_path / "f" / "x")})


def test_private_folder(tmp_path):
    folder = tmp_path / "tokens"
    check_private_folder("token_cache_dir", str(folder))  # absent: it will be created 0700
    folder.mkdir(0o700)
    check_private_folder("token_cache_dir", str(folder))
    for mode in (0o777, 0o770, 0o702):
        os.chmod(str(folder), mode)
        with pytest.raises(InputError) as caught:
            check_private_folder("token_cache_dir", str(folder))
        assert caught.value.field == "token_cache_dir" and "group or others" in str(caught.value)
        assert "%04o" % mode in str(caught.value)
    a_file = tmp_path / "file"
    a_file.write_text("x")
    with pytest.raises(InputError) as caught:
        check_private_folder("token_cache_dir", str(a_file))
    assert "is not a folder" in str(caught.value)


@pytest.mark.parametrize("value, encoded", [
    ("manifest_123", "manifest_123"),
    ("manifest_123?x=1", "manifest_123%3Fx%3D1"),
    ("manifest_123#frag", "manifest_123%23frag"),
    ("../status", "..%2Fstatus"),
    ("..", "%2E%2E"),
    (".", "%2E"),
    ("a b/c", "a%20b%2Fc"),
    (42, "42"),
])
def test_every_id_is_one_encoded_path_segment(value, encoded):
    assert path_segment(value) == encoded
    assert api_path("/manifests/%s/generate-configs", value) == "/manifests/%s/generate-configs" % encoded


@pytest.mark.parametrize("params, field, value, reason", [
    ({"id": "../devices/device_002"}, "id", "../devices/device_002", "holds '/'"),
    ({"manifest_id": "manifest_123/x"}, "manifest_id", "manifest_123/x", "holds '/'"),
    ({"manifest": "..", "manifest_id": ".."}, "manifest", "..", "holds '..'"),  # the alias the user wrote
    ({"device_id": "device 002"}, "device_id", "device 002", "holds white space"),
    ({"site_id": "plant-7\t"}, "site_id", "plant-7\t", "holds white space"),
    ({"operator_id": "op\x00"}, "operator_id", "op\x00", "holds a control character"),
    ({"serial": "FGT1\x7f"}, "serial", "FGT1\x7f", "holds a control character"),
    ({"device_ids": ["device_001", "device_002\n"]}, "device_ids[1]", "device_002\n", "holds white space"),
    ({"serials": [{"device_id": "d/1", "serial_number": "SN1"}]}, "serials[0].device_id", "d/1", "holds '/'"),
    ({"serials": ["FGT1", ""]}, "serials[1]", "", "is empty"),
])
def test_an_id_that_would_change_the_url_is_refused_naming_the_option(params, field, value, reason):
    with pytest.raises(InputError) as caught:
        check_options(params)
    assert (caught.value.field, caught.value.value) == (field, value)
    assert reason in str(caught.value) and "no '/', '..', white space or control character" in str(caught.value)


@pytest.mark.parametrize("params", [
    {"id": "manifest_123", "manifest_id": None, "device_ids": ["device_001"], "site_id": "plant-7"},
    {"id": "manifest_123?x=1"},  # sent encoded as one path segment: an unknown id, not another route
    {"serial": "FGT60FTK20000001", "serials": [{"hostname": "sw-01", "serial_number": "SN1", "device_id": None}]},
    {"name": "Floor A / hall 2"},  # names are not ids
    {"manifest_id": "manifest.v2", "device_id": "a.b"},
])
def test_ids_that_keep_the_url_pass(params):
    check_ids(params)
