package provisioner

import "errors"

// A backend wraps its errors in these kinds so the controller can tell them apart:
//   - ErrLocked: the node is locked by another operation; try again soon, this is not a failure.
//   - ErrUnavailable: the backend cannot be reached or is not ready; hosts keep their state.
//   - ErrNotFound: the node does not exist (any more).
//   - any other error: the operation failed; it is reported and retried with backoff.
var (
	ErrLocked      = errors.New("node is locked by another operation")
	ErrUnavailable = errors.New("provisioner unavailable")
	ErrNotFound    = errors.New("node not found")
)
