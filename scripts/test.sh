#!/usr/bin/env bash
# Run every test of breakwater.ztp, or the steps named as arguments:
#   bash scripts/test.sh                  # all steps (after setup, in parallel lanes)
#   bash scripts/test.sh quick            # the quick lane: units, lab, one rollout + rerun, lint
#   bash scripts/test.sh sanity units     # a selection ("sanity"/"units" = both Python pairs)
#   bash scripts/test.sh --list           # the step names
# Every step runs even when an earlier one failed; the exit status is non-zero if any failed
# (or a step name is unknown), and a summary (status and time per step) is printed at the end.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

ALL_STEPS=(setup pytest sanity-py311 sanity-py312 units-py311 units-py312 lint shellcheck build docs docsite importer changelog molecule)
# Steps that run only when named (not part of "all": the full pytest step covers them).
EXTRA_STEPS=(pytest-quick)
# The quick lane: setup, then what catches most mistakes in a few minutes.
QUICK_STEPS=(setup pytest-quick lint)
# How "all" runs after setup: each lane runs its steps in order, the lanes side by side. pytest
# spends much of its time waiting for the lab's emulated devices, which the other lane fills.
LANES=(
    "pytest"
    "build sanity-py311 sanity-py312 units-py311 units-py312 lint shellcheck docs docsite importer changelog molecule"
)

# Exit status a step uses to say "nothing to do here" (shown as SKIP with its note, not a failure).
SKIP=77

# Per-run scratch space: the staged collection, the built tarball, its install, step logs.
RUN_TMP="$(mktemp -d "${TMPDIR:-/tmp}/breakwater-ztp-test.XXXXXX")"
cleanup() {
    if [[ -n "${KEEP_TMP:-}" ]]; then
        log "kept $RUN_TMP"
    else
        rm -rf "$RUN_TMP"
    fi
}
trap cleanup EXIT

# A step writes one line here to explain a SKIP or add a remark to the summary.
note() { printf '%s\n' "$*" >"$RUN_TMP/${STEP:-run}.note"; }
skip() { note "$*"; warn "skipped: $*"; exit "$SKIP"; }

need_venv() {
    [[ -x "$1/bin/python" ]] || { err "$1 missing: run bash scripts/setup.sh (or the setup step)"; exit 1; }
}

# The collection copied under .../ansible_collections/breakwater/ztp, once per run.
staged() {
    if [[ ! -f "$RUN_TMP/stage.done" ]]; then
        stage_collection "$RUN_TMP/stage" >"$RUN_TMP/stage.path"
        touch "$RUN_TMP/stage.done"
    fi
    cat "$RUN_TMP/stage.path"
}

# Build the tarball from the staged copy (so ignored files never end up in it) and install it.
built_and_installed() {
    local stage dist tarball
    if [[ -f "$RUN_TMP/installed.done" ]]; then
        return 0
    fi
    stage="$(staged)"
    dist="$RUN_TMP/dist"
    mkdir -p "$dist"
    (cd "$stage" && "$VENV/bin/ansible-galaxy" collection build --force --output-path "$dist")
    tarball="$(find "$dist" -name "${COLLECTION_NAMESPACE}-${COLLECTION_NAME}-*.tar.gz" -print -quit)"
    [[ -n "$tarball" ]] || { err "no tarball in $dist"; return 1; }
    log "built $(basename "$tarball") ($(du -h "$tarball" | cut -f1), $(tar -tzf "$tarball" | wc -l) entries)"
    # Things that must never be shipped.
    if tar -tzf "$tarball" | grep -E '(^|/)(\.venv[^/]*|\.cache|\.git|__pycache__|tests/output|\.ansible)(/|$)|\.tar\.gz$'; then
        err "the tarball contains files that must not be shipped (listed above)"
        return 1
    fi
    ANSIBLE_COLLECTIONS_PATH="$RUN_TMP/installed" \
        "$VENV/bin/ansible-galaxy" collection install --offline --force -p "$RUN_TMP/installed" "$tarball"
    printf '%s\n' "$tarball" >"$RUN_TMP/tarball.path"
    touch "$RUN_TMP/installed.done"
}

