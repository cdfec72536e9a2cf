package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
)

// Label names of metal3's series.
const (
	labelNamespace = "namespace"
	labelHost      = "host"
	labelErrorType = "error_type"
	labelOnOff     = "on_off"
	labelPrevState = "prev_state"
	labelNewState  = "new_state"
	labelDataType  = "host_data_type"
)

// slowOperationBuckets are metal3's buckets (seconds) for inspection and (de)provisioning; its
// registration histogram uses Prometheus' default buckets.
var slowOperationBuckets = []float64{30, 90, 180, 360, 720, 1440}

// metal3Series are the series metal3's baremetal-operator exports, with its names, types,
// labels and meanings, so its dashboards and alerts work unchanged.
type metal3Series struct {
	reconciles          *prometheus.CounterVec // namespace, host
	reconcileErrors     prometheus.Counter
	hostErrors          *prometheus.CounterVec // error_type
	powerChanges        *prometheus.CounterVec // namespace, host, on_off
	credentialsMissing  prometheus.Counter
	credentialsInvalid  prometheus.Counter
	credentialsOther    prometheus.Counter
	credentialsUpdated  prometheus.Counter
	noManagementAccess  prometheus.Counter
	configDataErrors    *prometheus.CounterVec // host_data_type
	delayedProvision    *prometheus.CounterVec // namespace, host
	delayedDeprovision  *prometheus.CounterVec // namespace, host
	operationDuration   map[string]*prometheus.HistogramVec
	stateChanges        *prometheus.CounterVec // prev_state, new_state
	registrationNeeded  prometheus.Counter
	unmanaged           prometheus.Counter
	deleteWithoutDeprov prometheus.Counter
	provisionerNotReady prometheus.Counter
	deleteDelayedDetach prometheus.Counter
}

func counter(name, help string) prometheus.Counter {
	return prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help})
}

func counterVec(name, help string, labels ...string) *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
}

func newMetal3Series(reg prometheus.Registerer) *metal3Series {
	s := &metal3Series{
		reconciles:      counterVec("metal3_reconcile_total", "The number of times hosts have been reconciled.", labelNamespace, labelHost),
		reconcileErrors: counter("metal3_reconcile_error_total", "The number of times the controller has failed to reconcile a host."),
		hostErrors:      counterVec("metal3_host_error_total", "The number of times hosts have entered an error state.", labelErrorType),
		powerChanges: counterVec("metal3_operation_power_change_total", "Number of times a host has been powered on or off.",
			labelNamespace, labelHost, labelOnOff),
		credentialsMissing: counter("metal3_credentials_missing_total", "Number of times a host's credentials are found to be missing."),
		credentialsInvalid: counter("metal3_credentials_invalid_total", "Number of times a host's credentials are found to be invalid."),
		credentialsOther: counter("metal3_credentials_unhandled_error_total",
			"Number of times getting a host's credentials fails in an unexpected way."),
		credentialsUpdated: counter("metal3_credentials_updated_total", "Number of times a host's credentials change."),
		noManagementAccess: counter("metal3_credentials_no_management_access_total",
			"Number of times a host management interface is unavailable."),
		configDataErrors: counterVec("metal3_host_config_data_error_total",
			"Number of times the controller has failed to retrieve host configuration data.", labelDataType),
		// metal3's names, double underscore included.
		delayedProvision: counterVec("metal3_delayed__provisioning_total",
			"The number of times hosts have been delayed while provisioning due to a busy provisioner.", labelNamespace, labelHost),
		delayedDeprovision: counterVec("metal3_delayed__deprovisioning_total",
			"The number of times hosts have been delayed while deprovisioning due to a busy provisioner.", labelNamespace, labelHost),
		stateChanges: counterVec("metal3_provisioning_state_change_total", "Number of times a state transition has occurred.",
			labelPrevState, labelNewState),
		registrationNeeded: counter("metal3_host_registration_required_total", "Number of times a host is found to be unregistered."),
		unmanaged:          counter("metal3_host_unmanaged_total", "Number of times a host is found to be unmanaged."),
		deleteWithoutDeprov: counter("metal3_delete_without_deprovisioning_total",
			"Number of times a host is deleted despite deprovisioning failing."),
		provisionerNotReady: counter("metal3_provisioner_not_ready_total", "Number of times a host is not provision ready."),
		deleteDelayedDetach: counter("metal3_delete_delayed_for_detached_total",
			"Number of times a host delete action was delayed due to the detached annotation."),
		operationDuration: map[string]*prometheus.HistogramVec{},
	}
	for _, op := range []struct {
		name, help string
		buckets    []float64
	}{
		{"register", "Length of time per registration per host.", prometheus.DefBuckets},
		{"inspect", "Length of time per hardware inspection per host.", slowOperationBuckets},
		{"provision", "Length of time per hardware provision operation per host.", slowOperationBuckets},
		{"deprovision", "Length of time per hardware deprovision operation per host.", slowOperationBuckets},
	} {
		s.operationDuration[op.name] = prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "metal3_operation_" + op.name + "_duration_seconds", Help: op.help, Buckets: op.buckets,
		}, []string{labelNamespace, labelHost})
		reg.MustRegister(s.operationDuration[op.name])
	}
	reg.MustRegister(s.reconciles, s.reconcileErrors, s.hostErrors, s.powerChanges, s.credentialsMissing, s.credentialsInvalid,
		s.credentialsOther, s.credentialsUpdated, s.noManagementAccess, s.configDataErrors, s.delayedProvision,
		s.delayedDeprovision, s.stateChanges, s.registrationNeeded, s.unmanaged, s.deleteWithoutDeprov,
		s.provisionerNotReady, s.deleteDelayedDetach)
	return s
}

