// Package redfishsim is an in-process Redfish BMC simulator for tests and
// local demos of OpenStack Ironic's "redfish" hardware type (Ironic 21.4
// with sushy 4.3.3).
//
// It simulates, over real HTTP or HTTPS on a loopback port:
//
//   - the service root, /redfish, and the Systems, Managers and Chassis
//     collections;
//   - Basic authentication and the SessionService (X-Auth-Token sessions);
//   - N ComputerSystems ("sys-0" .. "sys-N-1") with power control through
//     ComputerSystem.Reset, boot source override (target, enabled, mode) via
//     PATCH, IndicatorLED, and the read-only inventory Ironic's inspection
//     uses: Processors, EthernetInterfaces, SimpleStorage, and Storage with
//     Drives and Volumes;
//   - BIOS attributes with a settings object whose changes take effect at
//     the next boot, Bios.ResetBios, and SecureBoot (SecureBootEnable,
//     SecureBoot.ResetKeys);
//   - one Manager per system (same id) with a "Cd" VirtualMedia device
//     (InsertMedia / EjectMedia actions, or PATCH);
//   - one Chassis per system (same id).
//
// A "boot" happens when a reset turns a system on or restarts it: a
// BootSourceOverrideEnabled of "Once" then falls back to "Disabled", pending
// BIOS settings are applied and the SecureBoot setting becomes current.
// Options.PowerDelay postpones that effect; the reset is recorded at once.
//
// It does not simulate: a real boot (nothing reads the inserted media or
// the boot target), ETags/If-Match, session expiry, accounts or roles
// (a single user), $expand/$select/$filter queries, events, tasks,
// UpdateService (firmware), RAID volume creation or deletion, Thermal and
// Power sensors, message or attribute registries, and $metadata/odata
// documents. Anything not listed above answers 404 with a Redfish error
// body, which sushy treats as "not supported".
//
// All state lives in memory and is safe for concurrent use; the
// observation methods on Simulator (PowerState, ResetHistory, ...) let tests
// check what a client did.
package redfishsim
