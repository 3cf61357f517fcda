package agent

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/dns"
)

func TestDNSWhitelistAPI(t *testing.T) {
	agents := startAgents(t, 2, nil)
	a, b := agents[0], agents[1]
	var wl dns.WhitelistSpec
	if code := call(t, a, "GET", "/api/v1/dns/whitelist", "", nil, &wl); code != http.StatusOK || wl.Enabled || wl.Hosts == nil || len(wl.Hosts) != 0 {
		t.Fatalf("default whitelist: HTTP %d %+v, want disabled and empty", code, wl)
	}
	if code := call(t, a, "PUT", "/api/v1/dns/whitelist", "application/json", []byte(`{"enabled":true,"hosts":["Example.COM.","*.pkg.dev","example.com"]}`), &wl); code != http.StatusOK {
		t.Fatalf("PUT: HTTP %d", code)
	}
	if !wl.Enabled || strings.Join(wl.Hosts, ",") != "example.com,pkg.dev" {
		t.Errorf("PUT answered %+v", wl)
	}
	eventually(t, 5*time.Second, "n1 serves the new whitelist", func() bool {
		var got dns.WhitelistSpec
		call(t, b, "GET", "/api/v1/dns/whitelist", "", nil, &got)
		return got.Enabled && len(got.Hosts) == 2
	})
	if code := call(t, b, "POST", "/api/v1/dns/whitelist/hosts", "application/json", []byte(`{"hosts":["debian.org","deb.debian.org"]}`), &wl); code != http.StatusOK ||
		strings.Join(wl.Hosts, ",") != "deb.debian.org,debian.org,example.com,pkg.dev" {
		t.Errorf("POST hosts: HTTP %d %+v", code, wl)
	}
	if code := call(t, b, "DELETE", "/api/v1/dns/whitelist/hosts/pkg.dev", "", nil, &wl); code != http.StatusOK || strings.Join(wl.Hosts, ",") != "deb.debian.org,debian.org,example.com" {
		t.Errorf("DELETE host: HTTP %d %+v", code, wl)
	}

	// Refusals change nothing.
	before := wl
	var e api.APIError
	for _, tc := range []struct {
		method, path, ct, body string
		code                   int
		msg                    string
	}{
		{"PUT", "/api/v1/dns/whitelist", "application/json", `{"enabled":true,"hosts":["ok.test","not a host"]}`, 422, `"not a host" is not a host name`},
		{"PUT", "/api/v1/dns/whitelist", "application/json", `{"enabled":true,"hosts":["."]}`, 422, "disable the whitelist instead"},
		{"PUT", "/api/v1/dns/whitelist", "application/json", `{"enable":true}`, 400, "unknown field"},
		{"PUT", "/api/v1/dns/whitelist", "application/yaml", `enabled: true`, 415, "application/json"},
		{"PUT", "/api/v1/dns/whitelist", "application/json", `[`, 400, "not the JSON expected"},
		{"POST", "/api/v1/dns/whitelist/hosts", "application/json", `{}`, 422, "no host given"},
		{"POST", "/api/v1/dns/whitelist/hosts", "application/json", `{"host":"bad_host$"}`, 422, "nothing was added"},
		{"DELETE", "/api/v1/dns/whitelist/hosts/absent.test", "", "", 404, "absent.test is not in the whitelist"},
		{"DELETE", "/api/v1/dns/whitelist/hosts/a..b", "", "", 400, "not a host name"},
	} {
		e = api.APIError{}
		if code := call(t, b, tc.method, tc.path, tc.ct, []byte(tc.body), &e); code != tc.code || !strings.Contains(e.Message, tc.msg) {
			t.Errorf("%s %s %s: HTTP %d %q, want %d with %q", tc.method, tc.path, tc.body, code, e.Message, tc.code, tc.msg)
		}
	}
	call(t, b, "GET", "/api/v1/dns/whitelist", "", nil, &wl)
	if strings.Join(wl.Hosts, ",") != strings.Join(before.Hosts, ",") || wl.Enabled != before.Enabled {
		t.Errorf("a refused change changed the whitelist: %+v, was %+v", wl, before)
	}
}

// One object by name, for each kind the API lists.
func TestGetOneObject(t *testing.T) {
	a := startAgents(t, 1, nil)[0]
	apply(t, a, deploymentYAML("web", 1, "")+`---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
`)
	for path, want := range map[string]int{
		"/api/v1/deployments/default/web": http.StatusOK,
		"/api/v1/services/default/web":    http.StatusOK,
		"/api/v1/nodes/n0":                http.StatusOK,
		"/api/v1/deployments/other/web":   http.StatusNotFound,
		"/api/v1/services/default/nope":   http.StatusNotFound,
		"/api/v1/ingresses/default/web":   http.StatusNotFound,
		"/api/v1/nodes/n9":                http.StatusNotFound,
	} {
		var obj struct {
			Kind     string
			Metadata struct{ Name string }
			Message  string
		}
		code := call(t, a, "GET", path, "", nil, &obj)
		if code != want {
			t.Errorf("GET %s: HTTP %d, want %d", path, code, want)
		}
		if code == http.StatusOK && obj.Metadata.Name == "" || code != http.StatusOK && obj.Message == "" {
			t.Errorf("GET %s: %+v", path, obj)
		}
	}
}
