#!/usr/bin/env bash
# Fails when generated code or CRD YAML is stale: regenerates into a scratch copy of the tree and
# compares it with the checkout.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
# Copy the tracked and new files (not .cache or build output) and regenerate there.
git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$scratch"
(cd "$scratch" && METALKUBE_CACHE="$METALKUBE_CACHE" ./hack/update-codegen.sh) >/dev/null 2>"$scratch.log" ||
  { cat "$scratch.log" >&2; die "code generation failed"; }
rm -f "$scratch.log"
stale=0
for d in pkg/apis pkg/generated manifests/crds manifests/machine-api; do
  if ! diff -r -q "$d" "$scratch/$d" >/dev/null 2>&1; then
    diff -r "$d" "$scratch/$d" | head -40 >&2
    stale=1
  fi
done
[[ $stale == 0 ]] || die "generated files are stale: run hack/update-codegen.sh and commit the result"
log "generated code and CRDs are fresh"
