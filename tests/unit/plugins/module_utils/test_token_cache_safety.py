# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""TokenCache in a hostile folder: planted symlinks are refused (never followed), a folder others can
write is refused, writes go through a fresh exclusive temporary file and an atomic rename."""

from __future__ import annotations

import json
import os
import stat

import pytest

from ansible_collections.breakwater.ztp.plugins.module_utils.fortiztp import FortiZTPClient
from ansible_collections.breakwater.ztp.plugins.module_utils.inputs import InputError
from ansible_collections.breakwater.ztp.plugins.module_utils.token_cache import TokenCache

ENTRY = {"access_token": "acc-SECRET-1", "refresh_token": "ref-SECRET-1", "expires_at": 2e9}


def make_cache(folder):
    return TokenCache(str(folder), "api-user", "https://auth.example.com/api/v1", "fortiztp")


@pytest.fixture
def folder(tmp_path):
    path = tmp_path / "tokens"
    path.mkdir(0o700)
    return path


def test_a_symlinked_cache_file_is_refused_and_its_target_untouched(folder, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    cache = make_cache(folder)
    os.symlink(str(victim), cache.path)
    with pytest.raises(InputError) as caught:
        with cache.locked():
            cache.write(ENTRY)
    assert caught.value.field == "token_cache_dir" and "symlink" in str(caught.value)
    with pytest.raises(InputError):
        cache.read()
    assert victim.read_text() == "precious\n"
    assert os.path.islink(cache.path)


def test_a_symlinked_lock_file_is_refused(folder, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    cache = make_cache(folder)
    os.symlink(str(victim), cache.path + ".lock")
    with pytest.raises(InputError):
        with cache.locked():
            pass
    assert victim.read_text() == "precious\n"


def test_the_old_fixed_temporary_name_is_not_used(folder, tmp_path):
    """A link planted at <key>.json.tmp (the name older versions wrote through) is never followed."""
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    cache = make_cache(folder)
    os.symlink(str(victim), cache.path + ".tmp")
    with cache.locked():
        cache.write(ENTRY)
    assert victim.read_text() == "precious\n"
    assert json.load(open(cache.path)) == ENTRY
    assert stat.S_IMODE(os.stat(cache.path).st_mode) == 0o600
    leftovers = [n for n in os.listdir(str(folder)) if n.endswith(".tmp") and not os.path.islink(str(folder / n))]
    assert leftovers == []


@pytest.mark.parametrize("mode", [0o777, 0o775, 0o757])
def test_a_folder_others_can_write_is_refused_before_any_call(tmp_path, mode):
    loose = tmp_path / "shared"
    loose.mkdir()
    os.chmod(str(loose), mode)
    with pytest.raises(InputError) as caught:
        FortiZTPClient.from_params({"api_id": "api-user", "password": "pw", "auth_url": "https://a.example.com",
                                    "base_url": "https://z.example.com", "token_cache": True,
                                    "token_cache_dir": str(loose)})
    assert caught.value.field == "token_cache_dir" and caught.value.value == str(loose)
    assert "group or others" in str(caught.value) and "chmod 700" in str(caught.value)
    assert os.listdir(str(loose)) == []


def test_a_token_cache_dir_that_is_a_file_is_refused(tmp_path):
    a_file = tmp_path / "file"
    a_file.write_text("x")
    with pytest.raises(InputError) as caught:
        make_cache(a_file)
    assert caught.value.field == "token_cache_dir" and "is not a folder" in str(caught.value)


def test_without_a_file_cache_the_folder_is_not_checked(tmp_path):
    loose = tmp_path / "shared"
    loose.mkdir()
    os.chmod(str(loose), 0o777)
    FortiZTPClient.from_params({"api_id": "api-user", "password": "pw", "auth_url": "https://a.example.com",
                                "base_url": "https://z.example.com", "token_cache": False,
                                "token_cache_dir": str(loose)})


def test_the_folder_is_created_private(tmp_path):
    cache = make_cache(tmp_path / "new" / "tokens")
    with cache.locked():
        cache.write(ENTRY)
    assert stat.S_IMODE(os.stat(cache.directory).st_mode) == 0o700
    assert cache.read() == ENTRY
