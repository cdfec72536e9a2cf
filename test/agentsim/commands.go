package agentsim

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"time"
)

// handler runs one agent command. Commands IPA runs asynchronously are async: their end
// brings the next heartbeat forward. slow ones run off the request (image downloads); stops
// ones shut the ramdisk down once done.
type handler struct {
	run                func(a *Agent, uuid string, params json.RawMessage) (any, *agentError)
	async, slow, stops bool
}

// handlers are the commands Ironic 21.4 sends on the direct deploy and agent cleaning paths
// (agent_client.py), by "extension.command".
var handlers = map[string]handler{
	"clean.get_clean_steps":      {run: getCleanSteps},
	"clean.execute_clean_step":   {run: executeCleanStep, async: true},
	"deploy.get_deploy_steps":    {run: getDeploySteps},
	"deploy.execute_deploy_step": {run: executeDeployStep, async: true, slow: true},
	"standby.prepare_image":      {run: prepareImage, async: true, slow: true},
	"standby.cache_image":        {run: prepareImage, async: true, slow: true},
	"standby.get_partition_uuids": {run: func(a *Agent, uuid string, _ json.RawMessage) (any, *agentError) {
		return partitionUUIDs(uuid), nil
	}},
	"image.install_bootloader": {run: noResult, async: true},
	"standby.sync":             {run: noResult},
	"standby.power_off":        {run: noResult, async: true, stops: true},
	"standby.run_image":        {run: noResult, async: true, stops: true},
	"log.collect_system_logs":  {run: collectSystemLogs},
}

func noResult(*Agent, string, json.RawMessage) (any, *agentError) { return nil, nil }

// hardwareManager names the one hardware manager the simulated agent has, as IPA's generic one.
const hardwareManager = "GenericHardwareManager"

// hardwareManagerVersions is get_current_versions() of IPA 9.4's generic hardware manager.
var hardwareManagerVersions = map[string]string{"generic_hardware_manager": "1.1"}

// step is a clean or deploy step as IPA lists them.
type step struct {
	Step            string `json:"step"`
	Priority        int    `json:"priority"`
	Interface       string `json:"interface"`
	RebootRequested bool   `json:"reboot_requested"`
	Abortable       *bool  `json:"abortable,omitempty"`
}

func cleanStep(name string, priority int, iface string) step {
	t := true
	return step{Step: name, Priority: priority, Interface: iface, Abortable: &t}
}

// cleanSteps are IPA 9.4's generic clean steps with their default priorities; Ironic's
// [deploy]erase_devices_priority and erase_devices_metadata_priority override the first two.
var cleanSteps = []step{
	cleanStep("erase_devices", 10, "deploy"),
	cleanStep("erase_devices_metadata", 99, "deploy"),
	cleanStep("erase_devices_express", 0, "deploy"),
	cleanStep("erase_pstore", 0, "deploy"),
	cleanStep("delete_configuration", 0, "raid"),
	cleanStep("create_configuration", 0, "raid"),
	cleanStep("burnin_cpu", 0, "deploy"),
	cleanStep("burnin_disk", 0, "deploy"),
	cleanStep("burnin_memory", 0, "deploy"),
	cleanStep("burnin_network", 0, "deploy"),
}

// deploySteps are IPA 9.4's generic in-band deploy steps; write_image is proxied by Ironic's
// out-of-band step of the same name.
var deploySteps = []step{
	{Step: "erase_devices_metadata", Interface: "deploy"},
	{Step: "apply_configuration", Interface: "raid"},
	{Step: "write_image", Interface: "deploy"},
	{Step: "inject_files", Interface: "deploy"},
}

func getCleanSteps(*Agent, string, json.RawMessage) (any, *agentError) {
	return map[string]any{"clean_steps": map[string][]step{hardwareManager: cleanSteps}, "hardware_manager_version": hardwareManagerVersions}, nil
}

func getDeploySteps(*Agent, string, json.RawMessage) (any, *agentError) {
	return map[string]any{"deploy_steps": map[string][]step{hardwareManager: deploySteps}, "hardware_manager_version": hardwareManagerVersions}, nil
}

// stepParams are the params of execute_clean_step and execute_deploy_step.
type stepParams struct {
	Step map[string]any `json:"step"`
}

// executeCleanStep runs a clean step: the erase steps have nothing to erase; every step is
// counted.
func executeCleanStep(a *Agent, uuid string, raw json.RawMessage) (any, *agentError) {
	var p stepParams
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, restError("invalid clean step params: " + err.Error())
	}
	name, _ := p.Step["step"].(string)
	if name == "" {
		return nil, &agentError{Type: "ValueError", Code: 500, Message: "An error occurred", Details: fmt.Sprintf("Malformed clean_step, no \"step\" key: %v", p.Step)}
	}
	a.mu.Lock()
	n := a.node(uuid)
	n.stats.CleanSteps[name]++
	if !n.cleaned {
		n.cleaned = true
		n.stats.Cleans++
	}
	a.mu.Unlock()
	return map[string]any{"clean_result": nil, "clean_step": p.Step}, nil
}

