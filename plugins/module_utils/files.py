# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Saving downloads to files: changed only when the content differs, written atomically.

A file system error becomes an InputError naming the option and the path, never a traceback
(the paths themselves are checked before any call by inputs.check_output_path).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import tempfile

from ansible_collections.breakwater.ztp.plugins.module_utils.inputs import InputError

SAFE_FILE_CHARACTERS = re.compile(r"[^A-Za-z0-9._-]")


def safe_file_name(name):
    """``name`` as one harmless file name: other characters than A-Z a-z 0-9 . _ - become ``_``,
    and no leading dot (neither hidden nor ``..``)."""
    base = SAFE_FILE_CHARACTERS.sub("_", str(name))
    if base in ("", ".", "..") or base.startswith("."):
        base = "_" + base.lstrip(".")
    return base


def readable_json(value):
    """``value`` as JSON text for people and diffs: each key of the top object on its line, and each member of
    a list or object under it on its own line (a device, an event), deeper levels on that line. json's
    ``indent`` would use its pure-Python encoder: for a 1,000-device report, a tenth of a second more."""
    if not isinstance(value, dict):
        return json.dumps(value) + "\n"
    lines = []
    for key, member in value.items():
        name = json.dumps(str(key))
        if isinstance(member, list) and member:
            body = ",\n".join("    %s" % json.dumps(item) for item in member)
            lines.append("  %s: [\n%s\n  ]" % (name, body))
        elif isinstance(member, dict) and member:
            body = ",\n".join("    %s: %s" % (json.dumps(str(k)), json.dumps(v)) for k, v in member.items())
            lines.append("  %s: {\n%s\n  }" % (name, body))
        else:
            lines.append("  %s: %s" % (name, json.dumps(member)))
    return "{\n%s\n}\n" % ",\n".join(lines) if lines else "{}\n"


def sha256(data):
    return hashlib.sha256(data).hexdigest() if data is not None else None


def ensure_directory(option, path):
    """Create the directory ``path`` (and its parents) unless it exists; True when created.

    Called before the first API write of a task, so a folder that cannot be made fails the
    task before anything changed on the server.
    """
    if os.path.isdir(path):
        return False
    try:
        os.makedirs(path)
    except FileExistsError:
        if os.path.isdir(path):
            return False  # made meanwhile by another writer (sites rolled out in parallel)
        raise InputError(option, path, "cannot be created: a file of that name exists")
    except OSError as exc:
        raise InputError(option, path, "cannot be created: %s" % (exc.strerror or exc))
    return True


def read_bytes(path, option="dest"):
    """The file's content, or None when it does not exist."""
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise InputError(option, path, "cannot be read: %s" % (exc.strerror or exc))


def write_atomically(module, path, data, option="dest"):
    """Write ``data`` to ``path`` through a temporary file in the same directory (no torn files)."""
    _write_through_temp(path, data, module.atomic_move, option)


def write_if_changed(path, data, option):
    """On the controller (the site plugins): write ``data`` unless ``path`` holds it already,
    creating the folder; True when the file changed. Errors name ``option`` and the path."""
    if read_bytes(path, option) == data:
        return False
    ensure_directory(option, os.path.dirname(os.path.abspath(path)))
    _write_through_temp(path, data, _replace_readable, option)
    return True


@contextlib.contextmanager
def locked(path, option):
    """Hold an exclusive lock on ``path`` (created if missing) while the block runs: writers of a
    file that several processes update (the run's index page) take turns."""
    ensure_directory(option, os.path.dirname(path) or ".")
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise InputError(option, path, "cannot be opened: %s" % (exc.strerror or exc))
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _replace_readable(tmp, path):
    os.chmod(tmp, 0o644)  # a report or config to read, as the modules' files are
    os.replace(tmp, path)


def _write_through_temp(path, data, move, option):
    directory = os.path.dirname(os.path.abspath(path))
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".%s." % os.path.basename(path))
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        move(tmp, os.path.abspath(path))
    except OSError as exc:
        raise InputError(option, path, "cannot be written: %s" % (exc.strerror or exc))
    finally:
        if tmp and os.path.exists(tmp):
            os.unlink(tmp)


def text_for_diff(data, limit=200000):
    """What a diff shows of a file: its text, or a line with its checksum when binary or large."""
    if data is None:
        return ""
    if len(data) <= limit:
        try:
            text = data.decode("utf-8")
            if "\x00" not in text:
                return text
        except UnicodeDecodeError:
            pass
    return "sha256: %s (%d bytes)\n" % (sha256(data), len(data))
