package hoststate

import (
	"testing"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/provisioner"
)

func networkDataAt(version string) inputOpt {
	return func(in *Input) { in.NetworkDataVersion = version }
}

func nodeNetworkData(version string) nodeOpt {
	return func(n *provisioner.Node) { n.NetworkDataVersion = version }
}

func TestANodeGetsTheCurrentPreprovisioningNetworkData(t *testing.T) {
	runTable(t, []row{
		{"an available host whose node lacks the network data registers it again", host(stAvailable), node(available),
			[]inputOpt{networkDataAt("nd@1")}, do(ActionRegister, stAvailable)},
		{"a provisioned host whose Secret changed registers it again", host(metal3.StateProvisioned, running(imgA)),
			node(active, nodeNetworkData("nd@1"), poweredOn), []inputOpt{networkDataAt("nd@2")}, do(ActionRegister, metal3.StateProvisioned)},
		{"a node with the current version is left alone", host(stAvailable), node(available, nodeNetworkData("nd@2")),
			[]inputOpt{networkDataAt("nd@2")}, steadyIn(stAvailable)},
		{"network data no longer named is removed from the node", host(stAvailable), node(available, nodeNetworkData("nd@2")),
			nil, do(ActionRegister, stAvailable)},
		{"a host being deleted is not registered for its network data", host(stAvailable, deleted), node(available, nodeNetworkData("nd@2")),
			[]inputOpt{networkDataAt("nd@")}, do(ActionDelete, stDeleting)},
	})
}
