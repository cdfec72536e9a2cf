// Package worker is what the host controller and the Machine actuator share: a named,
// rate-limited workqueue, the loop that feeds its keys to a sync function, and the Event
// recorder of a controller that was not given one. It knows nothing about hosts or Machines.
package worker
