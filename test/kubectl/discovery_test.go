package kubectl_test

import (
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podman-swarm/podman-swarm/agent/kubeapi"
)

// kubectl api-resources lists exactly the kinds the API serves, each with its short names
// and the verbs it is served with, its subresources with theirs; api-versions, their
// groups.
func TestKubectlDiscovery(t *testing.T) {
	c := startCluster(t, 1)
	var want []string
	for _, r := range kubeapi.Resources {
		name := r.Name
		if r.Group != "" {
			name += "." + r.Group
		}
		want = append(want, name)
	}
	slices.Sort(want)
	out, errOut, err := c.run("api-resources", "-o", "name")
	if err != nil || errOut != "" {
		t.Errorf("kubectl api-resources: %v, standard error %q", err, errOut)
	}
	got := strings.Fields(out)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("api-resources:\n%v\nwant\n%v", got, want)
	}
	// Each kind with its short names, group, scope, kind, verbs (the reads at least) and
	// categories.
	wide := c.mustRun("api-resources", "-o", "wide")
	for _, line := range []string{
		`deployments +deploy +apps/v1 +true +Deployment +(\S+) +all`,
		`pods +po +v1 +true +Pod +(\S+) +all`,
		`nodes +no +v1 +false +Node +(\S+)`,
		`secrets +v1 +true +Secret +(\S+)`,
	} {
		m := regexp.MustCompile(`(?m)^` + line + ` *$`).FindStringSubmatch(wide)
		if m == nil {
			t.Errorf("api-resources -o wide has no line %s:\n%s", line, wide)
			continue
		}
		for _, verb := range []string{"get", "list", "watch"} {
			if !slices.Contains(strings.Split(m[1], ","), verb) {
				t.Errorf("%s: no verb %s", m[0], verb)
			}
		}
	}
	// Exactly the verbs that work (the API server's tests hold each against the routes):
	// events and replicasets (made of the Deployments' revisions) are only read; nodes join
	// rather than being created; no kind deletes a collection (kubectl deletes what it
	// selects one object at a time).
	for name, verbs := range wideVerbs(t, wide) {
		want := "create,delete,get,list,patch,update,watch"
		switch name {
		case "events", "replicasets":
			want = "get,list,watch"
		case "nodes":
			want = "delete,get,list,patch,update,watch"
		}
		if verbs != want {
			t.Errorf("api-resources -o wide: %s has the verbs %s, want %s", name, verbs, want)
		}
	}
	// The subresources, which discovery lists beside their kinds: a status is read, never
	// written (the cluster makes it); attach is not served.
	wantSubs := map[string]string{"pods/log": "get", "pods/exec": "create,get", "pods/portforward": "create,get",
		"deployments/scale": "get,patch,update", "statefulsets/scale": "get,patch,update"}
	for _, r := range kubeapi.Resources {
		for _, sub := range r.Subresources {
			if sub.Name == "status" {
				wantSubs[r.Name+"/status"] = "get"
			}
		}
	}
	gotSubs := map[string]string{}
	for _, gv := range []string{"/api/v1", "/apis/apps/v1", "/apis/batch/v1", "/apis/networking.k8s.io/v1"} {
		var l metav1.APIResourceList
		if err := json.Unmarshal([]byte(c.mustRun("get", "--raw", gv)), &l); err != nil {
			t.Fatalf("%s: %v", gv, err)
		}
		for _, res := range l.APIResources {
			if strings.Contains(res.Name, "/") {
				gotSubs[res.Name] = strings.Join(res.Verbs, ",")
			}
		}
	}
	if !maps.Equal(gotSubs, wantSubs) {
		t.Errorf("the subresources' verbs:\n%v\nwant\n%v", gotSubs, wantSubs)
	}
	if got := c.mustRun("api-versions"); got != "apps/v1\nbatch/v1\nnetworking.k8s.io/v1\nv1\n" {
		t.Errorf("api-versions:\n%s", got)
	}
	out, errOut, err = c.run("version")
	if err != nil || !strings.Contains(out, "Server Version: "+kubeapi.KubernetesVersion+"+swarm.") || strings.Contains(errOut+out, "WARNING") {
		t.Errorf("kubectl version: %v\n%s%s", err, out, errOut)
	}
}

// kubectl explain needs the schemas of the kinds, which the API's OpenAPI documents do not
// hold (they hold what kubectl needs before it writes): it fails, saying on one line that
// the kind is not among the document's schemas, after the kind it looked for; it neither
// crashes nor explains anything.
func TestKubectlExplainFailsCleanly(t *testing.T) {
	c := startCluster(t, 1)
	for _, tc := range []struct {
		arg, header, gvk string
	}{
		{"pods", "KIND:       Pod\nVERSION:    v1\n\n", "map[group: kind:Pod version:v1]"},
		{"deployments.spec.replicas", "GROUP:      apps\nKIND:       Deployment\nVERSION:    v1\n\n", "map[group:apps kind:Deployment version:v1]"},
	} {
		out, errOut, err := c.run("explain", tc.arg)
		want := "error: GVK " + tc.gvk + " not found in OpenAPI schema\n"
		if err == nil || out != tc.header || errOut != want {
			t.Errorf("kubectl explain %s: %v\nstandard output %q\nstandard error %q\nwant it to fail with %q", tc.arg, err, out, errOut, want)
		}
	}
}

// wideVerbs reads the VERBS column of kubectl api-resources -o wide, by resource name (the
// columns are aligned under their headers; SHORTNAMES may be empty).
func wideVerbs(t *testing.T, wide string) map[string]string {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(wide, "\n"), "\n")
	from, to := strings.Index(lines[0], "VERBS"), strings.Index(lines[0], "CATEGORIES")
	if from < 0 || to < from {
		t.Fatalf("api-resources -o wide: no VERBS and CATEGORIES columns:\n%s", wide)
	}
	out := map[string]string{}
	for _, l := range lines[1:] {
		out[strings.Fields(l)[0]] = strings.TrimSpace(l[from:min(to, len(l))])
	}
	if len(out) != len(kubeapi.Resources) {
		t.Errorf("api-resources -o wide lists %d resources, want %d:\n%s", len(out), len(kubeapi.Resources), wide)
	}
	return out
}
