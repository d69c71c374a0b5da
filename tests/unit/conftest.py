"""Make ``ansible_collections.breakwater.ztp`` importable under plain pytest.

ansible-test units stages the collection under ansible_collections/breakwater/ztp itself;
pytest.ini adds .cache/collections (made by scripts/setup.sh). When neither is there (a fresh
clone), link the checkout into a temporary ansible_collections tree.
"""
from __future__ import annotations

import atexit
import importlib
import os
import shutil
import sys
import tempfile

try:
    importlib.import_module("ansible_collections.breakwater.ztp.plugins.module_utils")
except ImportError:
    _root = tempfile.mkdtemp(prefix="breakwater-ztp-")
    atexit.register(shutil.rmtree, _root, True)
    os.makedirs(os.path.join(_root, "ansible_collections", "breakwater"))
    os.symlink(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
               os.path.join(_root, "ansible_collections", "breakwater", "ztp"))
    sys.path.insert(0, _root)
    for _name in [n for n in sys.modules if n == "ansible_collections" or n.startswith("ansible_collections.")]:
        del sys.modules[_name]  # forget a namespace package resolved before the link existed
