# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""files: file system errors become InputError naming the option and the path; safe file names."""

from __future__ import annotations

import json
import os

import pytest

from ansible_collections.breakwater.ztp.plugins.module_utils.files import (
    ensure_directory, read_bytes, readable_json, safe_file_name, write_atomically, write_if_changed,
)
from ansible_collections.breakwater.ztp.plugins.module_utils.inputs import InputError


class FakeModule(object):
    def atomic_move(self, src, dest):
        os.rename(src, dest)


@pytest.mark.parametrize("name, expected", [
    ("sw-prod-01", "sw-prod-01"), ("../../etc/passwd", "__.._etc_passwd"), ("..", "_"), (".hidden", "_hidden"),
    ("manifest_123?x=1", "manifest_123_x_1"), ("{{ lookup('pipe', 'id') }}", "___lookup__pipe____id_____"),
])
def test_safe_file_name_never_leaves_the_folder(name, expected):
    assert safe_file_name(name) == expected
    assert "/" not in safe_file_name(name) and not safe_file_name(name).startswith(".")


def test_ensure_directory_creates_once(tmp_path):
    target = str(tmp_path / "a" / "b")
    assert ensure_directory("dest", target) is True
    assert ensure_directory("dest", target) is False
    assert os.path.isdir(target)


def test_ensure_directory_under_a_file_names_the_option_and_path(tmp_path):
    (tmp_path / "file").write_text("x")
    target = str(tmp_path / "file" / "configs")
    with pytest.raises(InputError) as caught:
        ensure_directory("dest", target)
    assert caught.value.field == "dest" and caught.value.value == target
    assert "cannot be created" in str(caught.value)


def test_write_atomically_into_a_missing_folder_is_an_input_error(tmp_path):
    target = str(tmp_path / "missing" / "x.cfg")
    with pytest.raises(InputError) as caught:
        write_atomically(FakeModule(), target, b"data")
    assert caught.value.field == "dest" and "cannot be written" in str(caught.value)
    assert not os.path.exists(os.path.dirname(target))


def test_write_atomically_leaves_no_temporary_file(tmp_path):
    target = str(tmp_path / "x.cfg")
    write_atomically(FakeModule(), target, b"data")
    assert os.listdir(str(tmp_path)) == ["x.cfg"] and read_bytes(target) == b"data"


def test_read_bytes_of_a_folder_is_an_input_error(tmp_path):
    assert read_bytes(str(tmp_path / "absent")) is None
    with pytest.raises(InputError) as caught:
        read_bytes(str(tmp_path))
    assert caught.value.field == "dest" and caught.value.value == str(tmp_path)


def test_write_if_changed_creates_the_folder_and_skips_the_same_content(tmp_path):
    path = str(tmp_path / "reports" / "site_1" / "rollout-report.json")
    assert write_if_changed(path, b"{}\n", "rollout_report_dir") is True
    assert open(path, "rb").read() == b"{}\n"
    assert oct(os.stat(path).st_mode & 0o777) == "0o644"
    assert write_if_changed(path, b"{}\n", "rollout_report_dir") is False
    assert write_if_changed(path, b"[]\n", "rollout_report_dir") is True
    assert [p for p in os.listdir(os.path.dirname(path)) if p.startswith(".")] == []  # no temp file left


def test_write_if_changed_names_the_option_when_the_folder_cannot_be_made(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(InputError) as caught:
        write_if_changed(str(blocker / "reports" / "r.json"), b"{}", "rollout_report_dir")
    assert caught.value.field == "rollout_report_dir"


@pytest.mark.parametrize("value", [
    {"site": "site_a", "devices": [{"hostname": "sw-1", "state": "online"}, {"hostname": "fw/1", "n": 2}],
     "counts": {"online": 1, "failed": 0}, "empty_list": [], "empty_object": {}, "none": None, "text": "a\nb \u00e9"},
    {}, [1, {"a": 2}], "text",
])
def test_readable_json_reads_back_as_the_same_value(value):
    assert json.loads(readable_json(value)) == value


def test_readable_json_puts_each_device_on_a_line_of_its_own():
    text = readable_json({"site": "site_a", "devices": [{"hostname": "sw-%d" % n} for n in range(3)],
                          "counts": {"online": 3}})
    assert text.endswith("}\n")
    lines = text.splitlines()
    assert lines[1] == '  "site": "site_a",'
    assert [line for line in lines if "hostname" in line] == [
        '    {"hostname": "sw-0"},', '    {"hostname": "sw-1"},', '    {"hostname": "sw-2"}']
    assert '    "online": 3' in lines
