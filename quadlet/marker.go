package quadlet

import "strings"

// Marker starts the first line of every unit Render writes (after "# "), followed by the
// pod's key. Together with MarkerKey it tells the reconciler that a file is ours, so that it
// never touches a unit someone else wrote.
const Marker = "podman-swarm pod"

// MarkerKey is a key in the [Unit] section of every unit Render writes; its value is the
// pod's key, "namespace/name". systemd ignores keys that start with "X-", and Quadlet copies
// [Unit] into the generated service, so the running service carries it too.
const MarkerKey = "X-Swarm-Pod"

// Owner tells whether a unit file was written by Render, and for which pod: the first line
// must be the marker comment and the [Unit] section must hold MarkerKey, both naming the
// same pod key ("namespace/name").
func Owner(text string) (podKey string, ok bool) {
	first, rest, _ := strings.Cut(text, "\n")
	head, found := strings.CutPrefix(first, "# "+Marker+" ")
	if !found {
		return "", false
	}
	podKey, _, _ = strings.Cut(head, " ")
	section := ""
	for _, line := range strings.Split(rest, "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			section = line[1 : len(line)-1]
			continue
		}
		if section == "Unit" && line == MarkerKey+"="+podKey {
			return podKey, podKey != ""
		}
	}
	return "", false
}
