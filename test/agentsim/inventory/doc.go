// Package inventory is the hardware inventory a simulated ironic-python-agent (IPA) ramdisk
// reports during in-band inspection, and the request that reports it.
//
// Inventory has the JSON shape of IPA's hardware inventory (hardware.list_hardware_info:
// interfaces, cpu, disks, memory, bmc_address, system_vendor, boot, hostname). Default builds a
// realistic one for the i-th simulated system; Systems holds per-system overrides keyed by MAC
// address or node. Post sends it to ironic-inspector's POST /v1/continue exactly as IPA's
// "default" inspection collector does (inventory, root_disk, boot_interface, configuration,
// error).
//
// ironic-inspector finds the node by the MAC addresses of the inventory's interfaces (the
// node's Ironic ports) or by its BMC address, so the inventory of a node must list its boot MAC.
package inventory