# ---------------------------------------------------------------------------------- steps

step_setup() {
    bash "$ROOT/scripts/setup.sh"
}

step_pytest() {
    need_venv "$VENV"
    ansible_env
    local extra=()
    # Two workers (the machines have 2 cores, and the other lane runs beside): each gets its own lab.
    # Four measured slower in the full run (977 s against 759-809 s): the cores are the limit.
    # worksteal: a worker that runs out takes tests from a busy one, so no long tail.
    read -ra extra <<<"${PYTEST_ARGS:--n 2 --dist worksteal}"
    # The lab's tests and the integration tests. Not tests/unit: units-py311 runs those with the same Python and
    # ansible-core (and units-py312 on the other pair). With PYTEST_ARGS, its paths (or pytest.ini's testpaths).
    local paths=(tests/lab/tests tests/integration)
    [[ -z "${PYTEST_ARGS:-}" ]] || paths=()
    # No -x: every failure is reported. The pytest config (testpaths, markers, no cache) is pytest.ini.
    "$VENV/bin/python" -m pytest -q "${extra[@]}" "${paths[@]}"
}

# The quick lane's pytest: the unit tests, the lab's own tests, and one rollout of the example
# site against the lab with its rerun (changed=0, no write).
QUICK_TESTS=(tests/unit tests/lab/tests
    tests/integration/test_rollout.py::test_rollout_of_the_example_site_then_rerun_unchanged)
step_pytest_quick() {
    need_venv "$VENV"
    ansible_env
    local extra=()
    read -ra extra <<<"${PYTEST_ARGS:--n 2}"
    "$VENV/bin/python" -m pytest -q "${extra[@]}" "${QUICK_TESTS[@]}"
}

# ansible-test from the staged copy, with the venv's Python first on PATH so --python X.Y
# resolves to the venv (--local: no containers here).
ansible_test() {
    local venv="$1" pyver="$2"; shift 2
    need_venv "$venv"
    ensure_utf8_locale
    install_get_pip_standin "$venv/bin/python"
    local stage
    stage="$(staged)"
    log "$(first_line "$venv/bin/ansible" --version) on Python $pyver: ansible-test $*"
    use_venv "$venv"
    (cd "$stage" && ansible-test "$@" --local --python "$pyver" --color no)
}

sanity() {
    local venv="$1" pyver="$2"
    # ansible-test runs ShellCheck only when it is installed: make a missing one visible.
    command -v shellcheck >/dev/null 2>&1 || note "shellcheck not installed: its sanity test was skipped"
    local extra=()
    read -ra extra <<<"${SANITY_ARGS:-}"
    ansible_test "$venv" "$pyver" sanity "${extra[@]}"
}

units() {
    local venv="$1" pyver="$2"
    local extra=()
    read -ra extra <<<"${UNITS_ARGS:-}"
    ansible_test "$venv" "$pyver" units "${extra[@]}"
}

step_sanity_py311() { sanity "$VENV" 3.11; }
step_sanity_py312() { sanity "$VENV312" 3.12; }
step_units_py311() { units "$VENV" 3.11; }
step_units_py312() { units "$VENV312" 3.12; }

step_lint() {
    need_venv "$VENV"
    ansible_env
    # Config (production profile, exclusions) is in .ansible-lint. --offline: ansible_env already
    # resolves breakwater.ztp to the checkout, no need for ansible-lint's own install of it.
    "$VENV/bin/ansible-lint" --nocolor --offline
}

