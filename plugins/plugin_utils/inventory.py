# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the collection's inventory plugins share: group names, the raw-payload cache, unsafe hosts.

The plugins fetch a raw API payload (``fetch_payload``), which is what the inventory cache
stores, and turn it into hosts (``populate``). Every string from an API that could be a
template is marked unsafe before it reaches the inventory, so a hostname such as
``{{ lookup('pipe', 'id') }}`` is never templated; every other value stays plain, so
``ansible-inventory --list --export`` (an AWX inventory sync) stores plain values.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping

import jinja2
from ansible.errors import AnsibleError, AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible.utils.unsafe_proxy import wrap_var

try:
    from ansible.template import trust_as_template
except ImportError:  # ansible-core < 2.19: a plain str is already trusted
    def trust_as_template(value):
        return value

from ansible_collections.breakwater.ztp.plugins.module_utils.api_error import ApiError
from ansible_collections.breakwater.ztp.plugins.module_utils.http_client import HAS_REQUESTS
from ansible_collections.breakwater.ztp.plugins.module_utils.inputs import InputError, check_transport

_NOT_IN_GROUP_NAME = re.compile(r"[^a-z0-9_]+")
# What makes Jinja2 (as Ansible runs it) see a template in a string: a start string of a
# variable, block or comment, or a leading override header that can change those.
_TEMPLATE_MARKERS = ("{{", "{%", "{#")
_TEMPLATE_OVERRIDE_HEADER = "#jinja2:"


def could_be_template(text):
    """True when ``text`` would be templated if it were trusted."""
    return text.startswith(_TEMPLATE_OVERRIDE_HEADER) or any(marker in text for marker in _TEMPLATE_MARKERS)


