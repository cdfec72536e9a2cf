package actuator

import (
	"testing"

	baremetal "github.com/metalkube/metalkube/pkg/apis/baremetal.cluster.k8s.io/v1alpha1"
	machinev1 "github.com/metalkube/metalkube/pkg/apis/machine.openshift.io/v1beta1"
	"github.com/metalkube/metalkube/pkg/controller"
	"github.com/metalkube/metalkube/test/framework"
)

// TestHostSelectorsChooseOnlyMatchingHosts gives each Machine a selector that exactly one host
// of the group matches, a different host for each, and creates all Machines at once: a
// selector that let a wrong host through would take another Machine's host and leave that
// Machine without one.
func TestHostSelectorsChooseOnlyMatchingHosts(t *testing.T) {
	const group = "sel"
	hostLabels := []map[string]string{
		{"size": "large", "rack": "r1"},               // sel-00
		{"size": "small", "rack": "r2"},               // sel-01
		{"size": "large", "rack": "r3", "gpu": "yes"}, // sel-02
		{"size": "medium"},                            // sel-03
		{"size": "tiny", "rack": "r9"},                // sel-04
	}
	hosts := createHosts(t, group, len(hostLabels), 10, func(i int) map[string]string { return hostLabels[i] })

	req := func(key, op string, values ...string) baremetal.HostSelectorRequirement {
		return baremetal.HostSelectorRequirement{Key: key, Operator: op, Values: values}
	}
	cases := []struct {
		machine string
		sel     baremetal.HostSelector
		want    string // host, or "" for none
	}{
		{"sel-match-labels", baremetal.HostSelector{MatchLabels: map[string]string{"size": "large", "rack": "r1"}}, hosts[0]},
		{"sel-in", baremetal.HostSelector{MatchExpressions: []baremetal.HostSelectorRequirement{req("rack", "In", "r2", "r7")}}, hosts[1]},
		{"sel-exists", baremetal.HostSelector{MatchExpressions: []baremetal.HostSelectorRequirement{req("gpu", "Exists")}}, hosts[2]},
		{"sel-does-not-exist", baremetal.HostSelector{MatchExpressions: []baremetal.HostSelectorRequirement{req("rack", "DoesNotExist")}}, hosts[3]},
		{"sel-not-in", baremetal.HostSelector{MatchExpressions: []baremetal.HostSelectorRequirement{req("size", "NotIn", "large", "small", "medium")}}, hosts[4]},
		{"sel-nothing", baremetal.HostSelector{MatchLabels: map[string]string{"size": "huge"}}, ""},
	}
	var names []string
	for _, tc := range cases {
		tc.sel.MatchLabels = mergeLabels(tc.sel.MatchLabels, map[string]string{groupLabel: group})
		sys.CreateMachine(t, framework.NewMachine(tc.machine, framework.TestProviderSpec("", tc.sel)))
		names = append(names, tc.machine)
	}
	for _, tc := range cases {
		t.Run(tc.machine, func(t *testing.T) {
			if tc.want == "" {
				sys.WaitForMachine(t, tc.machine, stepTimeout, "InsufficientResources", func(m *machinev1.Machine) bool {
					return errorReason(m) == machinev1.InsufficientResourcesMachineError
				})
				return
			}
			m := sys.WaitForMachine(t, tc.machine, stepTimeout, "a host", hasHost)
			if got := m.Annotations[controller.HostAnnotation]; got != framework.Namespace+"/"+tc.want {
				t.Errorf("claimed %q, want %s", got, tc.want)
			}
			if c := consumer(sys.Host(t, tc.want)); c != tc.machine {
				t.Errorf("host %s is consumed by %q", tc.want, c)
			}
		})
	}
	deleteMachinesAndWait(t, names)
	deleteHosts(t, hosts)
}

func mergeLabels(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}