step_shellcheck() {
    command -v shellcheck >/dev/null 2>&1 || skip "shellcheck not installed (bash scripts/setup.sh installs it with apt)"
    local files=()
    mapfile -t files < <(list_collection_files | tr '\0' '\n' | grep -E '\.sh$|^\.ci/run$' || true)
    ((${#files[@]})) || skip "no shell scripts"
    shellcheck --external-sources "${files[@]}"
    log "shellcheck clean: ${files[*]}"
}

step_build() {
    need_venv "$VENV"
    use_venv "$VENV"
    ensure_utf8_locale
    built_and_installed
}

# doc_lines TYPE JSON NAME...: one "ok" or "FAIL" line per name from what ansible-doc --json
# printed; fails when a name has no docs there (ansible-doc only warns about a plugin it cannot find).
doc_lines() {
    local type="$1" json="$2"; shift 2
    "$VENV/bin/python" - "$type" "$json" "$@" <<'PY'
import json
import sys

plugin_type, path, names = sys.argv[1], sys.argv[2], sys.argv[3:]
with open(path, encoding='utf-8') as handle:
    docs = json.load(handle)
missing = [name for name in names if not docs.get(name)]
for name in names:
    print(('  FAIL %-8s %s' if name in missing else '  ok  %-8s %s') % (plugin_type, name))
sys.exit(1 if missing else 0)
PY
}

# Every plugin and role of the installed tarball must load its docs, then antsibull-docs lints them.
step_docs() {
    need_venv "$VENV"
    use_venv "$VENV"
    ensure_utf8_locale
    built_and_installed
    local installed="$RUN_TMP/installed/ansible_collections/$COLLECTION_NAMESPACE/$COLLECTION_NAME"
    local failed=0 checked=0 type dir name listed file names=() expected=()
    local -A dir_of=(
        [module]=modules [inventory]=inventory [lookup]=lookup [filter]=filter [test]=test
        [callback]=callback [connection]=connection [become]=become [cache]=cache [vars]=vars
        [httpapi]=httpapi [cliconf]=cliconf [netconf]=netconf [strategy]=strategy [shell]=shell
    )
    for type in module inventory lookup filter test callback connection become cache vars httpapi cliconf netconf strategy shell role; do
        if [[ "$type" == role ]]; then
            [[ -d "$installed/roles" ]] || continue
        else
            dir="${dir_of[$type]}"
            [[ -d "$installed/plugins/$dir" ]] || continue
        fi
        listed="$(ANSIBLE_COLLECTIONS_PATH="$RUN_TMP/installed" "$VENV/bin/ansible-doc" -t "$type" -l "$COLLECTION_NAMESPACE.$COLLECTION_NAME" --json |
            "$VENV/bin/python" -c 'import json, sys; print("\n".join(sorted(json.load(sys.stdin))))')"
        # A plugin file or role folder that ansible-doc does not list has unloadable docs (for a
        # role whose argument spec fails to load it only warns). Filters, tests: several per file.
        expected=()
        if [[ "$type" == role ]]; then
            for file in "$installed/roles"/*/; do
                if [[ -d "$file" ]]; then expected+=("roles/$(basename "$file")"); fi
            done
        elif [[ "$type" != filter && "$type" != test ]]; then
            for file in "$installed/plugins/$dir"/*.py; do
                name="$(basename "$file" .py)"
                if [[ -e "$file" && "$name" != __init__ && "$name" != _* ]]; then expected+=("plugins/$dir/$name.py"); fi
            done
        fi
        for file in "${expected[@]}"; do
            name="$(basename "$file" .py)"
            if ! grep -qx "$COLLECTION_NAMESPACE.$COLLECTION_NAME.$name" <<<"$listed"; then
                err "$type $name: $file is not listed by ansible-doc"
                failed=1
            fi
        done
        mapfile -t names < <(grep -v '^$' <<<"$listed" || true)
        ((${#names[@]})) || continue
        checked=$((checked + ${#names[@]}))
        # One ansible-doc for all names of the type (each process costs ~1 CPU-second). It stops
        # at the first plugin whose docs fail to load without naming it: then ask plugin by plugin.
        if ANSIBLE_COLLECTIONS_PATH="$RUN_TMP/installed" "$VENV/bin/ansible-doc" -t "$type" --json "${names[@]}" >"$RUN_TMP/doc.json" 2>"$RUN_TMP/doc.err"; then
            doc_lines "$type" "$RUN_TMP/doc.json" "${names[@]}" || { cat "$RUN_TMP/doc.err" >&2; failed=1; }
        else
            for name in "${names[@]}"; do
                if ANSIBLE_COLLECTIONS_PATH="$RUN_TMP/installed" "$VENV/bin/ansible-doc" -t "$type" --json "$name" >"$RUN_TMP/doc.json" 2>"$RUN_TMP/doc.err"; then
                    doc_lines "$type" "$RUN_TMP/doc.json" "$name" || { cat "$RUN_TMP/doc.err" >&2; failed=1; }
                else
                    printf '  FAIL %-8s %s\n' "$type" "$name"
                    cat "$RUN_TMP/doc.err" >&2
                    failed=1
                fi
            done
        fi
    done
    log "ansible-doc loaded $checked plugin/role docs from the installed tarball"
    log "antsibull-docs lint-collection-docs --plugin-docs"
    (cd "$(staged)" && "$VENV/bin/antsibull-docs" lint-collection-docs --plugin-docs .) || failed=1
    return "$failed"
}

# The docs site (antsibull-docs + Sphinx, offline) with the guides; scripts/docs.sh says how.
step_docsite() {
    need_venv "$VENV"
    bash "$ROOT/scripts/docs.sh" "$RUN_TMP/docsite"
}

# galaxy-importer on the built tarball, as Galaxy runs it (its own venv: its pins clash with
# .venv). It must report no warning at all, and the tarball must carry the LICENSE.
step_importer() {
    need_venv "$VENV_IMPORTER"
    ensure_utf8_locale
    use_venv "$VENV"
    built_and_installed
    local tarball log="$RUN_TMP/importer.log" warnings
    tarball="$(cat "$RUN_TMP/tarball.path")"
    # Listed to a file first: "tar | grep -q" would fail under pipefail when grep exits early.
    tar -tzf "$tarball" >"$RUN_TMP/tarball.list"
    grep -qx 'LICENSE' "$RUN_TMP/tarball.list" || { err "LICENSE is not in $(basename "$tarball")"; return 1; }
    # Pinned through the environment, over any /etc/galaxy-importer config: no ansible-test
    # (it needs containers), ansible-doc and ansible-lint on, as on Galaxy.
    mkdir -p "$RUN_TMP/importer"
    (
        cd "$RUN_TMP/importer"
        export PATH="$VENV_IMPORTER/bin:$PATH" VIRTUAL_ENV="$VENV_IMPORTER"
        export GALAXY_IMPORTER_RUN_ANSIBLE_TEST=false \
            GALAXY_IMPORTER_RUN_ANSIBLE_DOC=true GALAXY_IMPORTER_RUN_ANSIBLE_LINT=true \
            GALAXY_IMPORTER_TMP_ROOT_DIR="$RUN_TMP/importer" GALAXY_IMPORTER_ANSIBLE_LOCAL_TMP="$RUN_TMP/importer/ansible-tmp"
        "$VENV_IMPORTER/bin/python" -m galaxy_importer.main "$tarball"
    ) 2>&1 | tee "$log"
    grep -q 'Importer processing completed successfully' "$log" || { err "galaxy-importer did not complete"; return 1; }
    warnings="$(grep -cE '^(WARNING|ERROR)' "$log" || true)"
    if ((warnings)); then
        err "galaxy-importer: $warnings warnings/errors (above)"
        return 1
    fi
    note "galaxy-importer: 0 errors, 0 warnings, LICENSE inside"
}

step_changelog() {
    need_venv "$VENV"
    "$VENV/bin/antsibull-changelog" lint
    "$VENV/bin/antsibull-changelog" lint-changelog-yaml changelogs/changelog.yaml
}

step_molecule() {
    need_venv "$VENV"
    local scenarios
    # An empty folder is not in a clone: no extensions/molecule at all is the same as no scenario.
    scenarios=''
    if [[ -d extensions/molecule ]]; then
        scenarios="$(find extensions/molecule -mindepth 2 -maxdepth 2 -name molecule.yml | sort)"
    fi
    [[ -n "$scenarios" ]] || skip "no molecule scenarios in extensions/molecule/"
    ansible_env
    # Molecule's pre-run copies the collection into ~/.ansible/collections, where it lingers and
    # shadows the checkout: turn it off; the collection comes from ANSIBLE_COLLECTIONS_PATH.
    local base=() cfg
    for cfg in "$ROOT/.config/molecule/config.yml" "$ROOT/extensions/molecule/config.yml"; do
        [[ -f "$cfg" ]] && base+=(-c "$cfg")
    done
    printf 'prerun: false\n' >"$RUN_TMP/molecule-prerun-off.yml"
    base+=(-c "$RUN_TMP/molecule-prerun-off.yml")
    # Scenarios may use LAB_URL; the lab is optional (scenarios that need more start their own).
    lab_start || warn "molecule runs without a shared lab (LAB_URL unset)"
    local rc=0
    (cd extensions && molecule "${base[@]}" test --all) || rc=$?
    lab_stop
    return "$rc"
}

# ---------------------------------------------------------------------------------- driver

# Fills STEPS from the arguments; an unknown name fails the whole run before any step.
STEPS=()
expand_steps() {
    local arg
    for arg in "$@"; do
        case "$arg" in
            all) STEPS+=("${ALL_STEPS[@]}") ;;
            quick) STEPS+=("${QUICK_STEPS[@]}") ;;
            sanity|units) STEPS+=("$arg-py311" "$arg-py312") ;;
            *)
                if [[ " ${ALL_STEPS[*]} ${EXTRA_STEPS[*]} " != *" $arg "* ]]; then
                    err "unknown step '$arg' (steps: ${ALL_STEPS[*]} ${EXTRA_STEPS[*]}; groups: all quick sanity units)"
                    return 1
                fi
                STEPS+=("$arg")
                ;;
        esac
    done
}

# run_step STEP: runs it in a child shell with its own errexit (in "f || x" bash would ignore
# set -e inside f), its output in $RUN_TMP/STEP.log (and on the terminal unless QUIET_STEP=1),
# its exit status in $RUN_TMP/STEP.rc and its time in $RUN_TMP/STEP.time.
run_step() {
    local step="$1" started=$SECONDS rc
    rm -f "$RUN_TMP/$step.note"
    set +e
    if [[ -n "${QUIET_STEP:-}" ]]; then
        (
            set -eEuo pipefail
            STEP="$step"
            # The ERR trap (inherited by functions through -E) names the command that ended a step.
            trap 'err "step $step: \"$BASH_COMMAND\" failed (exit $?) at line $LINENO"' ERR
            "step_${step//-/_}"
        ) >"$RUN_TMP/$step.log" 2>&1 </dev/null
        rc=$?
    else
        printf '\n%s======== %s ========%s\n' "$_c_bold" "$step" "$_c_off"
        (
            set -eEuo pipefail
            STEP="$step"
            trap 'err "step $step: \"$BASH_COMMAND\" failed (exit $?) at line $LINENO"' ERR
            "step_${step//-/_}"
        ) 2>&1 | tee "$RUN_TMP/$step.log"
        rc=${PIPESTATUS[0]}
    fi
    set -e
    printf '%s\n' "$rc" >"$RUN_TMP/$step.rc"
    printf '%s\n' "$((SECONDS - started))" >"$RUN_TMP/$step.time"
    if ((rc != 0 && rc != SKIP)); then
        printf '%s%s failed (exit %s)%s\n' "$_c_red" "$step" "$rc" "$_c_off"
    fi
}

# A lane: its steps in order, each printed whole when it ends (lanes run side by side).
run_lane() {
    local step
    for step in "$@"; do
        QUIET_STEP=1 run_step "$step"
        {
            printf '\n%s======== %s (%ss) ========%s\n' "$_c_bold" "$step" "$(cat "$RUN_TMP/$step.time")" "$_c_off"
            cat "$RUN_TMP/$step.log"
        } | (flock 9; cat) 9>"$RUN_TMP/print.lock"
    done
}

summary_line() {
    local step="$1" rc status msg line
    rc="$(cat "$RUN_TMP/$step.rc")"
    msg="$(cat "$RUN_TMP/$step.note" 2>/dev/null || true)"
    if ((rc == 0)); then
        status="${_c_green}PASS${_c_off}"
    elif ((rc == SKIP)); then
        status="${_c_yellow}SKIP${_c_off}"
    else
        status="${_c_red}FAIL${_c_off}"
        msg="exit $rc${msg:+; $msg}"
    fi
    if [[ "$step" == pytest* ]]; then
        # pytest -q ends with e.g. "12 passed, 1 skipped in 3.21s" (or "no tests ran in ...").
        line="$(grep -E '(passed|failed|error|errors|skipped|deselected|xfailed|xpassed|no tests ran).* in [0-9.]+s' "$RUN_TMP/$step.log" | tail -n 1 | sed -E 's/^=+ //; s/ =+$//' || true)"
        [[ -n "$line" ]] && msg="pytest: $line${msg:+; $msg}"
    fi
    printf '%-13s %b %5ss  %s' "$step" "$status" "$(cat "$RUN_TMP/$step.time")" "$msg"
}

main() {
    if [[ "${1:-}" == --list || "${1:-}" == -l ]]; then
        printf '%s\n' "${ALL_STEPS[@]}" "${EXTRA_STEPS[@]}"
        return 0
    fi
    if [[ "${1:-}" == -h || "${1:-}" == --help ]]; then
        sed -n '2,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
        return 0
    fi
    expand_steps "${@:-all}" || return 2

    local step overall=0 total_started=$SECONDS lane
    local -a summary=() pids=()
    if [[ $# -eq 0 || " $* " == *" all "* ]] && [[ "${TEST_PARALLEL:-1}" != 0 ]]; then
        # Everything: setup first, then the lanes side by side.
        run_step setup
        if [[ "$(cat "$RUN_TMP/setup.rc")" == 0 ]]; then
            for lane in "${LANES[@]}"; do
                # shellcheck disable=SC2086  # a lane is a list of step names
                run_lane $lane &
                pids+=($!)
            done
            wait "${pids[@]}" || true
        else
            err "setup failed: no other step can run"
        fi
    else
        for step in "${STEPS[@]}"; do
            run_step "$step"
        done
    fi

    for step in "${STEPS[@]}"; do
        [[ -f "$RUN_TMP/$step.rc" ]] || { printf '%s\n' "$step.rc: not run" >"$RUN_TMP/$step.note"; echo 1 >"$RUN_TMP/$step.rc"; echo 0 >"$RUN_TMP/$step.time"; }
        [[ "$(cat "$RUN_TMP/$step.rc")" == 0 || "$(cat "$RUN_TMP/$step.rc")" == "$SKIP" ]] || overall=1
        summary+=("$(summary_line "$step")")
    done

    printf '\n%s======== summary (%ss) ========%s\n' "$_c_bold" "$((SECONDS - total_started))" "$_c_off"
    printf '%s\n' "${summary[@]}"
    if ((overall)); then
        printf '%sFAILED%s\n' "$_c_red" "$_c_off"
    else
        printf '%sALL PASSED%s (SKIP = nothing to test yet for that step)\n' "$_c_green" "$_c_off"
    fi
    return "$overall"
}

main "$@"
