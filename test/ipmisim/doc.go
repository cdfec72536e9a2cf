// Package ipmisim runs OpenIPMI's ipmi_sim as an IPMI BMC for tests: one simulated machine
// per BMC, listening for IPMI 2.0 (lanplus) on a free UDP port of a loopback address.
//
// ipmi_sim keeps no chassis state of its own; it runs a chassis_control program for every
// power and boot-device request. Start writes a small shell script that keeps the machine's
// power state and boot device in files of the BMC's directory and appends one line per request
// to a chassis log, so a test can see what reached the "machine":
//
//	PowerState()  "on" or "off"
//	BootDevice()  "default" (disk), "pxe", "cdrom" or "bios", as the last request set it
//	ChassisLog()  e.g. ["set power 1", "set boot pxe", "set shutdown 1"]
//
// A graceful shutdown request (ipmitool "power soft", Ironic's "soft power off") powers the
// machine off at once, as an operating system that obeys ACPI would. A power cycle is ipmi_sim's
// own: off at once, on again about 10 s later.
//
// ipmi_sim does not implement "Get Channel Cipher Suites", so an ipmitool without -C spends one
// retry interval (Ironic passes -N min_command_interval) failing to ask before it falls back to
// suite 3; Ironic nodes may set ipmi_cipher_suite 3 to avoid that.
//
// Several BMCs can run at once; Stop ends only the ipmi_sim it started. If ipmi_sim or ipmitool
// is missing or the BMC does not answer, Start returns an error that says so: tests fail, they
// never skip.
package ipmisim
