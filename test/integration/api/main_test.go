// Package api tests the BareMetalHost and HardwareData API against a real kube-apiserver:
// generated clientset and informers, kubectl columns and describe, and schema validation.
package api

import (
	"fmt"
	"os"
	"testing"

	"github.com/metalkube/metalkube/test/envtest"
)

var env *envtest.Environment

func TestMain(m *testing.M) {
	var err error
	env, err = envtest.Start(envtest.Options{})
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: cannot start kube-apiserver and etcd: %v\n", err)
		os.Exit(1)
	}
	code := m.Run()
	env.Stop()
	os.Exit(code)
}
