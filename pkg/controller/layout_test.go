package controller

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The house reads top-down: cmd → pkg/controller → controller/host, controller/machine (sharing
// controller/internal/worker) → hoststate / provisioner → ironic / bmc → apis. These are the
// imports each package must never have (directly), so that it stays so.
func TestPackagesNeverImportWhatTheLayoutForbids(t *testing.T) {
	const mod = "github.com/metalkube/metalkube/"
	for _, tc := range []struct {
		dir       string
		forbidden []string
	}{
		// The actuator works on hosts through the API only, never through the host controller
		// or the provisioner.
		{"machine", []string{mod + "pkg/controller/host", mod + "pkg/provisioner", mod + "pkg/ironic"}},
		// The host controller drives any provisioner through its interface.
		{"host", []string{mod + "pkg/controller/machine", mod + "pkg/ironic"}},
		// The shared loop knows nothing about hosts or Machines.
		{"internal/worker", []string{mod + "pkg/controller/", mod + "pkg/hoststate", mod + "pkg/provisioner"}},
		// The state machine is pure: no API client, no Ironic, no controller.
		{"../hoststate", []string{mod + "pkg/controller", mod + "pkg/ironic", mod + "pkg/generated", "k8s.io/client-go"}},
		{"../provisioner", []string{mod + "pkg/controller", mod + "pkg/hoststate", mod + "pkg/ironic", "k8s.io/client-go"}},
		// The Ironic backend and the BMC parser sit below the decisions: they never reach up.
		{"../ironic", []string{mod + "pkg/controller", mod + "pkg/hoststate", mod + "pkg/generated", "k8s.io/client-go"}},
		{"../bmc", []string{mod + "pkg/controller", mod + "pkg/hoststate", mod + "pkg/ironic", mod + "pkg/provisioner", "k8s.io/client-go"}},
	} {
		files, err := filepath.Glob(filepath.Join(tc.dir, "*.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("%s: no Go files (%v)", tc.dir, err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			parsed, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range parsed.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				for _, bad := range tc.forbidden {
					if strings.HasPrefix(path, bad) {
						t.Errorf("%s imports %s", f, path)
					}
				}
			}
		}
	}
}
