# -*- coding: utf-8 -*-
# Copyright: breakwater.ztp contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Offline stand-in for the get-pip.py script that ansible-test downloads.

ansible-test creates its sanity/units virtual environments without pip and then
runs ``get-pip.py`` fetched from ci-files.testing.ansible.com, which these machines
cannot reach.  It first looks for ``~/.ansible/test/cache/get_pip_<version>.py``;
scripts/setup.sh copies this file there.  It seeds pip from the interpreter's
bundled ensurepip wheel, then lets that pip install what ansible-test asked for
(``pip==<version>`` and friends) from the configured package index.
"""

from __future__ import annotations

import subprocess
import sys

# get-pip.py options that plain "pip install" does not understand.
GET_PIP_ONLY = frozenset(('--no-setuptools', '--no-wheel'))


def main() -> int:
    """Bootstrap pip, then install the requested packages."""
    args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY]

    # A subprocess keeps ensurepip's and pip's imports out of this process, which
    # ansible-test runs through runpy with its own logging filters installed.
    # Its chatter (the bundled wheels it installs) goes nowhere; errors still reach stderr.
    subprocess.check_call([sys.executable, '-m', 'ensurepip', '--upgrade', '--default-pip'],
                          stdout=subprocess.DEVNULL)

    if args:
        subprocess.check_call([sys.executable, '-m', 'pip', 'install', '--quiet'] + args)

    return 0


if __name__ == '__main__':
    sys.exit(main())
