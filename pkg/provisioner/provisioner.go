package provisioner

import (
	"context"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
)

// Provisioner drives nodes. Every method is one step; none waits for a transition to finish:
// the controller observes progress with FindNode and decides what comes next.
type Provisioner interface {
	// FindNode returns the host's node, looked up by ID, then by name, then by boot-MAC port.
	// It returns (nil, nil) when there is none.
	FindNode(ctx context.Context, host HostRef) (*Node, error)
	// Register creates the node (and its boot-MAC port) or updates an existing one.
	Register(ctx context.Context, req RegisterRequest, existing *Node) (*Node, error)
	// Manage moves an enrolled node to manageable, which makes the backend verify BMC access.
	Manage(ctx context.Context, node *Node) error
	// Inspect starts hardware inspection of a manageable node.
	Inspect(ctx context.Context, node *Node, req InspectRequest) error
	// HardwareDetails reads what inspection found.
	HardwareDetails(ctx context.Context, node *Node) (*metal3.HardwareDetails, error)
	// Provide moves a manageable node to available, cleaning it if automated cleaning is on.
	Provide(ctx context.Context, node *Node, automatedClean bool) error
	// Deploy provisions an available node.
	Deploy(ctx context.Context, node *Node, req DeployRequest) error
	// Undeploy deprovisions an active (or failed) node back to available.
	Undeploy(ctx context.Context, node *Node) error
	// Adopt takes over a manageable node that already runs an image, without deploying.
	Adopt(ctx context.Context, node *Node, image *metal3.Image) error
	// Recover moves a node out of a failed state (inspect/clean/adopt failed -> manageable).
	Recover(ctx context.Context, node *Node) error
	// SetPower changes a node's power.
	SetPower(ctx context.Context, node *Node, req PowerRequest) error
	// Delete removes the node.
	Delete(ctx context.Context, node *Node) error
	// Ready reports whether the backend can be used now; a non-nil error says why not.
	Ready(ctx context.Context) error
}

// NodeLister is implemented by provisioners that can report every node in one cheap request.
// The controller uses it for one shared periodic poll instead of polling each stable host.
type NodeLister interface {
	// ListNodes returns all nodes with the fields Node holds.
	ListNodes(ctx context.Context) ([]Node, error)
}
