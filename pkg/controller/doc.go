// Package controller embeds the BareMetalHost controller (package host) and the Machine
// actuator (package machine) in a program: New builds either or both on the caller's clients
// and informer factories, Run runs them.
//
// The controllers live in their own packages and share only internal/worker (queue, worker
// loop, Event recorder); the Machine actuator never imports the host controller.
//
// # Embedding
//
// New builds either controller or both from clients and shared informer factories the caller
// owns, so an embedding program shares one cache per resource with them; Run runs them and
// HasSynced reports their caches. See the package example, and cmd/baremetal-controller for
// a complete program.
package controller
