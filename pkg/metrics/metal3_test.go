package metrics

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
)

func status(state metal3.ProvisioningState, mutate ...func(*metal3.BareMetalHostStatus)) *metal3.BareMetalHostStatus {
	s := &metal3.BareMetalHostStatus{Provisioning: metal3.ProvisionStatus{State: state}}
	for _, f := range mutate {
		f(s)
	}
	return s
}

func TestHostSyncedDerivesMetal3Series(t *testing.T) {
	t0 := metav1.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	failed := func(typ metal3.ErrorType, count int) func(*metal3.BareMetalHostStatus) {
		return func(s *metal3.BareMetalHostStatus) { s.ErrorType, s.ErrorCount = typ, count }
	}
	tried := func(version string) func(*metal3.BareMetalHostStatus) {
		return func(s *metal3.BareMetalHostStatus) {
			s.TriedCredentials = metal3.CredentialsStatus{Reference: &corev1.SecretReference{Name: "bmc", Namespace: "ns"}, Version: version}
		}
	}
	for _, tc := range []struct {
		name string
		sync HostSync
		// want maps a metric name to its expected exposition lines (others must be absent).
		want map[string]string
	}{{
		name: "a state change counts prev_state and new_state",
		sync: HostSync{Before: status(metal3.StateRegistering), After: status(metal3.StateInspecting)},
		want: map[string]string{"metal3_provisioning_state_change_total": `metal3_provisioning_state_change_total{new_state="inspecting",prev_state="registering"} 1`},
	}, {
		name: "a new host without BMC becomes unmanaged",
		sync: HostSync{Before: status(metal3.StateNone), After: status(metal3.StateUnmanaged)},
		want: map[string]string{
			"metal3_host_unmanaged_total":            `metal3_host_unmanaged_total 1`,
			"metal3_provisioning_state_change_total": `metal3_provisioning_state_change_total{new_state="unmanaged",prev_state=""} 1`,
		},
	}, {
		name: "a recorded error counts with metal3's error_type value",
		sync: HostSync{Before: status(metal3.StateInspecting), After: status(metal3.StateInspecting, failed(metal3.InspectionError, 1))},
		want: map[string]string{"metal3_host_error_total": `metal3_host_error_total{error_type="InspectionError"} 1`},
	}, {
		name: "a repeated failure of the same type counts again",
		sync: HostSync{Before: status(metal3.StateProvisioned, failed(metal3.PowerManagementError, 1)),
			After: status(metal3.StateProvisioned, failed(metal3.PowerManagementError, 2))},
		want: map[string]string{"metal3_host_error_total": `metal3_host_error_total{error_type="PowerManagementError"} 1`},
	}, {
		name: "an unchanged error does not count",
		sync: HostSync{Before: status(metal3.StateProvisioned, failed(metal3.PowerManagementError, 2)),
			After: status(metal3.StateProvisioned, failed(metal3.PowerManagementError, 2))},
		want: map[string]string{"metal3_host_error_total": ``},
	}, {
		name: "power on and off by host",
		sync: HostSync{Namespace: "ns", Name: "h", Action: "PowerOff", Before: status(metal3.StateProvisioned), After: status(metal3.StateProvisioned)},
		want: map[string]string{"metal3_operation_power_change_total": `metal3_operation_power_change_total{host="h",namespace="ns",on_off="off"} 1`},
	}, {
		name: "a reboot is a power cycle",
		sync: HostSync{Namespace: "ns", Name: "h", Action: "Reboot", Before: status(metal3.StateAvailable), After: status(metal3.StateAvailable)},
		want: map[string]string{"metal3_operation_power_change_total": `metal3_operation_power_change_total{host="h",namespace="ns",on_off="off"} 1
metal3_operation_power_change_total{host="h",namespace="ns",on_off="on"} 1`},
	}, {
		name: "a failed power change is not counted, nor the power off before delete",
		sync: HostSync{Namespace: "ns", Name: "h", Action: "PowerOn", ActionFailed: true, Before: status(metal3.StateProvisioned), After: status(metal3.StateProvisioned)},
		want: map[string]string{"metal3_operation_power_change_total": ``},
	}, {
		name: "registering, and a BMC that cannot be reached",
		sync: HostSync{Action: "Register", ActionFailed: true, Before: status(metal3.StateRegistering), After: status(metal3.StateRegistering)},
		want: map[string]string{
			"metal3_host_registration_required_total":       `metal3_host_registration_required_total 1`,
			"metal3_credentials_no_management_access_total": `metal3_credentials_no_management_access_total 1`,
		},
	}, {
		name: "new credentials tried",
		sync: HostSync{Before: status(metal3.StateProvisioned, tried("1")), After: status(metal3.StateProvisioned, tried("2"))},
		want: map[string]string{"metal3_credentials_updated_total": `metal3_credentials_updated_total 1`},
	}, {
		name: "waiting for a slot to provision",
		sync: HostSync{Namespace: "ns", Name: "h", WaitingForSlot: true, Before: status(metal3.StateAvailable), After: status(metal3.StateAvailable)},
		want: map[string]string{
			"metal3_delayed__provisioning_total":   `metal3_delayed__provisioning_total{host="h",namespace="ns"} 1`,
			"metal3_delayed__deprovisioning_total": ``,
		},
	}, {
		name: "waiting for a slot to deprovision",
		sync: HostSync{Namespace: "ns", Name: "h", WaitingForSlot: true, Before: status(metal3.StateProvisioned), After: status(metal3.StateProvisioned)},
		want: map[string]string{
			"metal3_delayed__provisioning_total":   ``,
			"metal3_delayed__deprovisioning_total": `metal3_delayed__deprovisioning_total{host="h",namespace="ns"} 1`,
		},
	}, {
		name: "deprovisioning abandoned on delete",
		sync: HostSync{EventReasons: []string{"DeprovisioningAbandoned"}, Before: status(metal3.StateDeprovisioning),
			After: status(metal3.StatePoweringOffBeforeDelete)},
		want: map[string]string{"metal3_delete_without_deprovisioning_total": `metal3_delete_without_deprovisioning_total 1`},
	}, {
		name: "the deletion of a detached host delayed",
		sync: HostSync{DeleteDelayedForDetached: true, Before: status(metal3.StateProvisioned), After: status(metal3.StateProvisioned)},
		want: map[string]string{"metal3_delete_delayed_for_detached_total": `metal3_delete_delayed_for_detached_total 1`},
	}, {
		name: "a finished operation is observed once, by host",
		sync: HostSync{Namespace: "ns", Name: "h", Before: status(metal3.StateInspecting, func(s *metal3.BareMetalHostStatus) {
			s.OperationHistory.Inspect.Start = t0
		}), After: status(metal3.StateAvailable, func(s *metal3.BareMetalHostStatus) {
			s.OperationHistory.Inspect = metal3.OperationMetric{Start: t0, End: metav1.NewTime(t0.Add(100 * time.Second))}
		})},
		want: map[string]string{"metal3_operation_inspect_duration_seconds": `metal3_operation_inspect_duration_seconds_bucket{host="h",namespace="ns",le="30"} 0
metal3_operation_inspect_duration_seconds_bucket{host="h",namespace="ns",le="90"} 0
metal3_operation_inspect_duration_seconds_bucket{host="h",namespace="ns",le="180"} 1
metal3_operation_inspect_duration_seconds_bucket{host="h",namespace="ns",le="360"} 1
metal3_operation_inspect_duration_seconds_bucket{host="h",namespace="ns",le="720"} 1
metal3_operation_inspect_duration_seconds_bucket{host="h",namespace="ns",le="1440"} 1
metal3_operation_inspect_duration_seconds_bucket{host="h",namespace="ns",le="+Inf"} 1
metal3_operation_inspect_duration_seconds_sum{host="h",namespace="ns"} 100
metal3_operation_inspect_duration_seconds_count{host="h",namespace="ns"} 1`},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			m := New()
			m.HostSynced(tc.sync)
			for name, want := range tc.want {
				if err := testutil.GatherAndCompare(m.Registry, strings.NewReader(exposition(t, m, name, want)), name); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

// exposition is the text format of one metric: its HELP and TYPE lines from the registry, then
// the given samples (none when empty).
func exposition(t *testing.T, m *Metrics, name, samples string) string {
	t.Helper()
	if samples == "" {
		return ""
	}
	families, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == name {
			return "# HELP " + name + " " + f.GetHelp() + "\n# TYPE " + name + " " + strings.ToLower(f.GetType().String()) + "\n" + samples + "\n"
		}
	}
	t.Fatalf("%s not gathered", name)
	return ""
}

func TestEveryMetal3SeriesIsRegisteredWithItsTypeAndLabels(t *testing.T) {
	m := New()
	// Touch every vector once so that Gather lists it.
	m.HostReconciled("ns", "h", true)
	m.HostConfigDataError("userData")
	m.HostSynced(HostSync{Namespace: "ns", Name: "h", Action: "PowerOn", WaitingForSlot: true,
		Before: status(metal3.StateRegistering), After: status(metal3.StateRegistering, func(s *metal3.BareMetalHostStatus) {
			s.ErrorType, s.ErrorCount = metal3.RegistrationError, 1
		})})
	m.HostSynced(HostSync{Namespace: "ns", Name: "h", WaitingForSlot: true, Before: status(metal3.StateProvisioned), After: status(metal3.StateDeprovisioning)})
	for _, op := range []string{"register", "inspect", "provision", "deprovision"} {
		m.metal3.operationDuration[op].WithLabelValues("ns", "h").Observe(1)
	}
	want := map[string]string{ // name: type and labels, as metal3 exports them
		"metal3_reconcile_total":                        "COUNTER host,namespace",
		"metal3_reconcile_error_total":                  "COUNTER ",
		"metal3_host_error_total":                       "COUNTER error_type",
		"metal3_operation_power_change_total":           "COUNTER host,namespace,on_off",
		"metal3_credentials_missing_total":              "COUNTER ",
		"metal3_credentials_invalid_total":              "COUNTER ",
		"metal3_credentials_unhandled_error_total":      "COUNTER ",
		"metal3_credentials_updated_total":              "COUNTER ",
		"metal3_credentials_no_management_access_total": "COUNTER ",
		"metal3_host_config_data_error_total":           "COUNTER host_data_type",
		"metal3_delayed__provisioning_total":            "COUNTER host,namespace",
		"metal3_delayed__deprovisioning_total":          "COUNTER host,namespace",
		"metal3_operation_register_duration_seconds":    "HISTOGRAM host,namespace",
		"metal3_operation_inspect_duration_seconds":     "HISTOGRAM host,namespace",
		"metal3_operation_provision_duration_seconds":   "HISTOGRAM host,namespace",
		"metal3_operation_deprovision_duration_seconds": "HISTOGRAM host,namespace",
		"metal3_provisioning_state_change_total":        "COUNTER new_state,prev_state",
		"metal3_host_registration_required_total":       "COUNTER ",
		"metal3_host_unmanaged_total":                   "COUNTER ",
		"metal3_delete_without_deprovisioning_total":    "COUNTER ",
		"metal3_provisioner_not_ready_total":            "COUNTER ",
		"metal3_delete_delayed_for_detached_total":      "COUNTER ",
	}
	families, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range families {
		var labels []string
		if len(f.GetMetric()) > 0 {
			for _, l := range f.GetMetric()[0].GetLabel() {
				labels = append(labels, l.GetName())
			}
		}
		got[f.GetName()] = f.GetType().String() + " " + strings.Join(labels, ",")
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s: got %q, want %q", name, got[name], w)
		}
	}
	// metal3's registration histogram has Prometheus' default buckets; the others its slow ones.
	for _, f := range families {
		if f.GetName() == "metal3_operation_register_duration_seconds" && len(f.GetMetric()[0].GetHistogram().GetBucket()) != 11 {
			t.Errorf("register buckets: %v", f.GetMetric()[0].GetHistogram().GetBucket())
		}
	}
}

func TestCredentialsProblemsCountByKind(t *testing.T) {
	m := New()
	m.CredentialsProblem(CredentialsMissing)
	m.CredentialsProblem(CredentialsInvalid)
	m.CredentialsProblem(CredentialsInvalid)
	m.CredentialsProblem(CredentialsOther)
	m.HostSynced(HostSync{EventReasons: []string{"ProvisionerUnavailable"}, Before: status(metal3.StateProvisioned), After: status(metal3.StateProvisioned)})
	for c, want := range map[string]float64{"missing": 1, "invalid": 2, "other": 1, "notReady": 1} {
		var got float64
		switch c {
		case "missing":
			got = testutil.ToFloat64(m.metal3.credentialsMissing)
		case "invalid":
			got = testutil.ToFloat64(m.metal3.credentialsInvalid)
		case "other":
			got = testutil.ToFloat64(m.metal3.credentialsOther)
		case "notReady":
			got = testutil.ToFloat64(m.metal3.provisionerNotReady)
		}
		if got != want {
			t.Errorf("%s: %v, want %v", c, got, want)
		}
	}
	var nilMetrics *Metrics
	nilMetrics.CredentialsProblem(CredentialsMissing) // no panic
	nilMetrics.HostSynced(HostSync{})
	nilMetrics.HostReconciled("a", "b", false)
}

func TestForgetHostDropsOnlyThatHostsSeries(t *testing.T) {
	m := New()
	t0 := metav1.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	for _, name := range []string{"gone", "kept"} {
		m.HostReconciled("ns", name, false)
		before := status(metal3.StateProvisioning)
		after := status(metal3.StateProvisioned, func(s *metal3.BareMetalHostStatus) {
			s.PoweredOn = true
			s.OperationHistory.Provision = metal3.OperationMetric{Start: t0, End: metav1.NewTime(t0.Add(time.Minute))}
		})
		m.HostSynced(HostSync{Namespace: "ns", Name: name, Before: before, After: after, WaitingForSlot: false})
	}
	m.HostReconciled("other", "gone", false)
	m.ForgetHost("ns", "gone")
	for _, metric := range []string{"metal3_reconcile_total", "metal3_operation_provision_duration_seconds"} {
		out := gather(t, m, metric)
		if strings.Contains(out, `host="gone",namespace="ns"`) {
			t.Errorf("%s still has the forgotten host:\n%s", metric, out)
		}
		if !strings.Contains(out, `host="kept",namespace="ns"`) {
			t.Errorf("%s lost another host:\n%s", metric, out)
		}
	}
	if out := gather(t, m, "metal3_reconcile_total"); !strings.Contains(out, `host="gone",namespace="other"`) {
		t.Errorf("the same name in another namespace was forgotten too:\n%s", out)
	}
}

// gather lists the label sets of one metric's series, one per line, as `k="v",k="v"`.
func gather(t *testing.T, m *Metrics, name string) string {
	t.Helper()
	families, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, s := range f.GetMetric() {
			var pairs []string
			for _, l := range s.GetLabel() {
				pairs = append(pairs, l.GetName()+`="`+l.GetValue()+`"`)
			}
			lines = append(lines, strings.Join(pairs, ","))
		}
	}
	return strings.Join(lines, "\n")
}
