package agentsim

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// ConfigDrive is what the agent found in the config drive Ironic handed it with the image:
// the openstack/latest files of the ISO 9660 image (gzip, then base64) Ironic built.
type ConfigDrive struct {
	// UserData is openstack/latest/user_data ("" when absent).
	UserData string
	// MetaData is openstack/latest/meta_data.json.
	MetaData map[string]any
	// NetworkData is openstack/latest/network_data.json (nil when absent).
	NetworkData map[string]any
	// Files holds every file of the image by path.
	Files map[string][]byte
}

// maxConfigDrive bounds a decompressed config drive (Ironic's own limit is 64 MiB).
const maxConfigDrive = 64 << 20

// parseConfigDrive decodes a config drive as Ironic 21.4 sends it in the write_image step.
func parseConfigDrive(encoded string) (*ConfigDrive, error) {
	if strings.HasPrefix(encoded, "http://") || strings.HasPrefix(encoded, "https://") {
		return nil, fmt.Errorf("config drive given as a URL, which the simulated agent does not fetch")
	}
	raw, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		return nil, fmt.Errorf("config drive is not base64: %w", err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("config drive is not gzip: %w", err)
	}
	img, err := io.ReadAll(io.LimitReader(zr, maxConfigDrive+1))
	if err != nil {
		return nil, fmt.Errorf("decompressing the config drive: %w", err)
	}
	if len(img) > maxConfigDrive {
		return nil, fmt.Errorf("config drive larger than %d bytes", maxConfigDrive)
	}
	files, err := readISOFiles(img)
	if err != nil {
		return nil, fmt.Errorf("reading the config drive: %w", err)
	}
	cd := &ConfigDrive{Files: files, UserData: string(files["openstack/latest/user_data"])}
	for path, dst := range map[string]*map[string]any{
		"openstack/latest/meta_data.json":    &cd.MetaData,
		"openstack/latest/network_data.json": &cd.NetworkData,
	} {
		if data, ok := files[path]; ok {
			if err := json.Unmarshal(data, dst); err != nil {
				return nil, fmt.Errorf("config drive %s: %w", path, err)
			}
		}
	}
	return cd, nil
}
