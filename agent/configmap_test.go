package agent

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/podman-swarm/podman-swarm/agent/store"
)

// A pod that needs a ConfigMap that does not exist is applied, stays Pending with the
// kubelet's reason on every node, and is placed once the ConfigMap is created.
func TestPodWaitsForItsConfigMap(t *testing.T) {
	agents := startAgents(t, 2, nil)
	apply(t, agents[0], deploymentYAML("web", 1, "")+"---\n"+strings.Replace(deploymentYAML("shop", 2, ""),
		"image: localhost/test:1", "image: localhost/test:1\n          envFrom: [{configMapRef: {name: settings}}]", 1))
	const reason = `CreateContainerConfigError: configmap "settings" not found`
	waiting := func(a *Agent) (pending, placed int) {
		for _, p := range pods(t, a).Items {
			if !strings.HasPrefix(p.Metadata.Name, "shop-") {
				continue
			}
			if p.Spec.NodeName != "" {
				placed++
				continue
			}
			for _, c := range p.Status.Conditions {
				if c.Type == "PodScheduled" && c.Status == "False" && c.Message == reason && p.Status.Phase == "Pending" {
					pending++
				}
			}
		}
		return pending, placed
	}
	eventually(t, 5*time.Second, "both shop pods pending with the reason, web placed", func() bool {
		for _, a := range agents {
			if pending, placed := waiting(a); pending != 2 || placed != 0 || len(placement(t, a)) != 1 {
				return false
			}
		}
		return true
	})
	apply(t, agents[1], "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {MODE: live}\n")
	eventually(t, 5*time.Second, "both shop pods placed once the ConfigMap exists", func() bool {
		for _, a := range agents {
			if _, placed := waiting(a); placed != 2 {
				return false
			}
		}
		return true
	})
	var cm struct{ Data map[string]string }
	if code := call(t, agents[0], "GET", "/api/v1/configmaps/default/settings", "", nil, &cm); code != http.StatusOK || cm.Data["MODE"] != "live" {
		t.Errorf("get configmap: HTTP %d %+v", code, cm)
	}
}

// Reading Secrets takes full rights: a read-only token lists the ConfigMaps, not the Secrets.
func TestSecretsNeedFullRights(t *testing.T) {
	a := startAgents(t, 1, nil)[0]
	apply(t, a, "apiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData: {password: pw-0a1b2c}\n")
	var created struct{ Token string }
	if code := call(t, a, "POST", "/api/v1/tokens", "application/json", []byte(`{"description":"viewer","readOnly":true}`), &created); code != http.StatusOK && code != http.StatusCreated {
		t.Fatalf("create a read-only token: HTTP %d", code)
	}
	if created.Token == "" {
		t.Fatal("no token in the answer")
	}
	if code := callAs(t, a, created.Token, "GET", "/api/v1/secrets", "", nil, nil); code != http.StatusForbidden {
		t.Errorf("read-only token lists secrets: HTTP %d", code)
	}
	if code := callAs(t, a, created.Token, "GET", "/api/v1/configmaps", "", nil, nil); code != http.StatusOK {
		t.Errorf("read-only token lists configmaps: HTTP %d", code)
	}
}

// Hostile input is refused whole, with a clear error: a Secret over 1 MiB, keys that are
// no file names, binaryData that is not base64, and a Secret within Kubernetes' limit that
// the store cannot hold once encoded.
func TestBadConfigIsRefusedWhole(t *testing.T) {
	a := startAgents(t, 1, nil)[0]
	ok := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\ndata: {a: b}\n---\n"
	big := strings.Repeat("x", 600<<10)
	for _, tc := range []struct {
		name, doc string
		code      int
		want      string
	}{
		{"over 1 MiB", ok + "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {a: " + big + ", b: " + big + "}\n",
			http.StatusUnprocessableEntity, "data: Too long: may not be more than 1048576 bytes"},
		{"bad key", ok + "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {'a/b': x}\n",
			http.StatusUnprocessableEntity, `data[a/b]: Invalid value: "a/b": a valid config key must consist of alphanumeric characters`},
		{"binaryData not base64", ok + "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\nbinaryData: {a: '!!'}\n",
			http.StatusUnprocessableEntity, "illegal base64 data at input byte 0"},
		{"too large once stored", ok + "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {a: " + strings.Repeat("y", 900<<10) + "}\n",
			http.StatusRequestEntityTooLarge, "Secret default/s takes"},
	} {
		var e struct {
			Message string
			Details []string
		}
		code := call(t, a, "POST", "/api/v1/manifests", "application/yaml", []byte(tc.doc), &e)
		if all := e.Message + strings.Join(e.Details, "\n"); code != tc.code || !strings.Contains(all, tc.want) {
			t.Errorf("%s: HTTP %d %s; want %d with %q", tc.name, code, all, tc.code, tc.want)
		}
	}
	if n := len(a.Node().List(store.PrefixConfigMap)) + len(a.Node().List(store.PrefixSecret)); n != 0 {
		t.Errorf("store holds %d ConfigMaps and Secrets after refused applies", n)
	}
}
