package provisioner

import "context"

// RecentNodeLister is implemented by provisioners that can list nodes most recently changed
// first. It lets the controller notice the progress of operations in flight from one small
// request for all of them, instead of reading each node in turn.
type RecentNodeLister interface {
	// ListRecentNodes returns up to limit nodes, the most recently changed first.
	ListRecentNodes(ctx context.Context, limit int) ([]Node, error)
}
