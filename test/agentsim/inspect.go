package agentsim

import (
	"net/http"
	"net/url"

	"github.com/metalkube/metalkube/test/agentsim/inventory"
)

// inspectState is the provision state in which Ironic waits for a ramdisk's inspection data.
const inspectState = "inspect wait"

// pollInspections boots a ramdisk for in-band inspection on each node of the listed ones that
// waits for one (inspect interface "inspector") and has not posted during this wait. A node
// that leaves "inspect wait" may post again the next time it waits.
func (a *Agent) pollInspections(listed []listedNode) {
	waiting := map[string]bool{}
	var post []string
	a.mu.Lock()
	for _, l := range listed {
		if l.InspectInterface != "inspector" {
			continue
		}
		waiting[l.UUID] = true
		if n := a.node(l.UUID); !n.inspecting {
			n.inspecting = true
			if n.system == 0 {
				a.systems++
				n.system = a.systems
			}
			post = append(post, l.UUID)
		}
	}
	for uuid, n := range a.nodes {
		if n.inspecting && !n.posting && !waiting[uuid] {
			n.inspecting = false // inspected: the next wait is a new inspection
		}
	}
	for _, uuid := range post {
		a.nodes[uuid].posting = true
	}
	a.mu.Unlock()
	for _, uuid := range post {
		uuid := uuid
		a.submit(func() { a.inspect(uuid) })
	}
}

// inspect is a ramdisk booted for inspection: it posts the system's inventory (with the node's
// port MACs, by which ironic-inspector finds the node) to ironic-inspector, as IPA's inspection
// collector does. A refused post (the inspector does not know the node yet) is tried again at
// the next poll.
func (a *Agent) inspect(uuid string) {
	var ports struct {
		Ports []struct {
			Address string `json:"address"`
		} `json:"ports"`
	}
	err := a.ironic(http.MethodGet, a.opts.IronicURL+"/v1/ports?fields=address&node_uuid="+url.QueryEscape(uuid), nil, &ports)
	mac := ""
	if err == nil && len(ports.Ports) > 0 {
		mac = ports.Ports[0].Address
	}
	a.mu.Lock()
	system := a.node(uuid).system
	a.mu.Unlock()
	if err == nil {
		inv := a.opts.Systems.For(system, mac, uuid)
		err = inventory.Post(a.ctx, a.client, a.opts.InspectorURL, inv)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	n := a.node(uuid)
	n.posting = false
	if err != nil {
		n.inspecting = false
		a.opts.Logf("agentsim: inspection of node %s: %v", uuid, err)
		return
	}
	n.stats.Inspections++
	a.opts.Logf("agentsim: node %s posted its inventory", uuid)
}
