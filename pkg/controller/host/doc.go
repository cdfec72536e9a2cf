// Package host is the BareMetalHost controller.
//
// Informers feed a named, rate-limited workqueue ("baremetalhost"); each worker takes a host
// key and sync gathers what the decision needs (the host from the lister, its credentials
// Secret, the node from the provisioner), asks pkg/hoststate for the decision, carries out
// the one action it names, and writes status only when it changed.
//
// The queue loop knows nothing about hosts, and no decision is made here: all of them live in
// pkg/hoststate, which is pure and table-tested. This package must never log or record the
// contents of a Secret (BMC passwords, user data).
package host
