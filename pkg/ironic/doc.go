// Package ironic implements provisioner.Provisioner on top of the OpenStack Ironic bare metal
// API (v1), through gophercloud's baremetal client.
//
// What it is for: turning the controller's one-step requests (register, manage, inspect,
// provide, deploy, power, delete, ...) into Ironic REST calls, and Ironic's node documents and
// errors into the backend-neutral provisioner.Node and error kinds (ErrLocked, ErrUnavailable,
// ErrNotFound).
//
// What it must not do:
//   - wait for transitions: every method sends its requests and returns; the controller polls
//     FindNode (a node is settled when provisioner.Node.Stable reports true);
//   - health-check per call: the API microversion is negotiated once (GET / on the API root)
//     on first use and again only after Ironic was unavailable;
//   - send requests that change nothing: Register on an unchanged node costs no request;
//   - log or return BMC passwords or config-drive contents: requests are logged (method, path,
//     status, duration; at V(2)) but never their bodies or headers, and Ironic's error messages
//     are scrubbed of the password that was just sent.
//
// Microversions: the floor is 1.81 (node inventory); the newest version this package knows is
// 1.95 (disable_power_off). On an older Ironic (Debian bookworm's 21.4 offers at most 1.82)
// newer features are skipped: disable_power_off is not sent.
//
// Node reads (GET /v1/nodes/{ident}) ask Ironic only for the fields this package uses
// (nodeFields; ?fields= needs API 1.8) and are decoded straight into a compact struct, nodeDoc,
// as are the nodes that PATCH and POST answer with. The per-node cache that Register, Provide
// and Deploy diff against holds these structs, not whole node documents.
//
// Nodes are named "<namespace>~<name>" and carry in their extra data the BMC address, the
// credentials version and the boot MAC they were registered with (keys metalkube_bmc_address,
// metalkube_credentials_version, metalkube_boot_mac), so a changed host spec is noticed
// without reading secrets back (Ironic masks passwords as "******").
package ironic