// errorTypeLabels are metal3_host_error_total's error_type values: the names of metal3's
// error types (its event reasons), not the strings in status.errorType.
var errorTypeLabels = map[metal3.ErrorType]string{
	metal3.DetachError:                  "DetachError",
	metal3.ProvisionedRegistrationError: "ProvisionedRegistrationError",
	metal3.RegistrationError:            "RegistrationError",
	metal3.InspectionError:              "InspectionError",
	metal3.ProvisioningError:            "ProvisioningError",
	metal3.PowerManagementError:         "PowerManagementError",
	metal3.PreparationError:             "PreparationError",
	metal3.ServicingError:               "ServicingError",
}

// Credentials problems, as metal3 tells them apart.
const (
	CredentialsMissing = "missing" // the Secret does not exist
	CredentialsInvalid = "invalid" // no Secret named, or it lacks a username or password
	CredentialsOther   = "other"   // reading the Secret failed otherwise
)

// HostReconciled counts one reconciliation of a host, and whether it failed. Safe on nil.
func (m *Metrics) HostReconciled(namespace, name string, failed bool) {
	if m == nil {
		return
	}
	m.metal3.reconciles.WithLabelValues(namespace, name).Inc()
	if failed {
		m.metal3.reconcileErrors.Inc()
	}
}

// ForgetHost drops the per-host series of a host that no longer exists, so that a controller
// living through host churn does not keep a series per host it ever saw (metal3 keeps them
// until it restarts). Safe on nil.
func (m *Metrics) ForgetHost(namespace, name string) {
	if m == nil {
		return
	}
	host := prometheus.Labels{labelNamespace: namespace, labelHost: name}
	mm := m.metal3
	for _, v := range []*prometheus.CounterVec{mm.reconciles, mm.powerChanges, mm.delayedProvision, mm.delayedDeprovision} {
		v.DeletePartialMatch(host)
	}
	for _, v := range mm.operationDuration {
		v.DeletePartialMatch(host)
	}
}

// CredentialsProblem counts a host's BMC credentials found unusable (one of the Credentials*
// kinds). Safe on nil.
func (m *Metrics) CredentialsProblem(kind string) {
	if m == nil {
		return
	}
	switch kind {
	case CredentialsMissing:
		m.metal3.credentialsMissing.Inc()
	case CredentialsInvalid:
		m.metal3.credentialsInvalid.Inc()
	default:
		m.metal3.credentialsOther.Inc()
	}
}

// HostConfigDataError counts a data Secret without the key the host needs (userData,
// networkData or metaData). Safe on nil.
func (m *Metrics) HostConfigDataError(key string) {
	if m == nil {
		return
	}
	m.metal3.configDataErrors.WithLabelValues(key).Inc()
}

// HostSync is what one reconciliation of a host saw and did, for HostSynced to derive metal3's
// series from.
type HostSync struct {
	Namespace, Name string
	// Before and After are the host's status before the decision and as written.
	Before, After *metal3.BareMetalHostStatus
	// Action is the provisioner action issued ("" for none; the hoststate action kinds).
	Action string
	// ActionFailed says the provisioner refused or failed the action.
	ActionFailed bool
	// WaitingForSlot says the host waits for a provisioning slot.
	WaitingForSlot bool
	// EventReasons are the reasons of the Events recorded.
	EventReasons []string
	// DeleteDelayedForDetached says a detached host being deleted stays, as its detached
	// annotation asks.
	DeleteDelayedForDetached bool
}

