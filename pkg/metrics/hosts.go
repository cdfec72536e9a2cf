package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/labels"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	metal3listers "github.com/metalkube/metalkube/pkg/generated/listers/metal3.io/v1alpha1"
)

var (
	hostsDesc = prometheus.NewDesc("metal3_host_provisioning_state",
		"Hosts by provisioning state.", []string{"provisioning_state"}, nil)
	hostErrorsDesc = prometheus.NewDesc("metal3_host_errors",
		"Hosts that have an error now, by error type.", []string{"error_type"}, nil)
	hostsPoweredOnDesc = prometheus.NewDesc("metal3_host_powered_on",
		"Hosts observed powered on.", nil, nil)
)

// hostCollector counts hosts from the informer cache when scraped: no bookkeeping on the
// reconcile path, and always consistent with what the controller sees.
type hostCollector struct {
	lister metal3listers.BareMetalHostLister
}

// RegisterHostCollector adds the host gauges, read from the lister at scrape time.
func (m *Metrics) RegisterHostCollector(lister metal3listers.BareMetalHostLister) {
	m.Registry.MustRegister(&hostCollector{lister: lister})
}

func (c *hostCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- hostsDesc
	ch <- hostErrorsDesc
	ch <- hostsPoweredOnDesc
}

func (c *hostCollector) Collect(ch chan<- prometheus.Metric) {
	hosts, err := c.lister.List(labels.Everything())
	if err != nil {
		return
	}
	states := map[string]int{}
	for _, s := range []metal3.ProvisioningState{metal3.StateUnmanaged, metal3.StateRegistering, metal3.StateInspecting,
		metal3.StatePreparing, metal3.StateAvailable, metal3.StateProvisioning, metal3.StateProvisioned,
		metal3.StateDeprovisioning, metal3.StateExternallyProvisioned, metal3.StatePoweringOffBeforeDelete, metal3.StateDeleting} {
		states[string(s)] = 0
	}
	errors := map[string]int{}
	on := 0
	for _, h := range hosts {
		states[string(h.Status.Provisioning.State)]++
		if h.Status.ErrorType != "" {
			errors[string(h.Status.ErrorType)]++
		}
		if h.Status.PoweredOn {
			on++
		}
	}
	for s, n := range states {
		if s == "" {
			s = "none"
		}
		ch <- prometheus.MustNewConstMetric(hostsDesc, prometheus.GaugeValue, float64(n), s)
	}
	for t, n := range errors {
		ch <- prometheus.MustNewConstMetric(hostErrorsDesc, prometheus.GaugeValue, float64(n), t)
	}
	ch <- prometheus.MustNewConstMetric(hostsPoweredOnDesc, prometheus.GaugeValue, float64(on))
}
