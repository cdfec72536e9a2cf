#!/usr/bin/env bash
# Builds etcd, kube-apiserver and kubectl at pinned versions from the Go module proxy into the
# shared tool cache, skipping whatever is already there, and links them into .cache/bin.
#
# k8s.io/kubernetes cannot be `go install`ed: its go.mod replaces every staging module with a
# local ./staging path. We build it as a dependency of a scratch module instead, pinning each
# staging module to its published v0.<minor>.<patch>. etcd is built the same way around
# go.etcd.io/etcd/server/v3/etcdmain.
#
# Cold build on 2 cores: ~10-16 min (kube-apiserver dominates). Warm Go build cache: ~30 s.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

k8s_dir="$METALKUBE_CACHE/kubernetes-v$K8S_VERSION"
etcd_dir="$METALKUBE_CACHE/etcd-v$ETCD_VERSION"
command -v go >/dev/null || die "go is not on PATH"

ldflags_k8s() {
  local minor date ld="-s -w"
  minor="$(cut -d. -f2 <<<"$K8S_VERSION")"
  date="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $p.gitVersion=v$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor"
    ld+=" -X $p.gitTreeState=clean -X $p.gitCommit=0000000000000000000000000000000000000000 -X $p.buildDate=$date"
  done
  printf '%s' "$ld"
}

build_etcd() {
  if [[ -x "$etcd_dir/bin/etcd" ]]; then log "etcd $ETCD_VERSION cached"; return; fi
  local src="$etcd_dir/src"
  mkdir -p "$src" "$etcd_dir/bin"
  printf 'module local/etcdbuild\n\ngo 1.24\n' >"$src/go.mod"
  cat >"$src/main.go" <<'GO'
// Command etcd runs the upstream etcd server entry point.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
  log "resolving etcd v$ETCD_VERSION"
  (cd "$src" && go get "go.etcd.io/etcd/server/v3/etcdmain@v$ETCD_VERSION") >"$src/get.log" 2>&1 ||
    { cat "$src/get.log" >&2; die "go get etcd failed"; }
  log "building etcd (cold: ~2 min)"
  (cd "$src" && go build -trimpath -buildvcs=false -ldflags "-s -w" -o "$etcd_dir/bin/etcd.tmp" .)
  mv "$etcd_dir/bin/etcd.tmp" "$etcd_dir/bin/etcd"
}

build_k8s() {
  local want=() b
  for b in kube-apiserver kubectl; do [[ -x "$k8s_dir/bin/$b" ]] || want+=("$b"); done
  if [[ ${#want[@]} -eq 0 ]]; then log "kubernetes v$K8S_VERSION cached"; return; fi
  local src="$k8s_dir/src" upstream
  mkdir -p "$src" "$k8s_dir/bin"
  upstream="$(cd "$src" && go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" |
    sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')"
  [[ -f "$upstream" ]] || die "could not download the go.mod of k8s.io/kubernetes@v$K8S_VERSION"
  {
    echo "module local/k8sbuild"
    echo
    grep -E '^go [0-9.]+$' "$upstream"
    grep '^godebug' "$upstream" || true
    echo
    echo "require k8s.io/kubernetes v$K8S_VERSION"
    echo
    echo "replace ("
    awk -v v="v0.${K8S_VERSION#1.}" \
      '/^replace \(/{inblock=1; next} inblock && /^\)/{inblock=0} inblock && /=> \.\/staging/{print "\t" $1 " => " $1 " " v}' \
      "$upstream"
    echo ")"
  } >"$src/go.mod"
  log "resolving k8s.io/kubernetes v$K8S_VERSION"
  (cd "$src" && for b in "${want[@]}"; do go get "k8s.io/kubernetes/cmd/$b@v$K8S_VERSION"; done) >"$src/get.log" 2>&1 ||
    { cat "$src/get.log" >&2; die "go get kubernetes failed"; }
  local ld; ld="$(ldflags_k8s)"
  for b in "${want[@]}"; do
    log "building $b v$K8S_VERSION (cold on 2 cores: kube-apiserver ~10 min, kubectl ~1.5 min)"
    local t0=$SECONDS
    (cd "$src" && go build -trimpath -buildvcs=false -ldflags "$ld" -o "$k8s_dir/bin/$b.tmp" "k8s.io/kubernetes/cmd/$b")
    mv "$k8s_dir/bin/$b.tmp" "$k8s_dir/bin/$b"
    log "built $b in $((SECONDS - t0))s"
  done
}

build_etcd
build_k8s
link_tool etcd "$etcd_dir/bin/etcd"
link_tool kube-apiserver "$k8s_dir/bin/kube-apiserver"
link_tool kubectl "$k8s_dir/bin/kubectl"
log "ready: $("$TOOLS_BIN/kube-apiserver" --version), etcd $("$TOOLS_BIN/etcd" --version | sed -n 's/^etcd Version: //p')"
