# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):
    # How every module and plugin talks HTTP, whatever the API (module_utils/http_client.py).
    DOCUMENTATION = r"""
options:
  validate_certs:
    description:
      - Verify the servers' TLS certificates. Set to V(false) only on a lab you trust.
    type: bool
    default: true
  ca_path:
    description:
      - A CA bundle (file or directory) to verify the servers' certificates with, for private CAs.
    type: path
  timeout:
    description:
      - Seconds to wait for an answer (connecting waits at most 10 seconds).
    type: int
    default: 30
  retries:
    description:
      - How many times a call is repeated after a connection error, HTTP 429, 502, 503 or 504,
        with jittered exponential backoff that honours C(Retry-After).
      - A POST is repeated only after a 429 or when it never reached the server.
    type: int
    default: 3
requirements:
  - requests
"""
