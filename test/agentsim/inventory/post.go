package inventory

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Payload is the body IPA's inspection posts: what its "default" collector gathers, plus the
// error field call_inspector always sets.
type Payload struct {
	Inventory Inventory `json:"inventory"`
	// RootDisk is the disk IPA would deploy to without root device hints (RootDisk).
	RootDisk *Disk `json:"root_disk,omitempty"`
	// BootInterface is the MAC the ramdisk was booted from (inventory.boot.pxe_interface).
	BootInterface string        `json:"boot_interface"`
	Configuration Configuration `json:"configuration"`
	// Error is what failed while collecting (nil: nothing); ironic-inspector's ramdisk_error
	// hook fails the inspection with it.
	Error *string `json:"error"`
}

// Configuration says which collectors and hardware managers produced the data.
type Configuration struct {
	Collectors []string          `json:"collectors"`
	Managers   []HardwareManager `json:"managers"`
}

// HardwareManager is an IPA hardware manager's name and version.
type HardwareManager struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// NewPayload is the payload IPA's default collector sends for inv.
func NewPayload(inv Inventory) Payload {
	return Payload{
		Inventory:     inv,
		RootDisk:      RootDisk(inv.Disks),
		BootInterface: inv.Boot.PXEInterface,
		Configuration: Configuration{
			Collectors: []string{"default"},
			Managers:   []HardwareManager{{Name: "generic_hardware_manager", Version: "1.2"}},
		},
	}
}

// Post sends inv to ironic-inspector as the ramdisk does at the end of in-band inspection:
// POST {url}/v1/continue (url is the inspector's API root, or the full callback URL ending in
// /v1/continue). The node must be waiting for it (inspect wait), and one of inv's MACs must be
// one of its ports (or inv.BMCAddress its BMC address). client nil means http.DefaultClient.
func Post(ctx context.Context, client *http.Client, url string, inv Inventory) error {
	_, err := PostPayload(ctx, client, url, NewPayload(inv))
	return err
}

// PostPayload posts p and returns the UUID of the node ironic-inspector matched. An answer
// other than 2xx is an error quoting ironic-inspector's message.
func PostPayload(ctx context.Context, client *http.Client, url string, p Payload) (string, error) {
	if client == nil {
		client = http.DefaultClient
	}
	url = ContinueURL(url)
	body, err := json.Marshal(p)
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("posting the inventory to %s: %w", url, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		var e struct {
			Error struct {
				Message string `json:"message"`
			} `json:"error"`
		}
		msg := strings.TrimSpace(string(data))
		if json.Unmarshal(data, &e) == nil && e.Error.Message != "" {
			msg = e.Error.Message
		}
		return "", fmt.Errorf("posting the inventory to %s: HTTP %d: %s", url, resp.StatusCode, msg)
	}
	var out struct {
		UUID string `json:"uuid"`
	}
	_ = json.Unmarshal(data, &out)
	return out.UUID, nil
}

// ContinueURL turns an inspector API root (with or without /v1) into its /v1/continue URL;
// a URL ending in /continue is kept.
func ContinueURL(url string) string {
	url = strings.TrimRight(url, "/")
	switch {
	case strings.HasSuffix(url, "/continue"):
		return url
	case strings.HasSuffix(url, "/v1"):
		return url + "/continue"
	}
	return url + "/v1/continue"
}
