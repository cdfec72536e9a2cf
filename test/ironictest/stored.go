package ironictest

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
)

// StoredInstanceInfo reads a node's instance_info as Ironic stored it in its database, with
// what the API masks: the config drive as it was sent (a dict of user_data, network_data and
// meta_data when the deploy sent one). For tests checking what reached Ironic.
func (i *Ironic) StoredInstanceInfo(uuid string) (map[string]any, error) {
	if strings.ContainsAny(uuid, "'\\") {
		return nil, fmt.Errorf("%q is not a node UUID", uuid)
	}
	out, err := exec.Command("sqlite3", i.dbPath(), "SELECT instance_info FROM nodes WHERE uuid = '"+uuid+"'").Output()
	if err != nil {
		return nil, fmt.Errorf("reading node %s from Ironic's database: %w", uuid, err)
	}
	if len(strings.TrimSpace(string(out))) == 0 {
		return nil, fmt.Errorf("node %s is not in Ironic's database", uuid)
	}
	var info map[string]any
	if err := json.Unmarshal(out, &info); err != nil {
		return nil, fmt.Errorf("decoding node %s's instance_info: %w", uuid, err)
	}
	return info, nil
}
