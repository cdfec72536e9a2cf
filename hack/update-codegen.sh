#!/usr/bin/env bash
# Regenerates everything derived from the API types in pkg/apis:
#   - deepcopy functions (zz_generated.deepcopy.go) with k8s.io/code-generator's kube_codegen.sh
#   - typed clientset (with watch and apply configurations), listers, informers -> pkg/generated
#   - CRD YAML -> manifests/crds (metal3.io) and manifests/machine-api (Machine), with controller-gen (sigs.k8s.io/controller-tools, pinned)
# The code-generator version is the one pinned in go.mod (a `tool` dependency).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

module="$(go list -m)"
# `go build` fetches only what the build imports; code-generator is a `tool` dependency, so on a
# machine whose module cache never held it, `go list -m -f {{.Dir}}` prints nothing. Fetch it.
go mod download k8s.io/code-generator || die "could not download k8s.io/code-generator (see above)"
codegen_pkg="$(go list -m -f '{{.Dir}}' k8s.io/code-generator)"
[[ -d "$codegen_pkg" ]] || die "k8s.io/code-generator is not in the module cache at $(go env GOMODCACHE)"
# shellcheck source=/dev/null
source "$codegen_pkg/kube_codegen.sh"

boilerplate="$REPO_ROOT/hack/boilerplate.go.txt"

kube::codegen::gen_helpers --boilerplate "$boilerplate" "$REPO_ROOT/pkg/apis"

kube::codegen::gen_client \
  --with-watch \
  --with-applyconfig \
  --output-dir "$REPO_ROOT/pkg/generated" \
  --output-pkg "$module/pkg/generated" \
  --boilerplate "$boilerplate" \
  "$REPO_ROOT/pkg/apis"

controller_gen="$("$REPO_ROOT/hack/install-controller-gen.sh")"
rm -rf "$REPO_ROOT/manifests/crds" "$REPO_ROOT/manifests/machine-api"
# allowDangerousTypes: metal3's CPU.clockMegahertz is a float, kept for compatibility.
"$controller_gen" crd:allowDangerousTypes=true paths=./pkg/apis/metal3.io/... output:crd:dir=./manifests/crds
# The Machine CRD is for clusters without the machine API; kept apart so it is installed only
# where wanted.
"$controller_gen" crd paths=./pkg/apis/machine.openshift.io/... output:crd:dir=./manifests/machine-api
log "generated code and CRDs are up to date"
