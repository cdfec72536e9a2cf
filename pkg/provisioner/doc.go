// Package provisioner is the seam between the host controller and the system that actually
// drives servers (Ironic today). It holds the backend-neutral view of a node that the state
// machine reasons about, the requests the controller sends, the error kinds a backend
// returns, and the Provisioner interface a backend implements. It does no I/O itself.
package provisioner
