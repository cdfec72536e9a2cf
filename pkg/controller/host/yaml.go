package host

import "sigs.k8s.io/yaml"

func yamlUnmarshal(data []byte, v interface{}) error { return yaml.Unmarshal(data, v) }
