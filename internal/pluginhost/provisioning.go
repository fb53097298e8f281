package pluginhost

import "os"

// Expand expands every string of a parsed provisioning document (YAML or JSON) the way Grafana's
// provisioning does: os.Expand, so $VAR and ${VAR} only, with no ${VAR:-default} form (mapping
// gets "VAR:-default" as the name). mapping is os.Getenv where Grafana reads the environment.
func Expand(value any, mapping func(string) string) any {
	switch v := value.(type) {
	case string:
		return os.Expand(v, mapping)
	case map[string]any:
		out := make(map[string]any, len(v))
		for key, item := range v {
			out[key] = Expand(item, mapping)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, item := range v {
			out[i] = Expand(item, mapping)
		}
		return out
	}
	return value
}
