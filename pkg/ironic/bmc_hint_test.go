package ironic

import "testing"

func TestBMCHintFakeHardware(t *testing.T) {
	tests := []struct{ deploy, want string }{
		{"fake", "fake://n-1"},
		{"direct", "fake-agent://n-1"},
	}
	for _, tc := range tests {
		n := &nodeDoc{UUID: "n-1", Driver: "fake-hardware", DeployInterface: tc.deploy}
		if got := bmcHint(n); got != tc.want {
			t.Errorf("deploy interface %s: hint %q, want %q", tc.deploy, got, tc.want)
		}
	}
}
