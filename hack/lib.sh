# Shared settings for the hack/ scripts. Source it; do not run it.
#
# Tool binaries are built once per version into a per-user cache shared by every clone
# ($METALKUBE_CACHE, default ~/.cache/metalkube), then linked into the git-ignored .cache/bin
# of this checkout. A fresh clone on a machine that has built them before costs seconds.

set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
K8S_VERSION="${K8S_VERSION:-1.37.2}"
ETCD_VERSION="${ETCD_VERSION:-3.7.3}"
CONTROLLER_TOOLS_VERSION="${CONTROLLER_TOOLS_VERSION:-v0.23.0}"
METALKUBE_CACHE="${METALKUBE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/metalkube}"
TOOLS_BIN="${TOOLS_BIN:-$REPO_ROOT/.cache/bin}"

log() { printf '[%s] %s\n' "$(basename "$0")" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# link_tool NAME SRC: make $TOOLS_BIN/NAME point at SRC.
link_tool() {
  mkdir -p "$TOOLS_BIN"
  ln -sfn "$2" "$TOOLS_BIN/$1"
}

# go_flags_without_mod prints $GOFLAGS without any -mod=... flag (which `go install pkg@v` refuses).
go_flags_without_mod() {
  local f out=()
  for f in ${GOFLAGS:-}; do [[ $f == -mod=* ]] || out+=("$f"); done
  printf '%s' "${out[*]:-}"
}
