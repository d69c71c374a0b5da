#!/usr/bin/env bash
# The README's first command: set everything up, start the lab, roll out the example site
# (examples/site_floor_a, Production Floor A) and print where the report is.
#   bash scripts/demo.sh                    # everything
#   bash scripts/demo.sh -e rollout_fortiztp_enabled=false   # extra args go to ansible-playbook
# Environment: DEMO_OUTPUT (default .cache/demo) receives the report and the intended configs;
# SKIP_SETUP=1 skips scripts/setup.sh when .venv exists.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

if [[ -z "${SKIP_SETUP:-}" || ! -x "$VENV/bin/ansible-playbook" ]]; then
    bash "$ROOT/scripts/setup.sh"
fi

OUTPUT="${DEMO_OUTPUT:-$ROOT/.cache/demo}"
OUTPUT="$(mkdir -p "$OUTPUT" && cd "$OUTPUT" && pwd -P)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/breakwater-ztp-demo.XXXXXX")"
LAB_PID=''

# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
    if [[ -n "$LAB_PID" ]] && kill -0 "$LAB_PID" 2>/dev/null; then
        kill "$LAB_PID" 2>/dev/null || true
        wait "$LAB_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The lab: an emulator of both clouds on a free loopback port, stopped on exit.
log "starting the lab (tests/lab)"
PYTHONPATH="$ROOT/tests/lab${PYTHONPATH:+:$PYTHONPATH}" \
    "$VENV/bin/python" -m ztplab serve --port 0 --url-file "$WORK/lab.url" >"$WORK/lab.log" 2>&1 &
LAB_PID=$!
for _ in $(seq 1 300); do
    [[ -s "$WORK/lab.url" ]] && break
    kill -0 "$LAB_PID" 2>/dev/null || { tail -n 30 "$WORK/lab.log" >&2; die "the lab exited before it was ready"; }
    sleep 0.1
done
[[ -s "$WORK/lab.url" ]] || die "the lab did not start within 30 s (log: $WORK/lab.log)"
LAB_URL="$(head -n 1 "$WORK/lab.url")"
log "lab running at $LAB_URL"

# Connection values: the modules read these environment variables (the lab's credentials).
export BREAKWATER_URL="$LAB_URL"
export BREAKWATER_API_TOKEN=bw-lab-token
export FORTIZTP_API_ID=lab-api-user
export FORTIZTP_PASSWORD=lab-api-password
export FORTIZTP_BASE_URL="$LAB_URL/public/api/v2"
export FORTIZTP_AUTH_URL="$LAB_URL/api/v1"
# One FortiCloud token for the run, kept with the run (the lab forgets it when it stops).
export FORTIZTP_TOKEN_CACHE_DIR="$WORK/fortiztp-tokens"

ansible_env   # ANSIBLE_COLLECTIONS_PATH -> .cache/collections/ansible_collections/breakwater/ztp = this checkout
export ANSIBLE_LOCALHOST_WARNING=false

log "ansible-playbook breakwater.ztp.site_rollout -i examples/site_floor_a/hosts.yml"
rc=0
"$VENV/bin/ansible-playbook" breakwater.ztp.site_rollout \
    -i examples/site_floor_a/hosts.yml \
    -e "ztp_output_dir=$OUTPUT" \
    -e "ansible_python_interpreter=$VENV/bin/python" \
    "$@" || rc=$?

REPORTS="$OUTPUT/reports/site_floor_a"
if [[ -f "$REPORTS/rollout-report.html" ]]; then
    log "report: $REPORTS/rollout-report.html"
    log "        $REPORTS/rollout-report.json (the plan: $REPORTS/rollout-plan.json)"
    log "intended configs: $OUTPUT/configs/site_floor_a/"
else
    err "no report was written (see the output above)"
fi
if [[ $rc -ne 0 ]]; then
    err "the rollout failed (exit status $rc)"
fi
exit "$rc"