// executeDeployStep runs an in-band deploy step: write_image downloads, verifies and
// "writes" the image and its config drive; the others do nothing.
func executeDeployStep(a *Agent, uuid string, raw json.RawMessage) (any, *agentError) {
	var p struct {
		Step struct {
			Step string `json:"step"`
			Args struct {
				ImageInfo   imageInfo `json:"image_info"`
				ConfigDrive string    `json:"configdrive"`
			} `json:"args"`
		} `json:"step"`
	}
	var doc stepParams
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, restError("invalid deploy step params: " + err.Error())
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, restError("invalid deploy step params: " + err.Error())
	}
	stepDoc := doc.Step
	if args, ok := stepDoc["args"].(map[string]any); ok && args["configdrive"] != nil {
		// Never echo the config drive (secret user data) back in the result.
		args = maps.Clone(args)
		args["configdrive"] = "<...>"
		stepDoc = maps.Clone(stepDoc)
		stepDoc["args"] = args
	}
	var result any
	if p.Step.Step == "write_image" {
		msg, aerr := a.writeImage(uuid, p.Step.Args.ImageInfo, p.Step.Args.ConfigDrive)
		if aerr != nil {
			return nil, aerr
		}
		result = msg
	}
	return map[string]any{"deploy_result": result, "deploy_step": stepDoc}, nil
}

// prepareImage is standby.prepare_image / cache_image with image_info and configdrive.
func prepareImage(a *Agent, uuid string, raw json.RawMessage) (any, *agentError) {
	var p struct {
		ImageInfo   imageInfo `json:"image_info"`
		ConfigDrive string    `json:"configdrive"`
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, restError("invalid image params: " + err.Error())
	}
	return a.writeImage(uuid, p.ImageInfo, p.ConfigDrive)
}

// rootDevice is the disk the simulated agent writes images to.
const rootDevice = "/dev/sda"

// writeImage downloads and verifies an image and reads its config drive, and records both.
func (a *Agent) writeImage(uuid string, info imageInfo, configDrive string) (string, *agentError) {
	location := "/tmp/" + info.ID
	if info.StreamRawImages && info.DiskFormat == "raw" {
		location = rootDevice
	}
	select {
	case a.downSem <- struct{}{}:
	case <-a.ctx.Done():
		return "", downloadError(info.ID, "agent stopped")
	}
	d, aerr := a.fetchImage(a.ctx, info, location)
	<-a.downSem
	var cd *ConfigDrive
	if aerr == nil && configDrive != "" {
		var err error
		if cd, err = parseConfigDrive(configDrive); err != nil {
			aerr = restError(fmt.Sprintf("Failed to create config drive on disk %s for node %s. Error: %v", rootDevice, uuid, err))
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	n := a.node(uuid)
	if aerr != nil {
		n.stats.FailedDeploys++
		return "", aerr
	}
	n.stats.Deploys++
	n.stats.Downloads++
	n.stats.DownloadedBytes += d.bytes
	n.stats.ImageURL, n.stats.ImageDigest = firstURL(info), d.digest
	n.stats.ConfigDrive = cd
	a.opts.Logf("agentsim: node %s wrote image %s (%d bytes)", uuid, n.stats.ImageURL, d.bytes)
	return fmt.Sprintf("image (%s) written to device %s root_uuid=%s", info.ID, rootDevice, partitionUUIDs(uuid)["root uuid"]), nil
}

func firstURL(info imageInfo) string {
	if len(info.URLs) == 0 {
		return ""
	}
	return info.URLs[0]
}

// partitionUUIDs is standby.get_partition_uuids after a whole-disk image: the disk
// identifier (stable per node) as the root UUID.
func partitionUUIDs(uuid string) map[string]string {
	sum := sha256.Sum256([]byte(uuid))
	return map[string]string{"root uuid": "0x" + hex.EncodeToString(sum[:4])}
}

// collectSystemLogs is log.collect_system_logs: a gzipped tar, base64-encoded, of one file.
func collectSystemLogs(a *Agent, uuid string, _ json.RawMessage) (any, *agentError) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	a.mu.Lock()
	st := a.node(uuid).stats
	a.mu.Unlock()
	body := []byte(fmt.Sprintf("simulated ironic-python-agent %s\nnode %s\ncommands %d\nlast error: %s\n", Version, uuid, st.Commands, st.LastError))
	_ = tw.WriteHeader(&tar.Header{Name: "journal", Mode: 0o644, Size: int64(len(body)), ModTime: time.Now()})
	_, _ = tw.Write(body)
	_ = tw.Close()
	_ = zw.Close()
	return map[string]any{"system_logs": base64.StdEncoding.EncodeToString(buf.Bytes())}, nil
}
