#!/usr/bin/env bash
# Build the collection's docs site offline: antsibull-docs pages of every plugin, module and
# role, the changelog, and the guides of docs/*.md (listed in docs/docsite/extra-docs.yml).
#   bash scripts/docs.sh [DEST]     # default .cache/docsite; open DEST/build/html/index.html
# No network: intersphinx is off, so references into ansible-core's docs (common return values,
# configuration settings, ANSIBLE_* variables) stay unresolved; every other Sphinx warning fails.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

DEST="${1:-$ROOT/.cache/docsite}"
FQCN="$COLLECTION_NAMESPACE.$COLLECTION_NAME"
# Warnings that only mean "this target lives in ansible-core's docs, which intersphinx would load".
OFFLINE_ONLY_WARNINGS="WARNING: (undefined label: '(common_return_values|ansible_configuration_settings)'|'envvar' reference target not found: ANSIBLE_[A-Z_]+) \\[ref\\.(ref|envvar)\\]\$"

main() {
    [[ -x "$VENV/bin/antsibull-docs" ]] || die "$VENV/bin/antsibull-docs missing: run bash scripts/setup.sh"
    # breakwater.ztp resolves to this checkout.
    ansible_env
    rm -rf "$DEST"
    mkdir -p "$DEST"
    DEST="$(cd "$DEST" && pwd -P)"

    antsibull-docs sphinx-init --use-current --squash-hierarchy --fail-on-error \
        --no-add-antsibull-docs-version --project "$FQCN" --title "Breakwater ZTP collection" \
        --dest-dir "$DEST" "$FQCN" >/dev/null
    # Offline: the generated conf.py would fetch intersphinx inventories from the internet.
    # MyST reads the Markdown guides that the extra docs include (below).
    cat >>"$DEST/conf.py" <<'PY'

# scripts/docs.sh: built offline (no intersphinx inventories), Markdown guides through MyST.
intersphinx_mapping = {}
extensions.append('myst_parser')
myst_heading_anchors = 3
PY

    mkdir -p "$DEST/rst"
    chmod og-w "$DEST/rst"  # antsibull-docs wants the folder writable by itself only
    antsibull-docs --config-file "$DEST/antsibull-docs.cfg" collection --cleanup everything \
        --use-current --squash-hierarchy --fail-on-error --dest-dir "$DEST/rst" "$FQCN"

    # Each extra doc (a label) gets its guide: docs/<name>.md, included with the MyST parser.
    local stub name count=0 repo_blob
    repo_blob="$("$VENV/bin/python" -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["repository"].rstrip("/"))' galaxy.yml)/blob/main"
    mkdir -p "$DEST/guides"
    for stub in docs/docsite/rst/*.rst; do
        name="$(basename "$stub" .rst)"
        [[ -f "docs/$name.md" ]] || die "$stub has no guide docs/$name.md"
        [[ -f "$DEST/rst/docsite/$name.rst" ]] || die "antsibull-docs did not copy $stub to $DEST/rst/docsite/"
        # Links to files outside docs/ point at the repository (they are not pages of the site).
        sed -E "s#\]\(\.\./#](${repo_blob}/#g" "docs/$name.md" >"$DEST/guides/$name.md"
        printf '\n.. include:: ../../guides/%s.md\n   :parser: myst_parser.sphinx_\n' "$name" >>"$DEST/rst/docsite/$name.rst"
        count=$((count + 1))
    done

    rm -f "$DEST/warnings.log"  # Sphinx writes it only when it warns: no earlier build's warnings
    sphinx-build -M html "$DEST/rst" "$DEST/build" -c "$DEST" -Q -w "$DEST/warnings.log"
    local unexpected
    touch "$DEST/warnings.log"
    unexpected="$(grep -vE "$OFFLINE_ONLY_WARNINGS" "$DEST/warnings.log" || true)"
    if [[ -n "$unexpected" ]]; then
        printf '%s\n' "$unexpected" >&2
        die "sphinx-build warned (above); only unresolved ansible-core references are expected offline"
    fi

    # Every guide made it into the site: its page holds its title (compared as letters and
    # digits only, since Sphinx escapes and curls quotes).
    "$VENV/bin/python" - "$DEST/build/html/docsite" docs/docsite/rst/*.rst <<'PY'
import os
import re
import sys

def squash(text):
    return re.sub(r"[^a-z0-9]+", "", re.sub(r"<[^>]+>|&[#a-z0-9]+;", "", text.lower()))

site, stubs = sys.argv[1], sys.argv[2:]
for stub in stubs:
    name = os.path.basename(stub)[:-len(".rst")]
    with open(os.path.join("docs", name + ".md"), encoding="utf-8") as guide:
        title = next(line[2:] for line in guide if line.startswith("# "))
    with open(os.path.join(site, name + ".html"), encoding="utf-8") as page:
        if squash(title) not in squash(page.read()):
            sys.exit("docs site: docsite/%s.html does not contain the guide's title %r" % (name, title.strip()))
PY
    log "docs site built: $DEST/build/html/index.html ($count guides, $(find "$DEST/build/html" -name '*.html' | wc -l) pages)"
}

main "$@"
