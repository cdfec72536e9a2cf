// Package agentsim simulates the Ironic Python Agent (IPA) ramdisk for many nodes at once, so
// that Ironic's direct deploy and agent cleaning run for real without virtual machines.
//
// It speaks both sides of the agent protocol of Ironic 21.4:
//
//   - to Ironic: GET /v1/lookup?node_uuid=... when a node's ramdisk "boots" (for its agent
//     token), then POST /v1/heartbeat/{node} with callback_url, agent_token and agent_version
//     every HeartbeatInterval, and shortly after each asynchronous command ends;
//   - from Ironic's conductor: the agent REST API, POST /v1/commands/ ({"name", "params"},
//     ?wait= and ?agent_token=), GET /v1/commands/ and /v1/commands/{id}, GET /v1/status,
//     with command results in IPA's JSON shape (id, command_name, command_status,
//     command_error, command_result).
//
// One listener serves every node: a node's callback_url is the listener URL with the node's
// UUID as path prefix (Ironic appends /v1/commands/ to it).
//
// A node's ramdisk boots when Ironic waits for its agent: the agent lists the nodes of its
// drivers in "wait call-back" (deploy) and "clean wait" (cleaning), one paginated request with
// three fields per driver and state, and boots the direct-deploy ones. The ramdisk stops on
// standby.power_off / run_image, or when Ironic refuses its heartbeat (Ironic wipes the agent
// token at the end of cleaning and when a new deploy starts).
//
// The commands are those of the direct deploy and agent cleaning paths: clean.get_clean_steps,
// clean.execute_clean_step, deploy.get_deploy_steps, deploy.execute_deploy_step (write_image),
// standby.prepare_image and cache_image, standby.get_partition_uuids,
// image.install_bootloader, standby.power_off, run_image and sync, log.collect_system_logs.
// write_image really downloads the image, verifies its md5, sha256 or sha512 digest (the
// checksum may be a URL to a checksum file) and fails with IPA's own ImageDownloadError or
// ImageChecksumError, which Ironic reports as the node's last_error. The config drive that
// comes with the image (gzip and base64 of an ISO 9660 image) is read back, so tests can check
// the user data, network data and meta data each node received ([Agent.Node]).
//
// The design is goroutine-light: one HTTP server, one poller, one heartbeat scheduler, a few
// workers for lookups and heartbeats, and one short-lived goroutine per image download
// (bounded by MaxDownloads).
package agentsim
