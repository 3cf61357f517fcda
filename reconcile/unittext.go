package reconcile

import "strings"

// unitKeys reads the key=value lines of a unit file, by section then key, every value of a
// repeated key in order. It understands what quadlet.Render writes (one line per key, no
// continuation lines), which is all it is used on.
func unitKeys(text string) map[string]map[string][]string {
	out := map[string]map[string][]string{}
	section := ""
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
		case line[0] == '[' && line[len(line)-1] == ']':
			section = line[1 : len(line)-1]
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				continue
			}
			keys := out[section]
			if keys == nil {
				keys = map[string][]string{}
				out[section] = keys
			}
			k = strings.TrimSpace(k)
			keys[k] = append(keys[k], strings.TrimSpace(v))
		}
	}
	return out
}

// last is the last value of a key in a section, which is the one systemd and Quadlet use
// for a key that takes one value; "" when the key is missing.
func last(keys map[string]map[string][]string, section, key string) string {
	vs := keys[section][key]
	if len(vs) == 0 {
		return ""
	}
	return vs[len(vs)-1]
}
