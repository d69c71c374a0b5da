# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks of user input that several modules and plugins share, each written once.

Every check raises :class:`InputError` naming the option and the value, before any API call,
so a bad option never becomes a traceback or a half-done change.
"""

from __future__ import annotations

import os
import tempfile
import unicodedata

from urllib.parse import urlsplit

URL_OPTIONS = ("url", "base_url", "auth_url")
URL_SCHEMES = ("http", "https")


class InputError(Exception):
    """Bad input found before any write: names the field and the value."""

    def __init__(self, field, value, reason):
        self.field = field
        self.value = value
        self.reason = reason
        super(InputError, self).__init__("%s: %r %s" % (field, value, reason))


def check_url(option, value):
    """An http(s) URL with a host; anything else (ftp://, file://, no scheme) is refused."""
    if value is None:
        return
    try:
        parts = urlsplit(value)
        parts.port  # raises ValueError on a port that is not a number
    except ValueError as exc:
        raise InputError(option, value, "is not a valid URL (%s)" % exc)
    if parts.scheme.lower() not in URL_SCHEMES:
        raise InputError(option, value, "must be an http:// or https:// URL")
    if not parts.hostname:
        raise InputError(option, value, "has no host name")


def check_output_path(option, path):
    """``path`` can be written, or created: its nearest existing folder must be a folder we can write in.

    Catches a path under a file (``/etc/hosts/x``) and a pseudo file system such as /proc,
    where creating a file fails even as root; the probe is an anonymous temporary file, so
    nothing is left behind (check mode included).
    """
    if not path:
        return
    full = os.path.abspath(os.path.expanduser(path))
    if os.path.exists(full):
        if not os.access(full, os.W_OK):
            raise InputError(option, path, "is not writable")
        folder = full if os.path.isdir(full) else os.path.dirname(full)
    else:
        folder = os.path.dirname(full)
        while not os.path.exists(folder):
            folder = os.path.dirname(folder)
        if not os.path.isdir(folder):
            raise InputError(option, path, "is under %s, which is not a folder" % folder)
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise InputError(option, path, "cannot be written: no file can be created in %s (%s)"
                         % (folder, exc.strerror or exc))


def check_private_folder(option, path):
    """A folder for secrets: absent (we create it 0700), or a folder that only we can write.

    A folder that others can write lets them plant a symlink or a token of their own, so it
    is refused rather than warned about: a warning scrolls by, a stolen token does not.
    """
    if not path:
        return
    full = os.path.abspath(os.path.expanduser(path))
    if not os.path.exists(full):
        check_output_path(option, path)
        return
    if not os.path.isdir(full):
        raise InputError(option, path, "is not a folder")
    info = os.stat(full)
    if info.st_uid != os.geteuid():
        raise InputError(option, path, "belongs to another user (uid %d); use a folder of your own" % info.st_uid)
    if info.st_mode & 0o022:
        raise InputError(option, path, "can be written by group or others (mode %04o); chmod 700 it"
                         % (info.st_mode & 0o7777))
    check_output_path(option, path)


# The options that hold an id of the API, in any module (aliases before their option, so the
# message names what the user wrote). Ids go into URLs: one holding "/" or ".." would reach
# another route, so they are refused instead of being sent and answered with a bare 404.
ID_OPTIONS = ("id", "manifest", "manifest_id", "site_id", "device_id", "device_ids", "operator_id",
              "serial", "serials")
ID_RULE = "an id is not empty and holds no '/', '..', white space or control character"


def id_problem(value):
    """What makes ``value`` unusable as an id (``"holds '/'"``), or None."""
    text = str(value)
    if not text:
        return "is empty"
    for char in text:
        if char == "/":
            return "holds '/'"
        if char.isspace():
            return "holds white space"
        if unicodedata.category(char) == "Cc":
            return "holds a control character"
    if ".." in text:
        return "holds '..'"
    return None


def check_id(option, value):
    """``value`` of ``option`` is an id (see :data:`ID_RULE`); None (not given) passes."""
    if value is None:
        return
    problem = id_problem(value)
    if problem:
        raise InputError(option, value, "%s: %s" % (problem, ID_RULE))


def check_ids(params):
    """Every id option of a module: strings, lists of strings, and the device_id of list items."""
    for option in ID_OPTIONS:
        value = params.get(option)
        if isinstance(value, (list, tuple)):
            for index, item in enumerate(value):
                if isinstance(item, dict):
                    check_id("%s[%d].device_id" % (option, index), item.get("device_id"))
                else:
                    check_id("%s[%d]" % (option, index), item)
        elif not isinstance(value, dict):
            check_id(option, value)


def check_transport(params):
    """The transport options: URLs, timeout, retries and ca_path."""
    for option in URL_OPTIONS:
        if option in params:
            check_url(option, params.get(option))
    for option in ("timeout", "retries"):
        value = params.get(option)
        if value is not None and value < 0:
            raise InputError(option, value, "must be 0 or more")
    ca_path = params.get("ca_path")
    if ca_path and params.get("validate_certs", True):
        if not os.path.exists(os.path.expanduser(ca_path)):
            raise InputError("ca_path", ca_path, "does not exist")
        if not os.access(os.path.expanduser(ca_path), os.R_OK):
            raise InputError("ca_path", ca_path, "cannot be read")


# The output paths of the modules, checked before any call to the API.
OUTPUT_PATH_OPTIONS = ("dest",)


def check_options(params):
    """Every shared check that applies to a module's or plugin's options.

    token_cache_dir is checked by the token cache itself (fortiztp.TokenCache), which inventory
    plugins use too.
    """
    check_transport(params)
    check_ids(params)
    for option in OUTPUT_PATH_OPTIONS:
        if option in params:
            check_output_path(option, params.get(option))