def make_unsafe(value):
    """``value`` with every string that could be a template marked unsafe, recursively.

    The other strings are marked trusted: they hold no template syntax, so templating them is a
    no-op, and ansible-core (2.19+) then exports them as plain strings instead of
    ``{"__ansible_unsafe": ...}``. The approach of community.general#8212.
    """
    if isinstance(value, str):
        return wrap_var(value) if could_be_template(value) else trust_as_template(value)
    if isinstance(value, Mapping):
        return dict((make_unsafe(key), make_unsafe(item)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return [make_unsafe(item) for item in value]
    return value


def expression_problem(expression):
    """Why the Jinja2 ``expression`` (as in ``compose``) does not parse, or None when it does."""
    try:
        jinja2.Environment().parse("{{ %s }}" % expression)
    except jinja2.TemplateSyntaxError as exc:
        return exc.message
    return None


def safe_group_name(prefix, value):
    """``prefix`` + ``value`` lower-cased, with every run of other characters than a-z, 0-9 and _
    turned into one ``_``; None when nothing usable is left of ``value`` (no group then)."""
    if value is None:
        return None
    cleaned = _NOT_IN_GROUP_NAME.sub("_", str(value).lower()).strip("_")
    cleaned = re.sub(r"_{2,}", "_", cleaned)
    if not cleaned:
        return None
    name = (prefix or "") + cleaned
    # Group names must not start with a digit (Ansible would warn and may refuse the pattern).
    return "_" + name if name[0].isdigit() else name


def unique_host_name(wanted, taken, fallback):
    """``wanted``, or ``wanted_<fallback>`` when another device already got that name."""
    if wanted not in taken:
        return wanted, False
    return "%s_%s" % (wanted, fallback), True


class DeviceInventory(BaseInventoryPlugin, Constructable, Cacheable):
    """Base of the device inventory plugins: options, cache and one host per device.

    Subclasses set NAME and FILE_SUFFIXES and implement ``fetch_payload()`` (the API calls,
    returning JSON-serialisable data), ``cache_identity()`` (the options that change what
    is fetched) and ``populate(payload)``.
    """

    NAME = None
    FILE_SUFFIXES = ()

    def verify_file(self, path):
        if not super(DeviceInventory, self).verify_file(path):
            return False
        if path.endswith(self.FILE_SUFFIXES):
            return True
        self.display.vvv("%s: skipping %s, its name does not end in %s"
                         % (self.NAME, path, " or ".join(self.FILE_SUFFIXES)))
        return False

    def parse(self, inventory, loader, path, cache=True):
        super(DeviceInventory, self).parse(inventory, loader, path)
        self._read_config_data(path)
        if not HAS_REQUESTS:
            raise AnsibleError("%s needs the Python library requests on the controller" % self.NAME)
        self.check_options()
        self._host_names = set()
        try:
            check_transport(self._transport_options())
            payload = self._payload(path, cache)
        except InputError as exc:
            raise AnsibleParserError("%s: %s" % (self.NAME, exc))
        except ApiError as exc:
            # The API's code and message, never a traceback; the HTTP layer redacted secrets.
            raise AnsibleParserError("%s: %s" % (self.NAME, exc))
        self.populate(payload)

    def check_options(self):
        """Raise AnsibleParserError naming the option when the options do not fit together."""

    def _transport_options(self):
        """The URL and transport options this plugin has, for the checks every module makes too."""
        options = {}
        for name in ("url", "base_url", "auth_url", "timeout", "retries", "validate_certs", "ca_path"):
            try:
                options[name] = self.get_option(name)
            except KeyError:
                pass
        return options

    def _payload(self, path, cache):
        """The raw API payload: from the cache when allowed and present, else from the API."""
        use_cache = self.get_option("cache")
        read_cache = use_cache and cache
        update_cache = use_cache and not cache  # --flush-cache: fetch and store afresh
        key = "%s_%s" % (self.get_cache_key(path), self._identity_digest())
        if read_cache:
            try:
                return self._cache[key]
            except KeyError:
                update_cache = True
        payload = self.fetch_payload()
        if update_cache:
            self._cache[key] = payload
        return payload

    def _identity_digest(self):
        # Another URL or other filters must not be answered from a cache made for the old ones.
        # Secrets are never part of it.
        text = json.dumps(self.cache_identity(), sort_keys=True, default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]

    def _set_composite_vars(self, compose, variables, host, strict=False):
        # ansible-core hands back composed values untrusted, so they would export as
        # {"__ansible_unsafe": ...}: give them the same treatment as the API's values.
        super(DeviceInventory, self)._set_composite_vars(compose, variables, host, strict=strict)
        composed = self.inventory.get_host(host).vars
        for var_name in compose or {}:
            if var_name in composed:
                self.inventory.set_variable(host, var_name, make_unsafe(composed[var_name]))

    def add_device(self, name, fallback_name, hostvars, groups):
        """Add one device as a host with its vars (``make_unsafe``), groups and constructed vars.

        Returns the host name used: ``name``, or ``name_<fallback_name>`` when another device
        already has that name (with a warning), so no device silently replaces another.
        """
        wanted = name
        name, renamed = unique_host_name(wanted, self._host_names, fallback_name)
        if renamed:
            self.display.warning("%s: two devices are named %r; this one is added as %r"
                                 % (self.NAME, wanted, name))
        self._host_names.add(name)
        name = make_unsafe(name)
        self.inventory.add_host(name)
        for var_name, value in hostvars.items():
            self.inventory.set_variable(name, var_name, make_unsafe(value))
        for group in groups:
            if group:
                self.inventory.add_child(self.inventory.add_group(group), name)

        strict = self.get_option("strict")
        host_vars = self.inventory.get_host(name).get_vars()
        self._set_composite_vars(self.get_option("compose"), host_vars, name, strict=strict)
        self._add_host_to_composed_groups(self.get_option("groups"), host_vars, name, strict=strict)
        self._add_host_to_keyed_groups(self.get_option("keyed_groups"), host_vars, name, strict=strict)
        return name
