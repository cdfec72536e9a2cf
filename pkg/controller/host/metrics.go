package host

import (
	"encoding/json"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/hoststate"
	"github.com/metalkube/metalkube/pkg/metrics"
)

// recordMetrics derives metal3's series from what the decision changed and the action taken.
func (c *Controller) recordMetrics(host *metal3.BareMetalHost, before *metal3.BareMetalHostStatus, res hoststate.Result, done actionDone) {
	if c.metrics == nil {
		return
	}
	reasons := make([]string, 0, len(res.Events))
	for _, e := range res.Events {
		reasons = append(reasons, e.Reason)
	}
	c.metrics.HostSynced(metrics.HostSync{Namespace: host.Namespace, Name: host.Name, Before: before, After: &res.Status,
		Action: string(done.kind), ActionFailed: done.failed, WaitingForSlot: res.WaitingForSlot, EventReasons: reasons,
		DeleteDelayedForDetached: deleteDelayedForDetached(host, res)})
}

// deleteDelayedForDetached reports whether a detached host being deleted stays, because its
// detached annotation says {"deleteAction":"delay"}.
func deleteDelayedForDetached(host *metal3.BareMetalHost, res hoststate.Result) bool {
	v, ok := host.Annotations[hoststate.DetachedAnnotation]
	if !ok || host.DeletionTimestamp == nil || res.RemoveFinalizer {
		return false
	}
	var args struct {
		DeleteAction string `json:"deleteAction"`
	}
	return json.Unmarshal([]byte(v), &args) == nil && args.DeleteAction == "delay"
}
