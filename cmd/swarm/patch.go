package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/podman-swarm/podman-swarm/api"
)

// workloadKinds are the kinds the commands that change one field (scale, set image,
// rollout) may name, by the API's resource name: their kind and the prefix kubectl
// prints them with.
var workloadKinds = map[string]struct{ kind, printed string }{
	"deployments":  {"Deployment", "deployment.apps"},
	"statefulsets": {"StatefulSet", "statefulset.apps"},
	"daemonsets":   {"DaemonSet", "daemonset.apps"},
}

// workloadTarget reads KIND/NAME for a command that takes the resources allowed (API
// names: deployments, statefulsets, daemonsets); what it says on a refusal names them.
func workloadTarget(target string, allowed ...string) (resource, name string, err error) {
	kind, name, ok := strings.Cut(target, "/")
	resource = resources[strings.ToLower(kind)]
	for _, a := range allowed {
		if ok && name != "" && resource == a {
			return resource, name, nil
		}
	}
	var forms []string
	for _, a := range allowed {
		forms = append(forms, strings.TrimSuffix(a, "s")+"/NAME")
	}
	return "", "", fmt.Errorf("%q: name it %s", target, strings.Join(forms, " or "))
}

// patchWorkload sends a strategic merge patch of one object, as kubectl's set, scale and
// rollout commands do, and returns what the agent did: "patched" or "unchanged".
func patchWorkload(c *client, resource, ns, name string, patch any) (string, error) {
	body, err := json.Marshal(patch)
	if err != nil {
		return "", fmt.Errorf("encode the patch: %w", err)
	}
	var res api.Applied
	path := "/api/v1/" + resource + "/" + url.PathEscape(ns) + "/" + url.PathEscape(name)
	if err := c.do("PATCH", path, nil, "application/strategic-merge-patch+json", body, &res); err != nil {
		return "", err
	}
	return res.Result, nil
}

// getWorkload reads one object of resource into out.
func getWorkload(c *client, resource, ns, name string, out any) error {
	return c.do("GET", "/api/v1/"+resource+"/"+url.PathEscape(ns)+"/"+url.PathEscape(name), nil, "", nil, out)
}
