package framework

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/test/ipmisim"
)

// CreateBMCHost creates a host and its credentials Secret (name-bmc): booting from mac,
// powered off, automated cleaning disabled; change edits the host before it is created.
func (s *System) CreateBMCHost(t testing.TB, name, address, mac, user, password string, change ...func(*metal3.BareMetalHost)) {
	t.Helper()
	s.Credentials(t, name+"-bmc", user, password)
	h := &metal3.BareMetalHost{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: Namespace},
		Spec: metal3.BareMetalHostSpec{
			BootMACAddress:        mac,
			AutomatedCleaningMode: metal3.CleaningModeDisabled,
			BMC:                   metal3.BMCDetails{Address: address, CredentialsName: name + "-bmc"},
		},
	}
	for _, c := range change {
		c(h)
	}
	s.CreateHost(t, h)
}

// IPMIUser and IPMIPassword are the credentials of the BMCs StartIPMI starts.
const IPMIUser, IPMIPassword = "ipmiadmin", "ipmi-s3cret"

// StartIPMI starts an ipmi_sim BMC listening on host (a loopback address of its own, so
// Ironic's per-address spacing of IPMI commands does not make hosts wait for each other),
// stopped when the test ends.
func StartIPMI(t testing.TB, host string) *ipmisim.BMC {
	t.Helper()
	b, err := ipmisim.Start(ipmisim.Options{Host: host, Username: IPMIUser, Password: IPMIPassword})
	if err != nil {
		t.Fatalf("starting ipmi_sim: %v", err)
	}
	t.Cleanup(b.Stop)
	return b
}
