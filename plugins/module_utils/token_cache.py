# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The FortiCloud access token, kept where every task and fork of a run finds it.

FortiCloud IAM keeps one active token per API user: a new login invalidates the previous
token. So every task and fork of a run must share one token. ``TokenCache`` keeps it in a
0600 file under a 0700 directory, keyed by api_id, auth_url and client_id, behind an
exclusive lock. The password itself is never written anywhere.
"""

from __future__ import annotations

import binascii
import contextlib
import hashlib
import json
import os

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows controllers are not supported by Ansible
    fcntl = None

from ansible_collections.breakwater.ztp.plugins.module_utils.inputs import InputError, check_private_folder

DEFAULT_TOKEN_CACHE_DIR = "~/.cache/breakwater.ztp/fortiztp"
NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


class TokenCache(object):
    """One JSON file per (api_id, auth_url, client_id), 0600, guarded by an flock.

    The folder must be ours and closed to group and others (checked before any call), and
    every file is opened with O_NOFOLLOW: a symlink planted in the folder is refused, never
    followed, so the tokens cannot be written through it to another file.
    """

    def __init__(self, directory, api_id, auth_url, client_id):
        check_private_folder("token_cache_dir", directory)
        self.directory = os.path.expanduser(directory)
        key = hashlib.sha256("\0".join((api_id, auth_url.rstrip("/"), client_id)).encode("utf-8")).hexdigest()[:32]
        self.path = os.path.join(self.directory, key + ".json")

    def _refuse_link(self, path):
        if os.path.islink(path):
            raise InputError("token_cache_dir", self.directory,
                             "holds a symlink %s where the token cache keeps a file; remove it" % os.path.basename(path))

    @contextlib.contextmanager
    def locked(self):
        # exist_ok: parallel forks create the directory at the same moment.
        os.makedirs(self.directory, 0o700, exist_ok=True)
        self._refuse_link(self.path + ".lock")
        fd = os.open(self.path + ".lock", os.O_RDWR | os.O_CREAT | NOFOLLOW, 0o600)
        try:
            if fcntl:
                fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def read(self):
        self._refuse_link(self.path)
        try:
            fd = os.open(self.path, os.O_RDONLY | NOFOLLOW)
        except (IOError, OSError):
            return None
        try:
            with os.fdopen(fd) as handle:
                entry = json.load(handle)
        except (IOError, OSError, ValueError):
            return None
        return entry if isinstance(entry, dict) and entry.get("access_token") else None

    def write(self, entry):
        self._refuse_link(self.path)
        # A fresh random name, created exclusively (never an existing file or link), then renamed
        # over the cache file: readers see the old entry or the new one, never half of one.
        tmp = os.path.join(self.directory, ".%s.%s.tmp" % (os.path.basename(self.path), binascii.hexlify(os.urandom(8)).decode()))
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | NOFOLLOW, 0o600)
        try:
            with os.fdopen(fd, "w") as handle:
                json.dump(entry, handle)
            os.rename(tmp, self.path)  # rename replaces a link itself, never its target
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    def clear(self):
        with contextlib.suppress(OSError):
            os.remove(self.path)


class MemoryCache(object):
    """The same interface without a file, for token_cache=false: shared within one task only."""

    def __init__(self):
        self.entry = None

    @contextlib.contextmanager
    def locked(self):
        yield

    def read(self):
        return self.entry

    def write(self, entry):
        self.entry = entry

    def clear(self):
        self.entry = None
