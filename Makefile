# metalkube: Kubernetes-native management of physical servers through OpenStack Ironic.
#
#   make test       install the tools it needs, then run unit and integration tests
#   make tools      build kube-apiserver/etcd/kubectl and controller-gen (cached), install Ironic
#   make generate   regenerate deepcopy, clientset, listers, informers and CRD YAML
#   make verify     fail if generated files are stale; gofmt and go vet
#   make build      build bin/baremetal-controller
#   make demo       local API server + Ironic + BMC simulator + controller + sample hosts, live
#   make demo-ci    the same, exiting (status 0) once every sample host is provisioned
#   make bench      the controller at scale next to Ironic driven directly (N=100; N=1000 ...)

SHELL := /usr/bin/env bash
GO ?= go
# Integration test packages start their own API server and Ironic; two at a time fits 2 cores.
TEST_PARALLEL ?= 2
TEST_TIMEOUT ?= 40m
GOTESTFLAGS ?=

.PHONY: all build generate verify test unit integration tools tools-k8s tools-ironic tools-codegen fmt vet clean demo demo-ci bench

all: build

build:
	$(GO) build -o bin/ ./cmd/...

generate:
	./hack/update-codegen.sh

verify: vet
	@unformatted="$$(gofmt -l $$(git ls-files '*.go'))"; \
	if [[ -n "$$unformatted" ]]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	./hack/verify-codegen.sh

vet:
	$(GO) vet ./...

tools: tools-k8s tools-ironic tools-codegen

tools-k8s:
	./hack/install-k8s.sh

tools-ironic:
	./hack/install-ironic.sh

tools-codegen:
	@./hack/install-controller-gen.sh >/dev/null

test: tools verify
	$(GO) test -p $(TEST_PARALLEL) -timeout $(TEST_TIMEOUT) $(GOTESTFLAGS) ./...

unit:
	$(GO) test $(GOTESTFLAGS) ./pkg/... ./cmd/...

integration: tools
	$(GO) test -p $(TEST_PARALLEL) -timeout $(TEST_TIMEOUT) $(GOTESTFLAGS) ./test/...

# DEMO_FLAGS are passed to the demo, e.g. DEMO_FLAGS="-keep -fake-hosts 5".
# DEMO_EXIT_WHEN_PROVISIONED=1 makes it exit once every sample host is provisioned.
DEMO_FLAGS ?=

demo: tools build
	$(GO) build -o bin/demo ./test/cmd/demo
	./bin/demo -controller bin/baremetal-controller $(DEMO_FLAGS)

demo-ci:
	DEMO_EXIT_WHEN_PROVISIONED=1 $(MAKE) demo

# make bench: N hosts through their lifecycle with the controller as a separate process, and
# the same lifecycle driven directly against Ironic; results in test/benchresults/ (JSON, PNG).
# FAKE_DELAY (seconds, or a range "1,3") mimics hardware; IDLE is the idle window; WORKERS the
# controller's --host-workers; BENCH_FLAGS more flags (go run ./test/bench/cmd/bench -h).
# Not part of `make test`. See BENCHMARKS.md.
N ?= 100
FAKE_DELAY ?= 0
IDLE ?= 60s
WORKERS ?= 16
BENCH_FLAGS ?=

bench: tools
	$(GO) run ./test/bench/cmd/bench -n $(N) -fake-delay $(FAKE_DELAY) -idle $(IDLE) -host-workers $(WORKERS) $(BENCH_FLAGS)

clean:
	rm -rf bin/ _output/
