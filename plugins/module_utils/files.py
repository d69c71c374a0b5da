# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Saving downloads to files: changed only when the content differs, written atomically."""

from __future__ import annotations

import hashlib
import os
import tempfile


def sha256(data):
    return hashlib.sha256(data).hexdigest() if data is not None else None


def read_bytes(path):
    """The file's content, or None when it does not exist."""
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def write_atomically(module, path, data):
    """Write ``data`` to ``path`` through a temporary file in the same directory (no torn files)."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".%s." % os.path.basename(path))
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        module.atomic_move(tmp, os.path.abspath(path))
    finally:
        if os.path.exists(tmp):
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
