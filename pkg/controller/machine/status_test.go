package machine

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	machinev1 "github.com/metalkube/metalkube/pkg/apis/machine.openshift.io/v1beta1"
	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
)

func TestDecideStatus(t *testing.T) {
	now := metav1.Now()
	inState := func(s metal3.ProvisioningState) *metal3.BareMetalHost {
		h := availableHost("h", nil)
		h.Status.Provisioning.State = s
		return h
	}
	failing := inState(metal3.StateProvisioning)
	failing.Status.ErrorType, failing.Status.ErrorMessage = metal3.ProvisioningError, "deploy failed"
	failedProvisioned := inState(metal3.StateProvisioned)
	failedProvisioned.Status.ErrorType, failedProvisioned.Status.ErrorMessage = metal3.PowerManagementError, "no power"
	running := &machinev1.Machine{Status: machinev1.MachineStatus{NodeRef: &corev1.ObjectReference{Kind: "Node", Name: "n"}}}
	deleting := &machinev1.Machine{ObjectMeta: metav1.ObjectMeta{DeletionTimestamp: &now}}

	type want struct {
		phase, reason, message string
	}
	cases := []struct {
		name    string
		machine *machinev1.Machine
		host    *metal3.BareMetalHost
		problem *machineProblem
		want    want
	}{
		{"a Machine waiting for a host is provisioning, and says why it waits", &machinev1.Machine{}, nil,
			problem(machinev1.InsufficientResourcesMachineError, "no host"), want{"Provisioning", "InsufficientResources", "no host"}},
		{"an invalid provider spec fails the Machine", &machinev1.Machine{}, nil,
			problem(machinev1.InvalidConfigurationMachineError, "bad field"), want{"Failed", "InvalidConfiguration", "bad field"}},
		{"a claimed host that is still available is provisioning", &machinev1.Machine{}, inState(metal3.StateAvailable), nil, want{"Provisioning", "", ""}},
		{"a host being provisioned is provisioning", &machinev1.Machine{}, inState(metal3.StateProvisioning), nil, want{"Provisioning", "", ""}},
		{"a provisioned host makes a provisioned Machine", &machinev1.Machine{}, inState(metal3.StateProvisioned), nil, want{"Provisioned", "", ""}},
		{"a Machine with a Node is running", running, inState(metal3.StateProvisioned), nil, want{"Running", "", ""}},
		{"a host failing to provision fails the Machine with a CreateError", &machinev1.Machine{}, failing, nil,
			want{"Failed", "CreateError", "BareMetalHost ns/h has a provisioning error: deploy failed"}},
		{"a provisioned host with an error fails the Machine with an UpdateError", &machinev1.Machine{}, failedProvisioned, nil,
			want{"Failed", "UpdateError", "BareMetalHost ns/h has a power management error: no power"}},
		{"a lost host fails the Machine", &machinev1.Machine{}, nil,
			problem(machinev1.UpdateMachineError, "host was deleted"), want{"Failed", "UpdateError", "host was deleted"}},
		{"a deleted Machine is deleting", deleting, inState(metal3.StateDeprovisioning), nil, want{"Deleting", "", ""}},
		{"a deleted Machine whose host cannot be cleaned says so", deleting, func() *metal3.BareMetalHost {
			h := inState(metal3.StateDeprovisioning)
			h.Status.ErrorType, h.Status.ErrorMessage = metal3.ProvisioningError, "cleaning failed"
			return h
		}(), nil, want{"Deleting", "DeleteError", "BareMetalHost ns/h has a provisioning error: cleaning failed"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := decideStatus(tc.machine, tc.host, tc.problem)
			got := want{phase: st.phase}
			if st.errorReason != nil {
				got.reason, got.message = string(*st.errorReason), *st.errorMessage
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("status (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAddressesComeFromTheHostsNICsAndHostname(t *testing.T) {
	h := availableHost("h", nil)
	h.Status.HardwareDetails = &metal3.HardwareDetails{
		Hostname: "worker-0.example.test",
		NIC: []metal3.NIC{
			{Name: "eth0", IP: "192.168.111.20"},
			{Name: "eth1"}, // no address
			{Name: "eth2", IP: "fd00::20"},
			{Name: "eth0.100", IP: "192.168.111.20"}, // the same address twice
		},
	}
	want := []corev1.NodeAddress{
		{Type: corev1.NodeInternalIP, Address: "192.168.111.20"},
		{Type: corev1.NodeInternalIP, Address: "fd00::20"},
		{Type: corev1.NodeHostName, Address: "worker-0.example.test"},
		{Type: corev1.NodeInternalDNS, Address: "worker-0.example.test"},
	}
	if diff := cmp.Diff(want, hostAddresses(h)); diff != "" {
		t.Errorf("addresses (-want +got):\n%s", diff)
	}
	if got := hostAddresses(availableHost("bare", nil)); got != nil {
		t.Errorf("a host without hardware details has addresses %v", got)
	}
}

func TestStatusDiffersIgnoresLastUpdatedAndEmptyAddresses(t *testing.T) {
	phase := machinev1.PhaseProvisioning
	now := metav1.Now()
	cur := machinev1.MachineStatus{Phase: &phase, LastUpdated: &now, Addresses: []corev1.NodeAddress{}}
	if statusDiffers(cur, ownedStatus{phase: machinev1.PhaseProvisioning}) {
		t.Error("an equal status differs")
	}
	reason := machinev1.InsufficientResourcesMachineError
	msg := "no host"
	if !statusDiffers(cur, ownedStatus{phase: machinev1.PhaseProvisioning, errorReason: &reason, errorMessage: &msg}) {
		t.Error("a new problem does not count as a change")
	}
}
