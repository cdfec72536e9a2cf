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
//
// When to post (Ironic 21.4, ironic-inspector 11.1, inspect_interface "inspector"): once the
// node is in "inspect wait" and ironic-inspector knows it; until then /v1/continue answers 400
// "Could not find a node for attributes", so retry briefly. Who boots the ramdisk depends on
// the boot interface:
//   - fake (fake-hardware): Ironic cannot boot a ramdisk, so ironic-inspector manages the boot:
//     it asks Ironic for boot device PXE and a reboot (fake power), and after processing the
//     data powers the node off. Nothing ever "boots": post when the node waits.
//   - ipxe/pxe (ipmi, redfish) with a port and deploy_kernel/deploy_ramdisk: Ironic manages
//     the boot: power off, downloads the kernel and ramdisk (HEAD then GET), writes the iPXE
//     configuration, registers the node with ironic-inspector, sets boot device PXE, powers on.
//   - redfish-virtual-media with deploy_iso (or kernel and ramdisk): Ironic manages the boot:
//     it inserts its copy of the ISO (http_url/redfish/boot-<uuid>.iso) as virtual media, sets
//     boot device CD and powers on; after inspection it ejects the media and powers off.
//
// With a managed boot the ramdisk's kernel parameters carry ipa-inspection-callback-url, but
// Ironic refuses loopback callback URLs, so test/ironictest gives it an unresolvable host
// name: post to ironictest's Inspector.URL instead. The processed data is at ironic-inspector's
// GET /v1/introspection/{uuid}/data at once; Ironic copies it into its own inventory
// (GET /v1/nodes/{uuid}/inventory) a moment after the node is manageable again.
package inventory
