#!/usr/bin/env bash
# Builds controller-gen at the pinned version into the shared tool cache (once) and prints its path.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
dir="$METALKUBE_CACHE/controller-gen-$CONTROLLER_TOOLS_VERSION"
if [[ ! -x "$dir/controller-gen" ]]; then
  log "building controller-gen $CONTROLLER_TOOLS_VERSION (cold: ~1 min)"
  # `go install pkg@version` refuses -mod flags; keep the others (-modcacherw, for one).
  GOBIN="$dir" GOFLAGS="$(go_flags_without_mod)" go install "sigs.k8s.io/controller-tools/cmd/controller-gen@$CONTROLLER_TOOLS_VERSION" >&2
fi
echo "$dir/controller-gen"