// deprovisioningWait says a host waiting for a provisioning slot in this state waits to
// deprovision; in any other state it waits to inspect or provision.
func deprovisioningWait(state metal3.ProvisioningState) bool {
	switch state {
	case metal3.StateProvisioned, metal3.StateExternallyProvisioned, metal3.StateDeprovisioning:
		return true
	}
	return false
}

// HostSynced derives metal3's per-reconciliation series from the status before and after a
// decision, the action taken and the Events recorded. Safe on nil.
func (m *Metrics) HostSynced(s HostSync) {
	if m == nil || s.Before == nil || s.After == nil {
		return
	}
	mm, before, after := m.metal3, s.Before, s.After
	if after.ErrorType != "" && (after.ErrorCount != before.ErrorCount || after.ErrorType != before.ErrorType) {
		if label, ok := errorTypeLabels[after.ErrorType]; ok {
			mm.hostErrors.WithLabelValues(label).Inc()
		}
	}
	if prev, cur := before.Provisioning.State, after.Provisioning.State; prev != cur {
		mm.stateChanges.WithLabelValues(string(prev), string(cur)).Inc()
		if prev == metal3.StateNone && cur == metal3.StateUnmanaged {
			mm.unmanaged.Inc()
		}
	}
	if t := after.TriedCredentials; t.Reference != nil && t.Version != "" &&
		(before.TriedCredentials.Reference == nil || *t.Reference != *before.TriedCredentials.Reference || t.Version != before.TriedCredentials.Version) {
		mm.credentialsUpdated.Inc()
	}
	if s.WaitingForSlot {
		if deprovisioningWait(before.Provisioning.State) {
			mm.delayedDeprovision.WithLabelValues(s.Namespace, s.Name).Inc()
		} else {
			mm.delayedProvision.WithLabelValues(s.Namespace, s.Name).Inc()
		}
	}
	switch s.Action {
	case "Register", "Manage":
		mm.registrationNeeded.Inc()
		if s.ActionFailed {
			mm.noManagementAccess.Inc()
		}
	case "PowerOn", "PowerOff", "Reboot":
		if !s.ActionFailed && before.Provisioning.State != metal3.StatePoweringOffBeforeDelete {
			m.powerChanged(s)
		}
	}
	if s.DeleteDelayedForDetached {
		mm.deleteDelayedDetach.Inc()
	}
	for _, r := range s.EventReasons {
		switch r {
		case "DeprovisioningAbandoned":
			mm.deleteWithoutDeprov.Inc()
		case "ProvisionerUnavailable": // a reconciliation that found the provisioner unavailable
			mm.provisionerNotReady.Inc()
		}
	}
	for op, pair := range map[string][2]metal3.OperationMetric{
		"register":    {before.OperationHistory.Register, after.OperationHistory.Register},
		"inspect":     {before.OperationHistory.Inspect, after.OperationHistory.Inspect},
		"provision":   {before.OperationHistory.Provision, after.OperationHistory.Provision},
		"deprovision": {before.OperationHistory.Deprovision, after.OperationHistory.Deprovision},
	} {
		old, cur := pair[0], pair[1]
		if !cur.End.IsZero() && !cur.Start.IsZero() && !cur.End.Equal(&old.End) {
			if d := cur.End.Sub(cur.Start.Time); d >= 0 {
				mm.operationDuration[op].WithLabelValues(s.Namespace, s.Name).Observe(d.Seconds())
			}
		}
	}
}

// powerChanged counts a power change as metal3 does: on or off. A reboot is a power cycle,
// counted as off then on (metal3 reboots by powering off and on).
func (m *Metrics) powerChanged(s HostSync) {
	c := m.metal3.powerChanges
	switch s.Action {
	case "PowerOn":
		c.WithLabelValues(s.Namespace, s.Name, "on").Inc()
	case "PowerOff":
		c.WithLabelValues(s.Namespace, s.Name, "off").Inc()
	case "Reboot":
		c.WithLabelValues(s.Namespace, s.Name, "off").Inc()
		c.WithLabelValues(s.Namespace, s.Name, "on").Inc()
	}
}
