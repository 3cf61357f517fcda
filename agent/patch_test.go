package agent

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/podman-swarm/podman-swarm/api"
)

const smp = "application/strategic-merge-patch+json"

// podNames are the names of the pods of Deployment name that the store assigns.
func podNames(t *testing.T, a *Agent, name string) []string {
	t.Helper()
	var out []string
	for _, p := range pods(t, a).Items {
		if strings.HasPrefix(p.Metadata.Name, name+"-") && p.Spec.NodeName != "" {
			out = append(out, p.Metadata.Name)
		}
	}
	return out
}

func revisions(t *testing.T, a *Agent, name string) api.RevisionList {
	t.Helper()
	var l api.RevisionList
	if code := call(t, a, "GET", "/api/v1/deployments/default/"+name+"/revisions", "", nil, &l); code != http.StatusOK {
		t.Fatalf("revisions of %s: HTTP %d", name, code)
	}
	return l
}

// Through three live agents: a patch changes one field of a stored Deployment and keeps
// the rest; a paused Deployment whose image a patch changes keeps its pods (the leader
// records the revision, and says the rollout is paused), and rolls out once resumed.
func TestPatchAndPausedRollout(t *testing.T) {
	agents := startAgents(t, 3, nil)
	a, b := agents[0], agents[2]
	apply(t, a, deploymentYAML("web", 2, ""))
	eventually(t, 10*time.Second, "two pods placed", func() bool { return len(podNames(t, b, "web")) == 2 })
	before := strings.Join(podNames(t, b, "web"), " ")

	var res api.Applied
	if code := call(t, b, "PATCH", "/api/v1/deployments/default/web", smp, []byte(`{"spec":{"paused":true}}`), &res); code != http.StatusOK || res.Result != "patched" {
		t.Fatalf("pause: HTTP %d %+v", code, res)
	}
	if code := call(t, a, "PATCH", "/api/v1/deployments/default/web", smp, []byte(`{"spec":{"paused":true}}`), &res); code != http.StatusOK {
		t.Fatalf("pause again: HTTP %d", code)
	}
	// The leader records the pause before the template changes, so that it sees them apart.
	eventually(t, 10*time.Second, "the leader says the rollout is paused", func() bool {
		_, reason, _ := getDeployment(t, a, "web").progressing()
		return reason == "DeploymentPaused"
	})
	patch := []byte(`{"spec":{"template":{"spec":{"containers":[{"name":"main","image":"localhost/test:2"}]}}}}`)
	if code := call(t, a, "PATCH", "/api/v1/deployments/default/web", smp, patch, &res); code != http.StatusOK || res.Result != "patched" {
		t.Fatalf("set image: HTTP %d %+v", code, res)
	}
	eventually(t, 10*time.Second, "the paused template recorded as revision 2", func() bool {
		l := revisions(t, b, "web")
		_, reason, _ := getDeployment(t, b, "web").progressing()
		return len(l.Items) == 2 && l.Items[1].Current && reason == "DeploymentPaused"
	})
	if after := strings.Join(podNames(t, b, "web"), " "); after != before {
		t.Fatalf("a paused deployment rolled out: pods %s, were %s", after, before)
	}
	d := getDeployment(t, b, "web")
	if img := d.Spec.Template.Spec.Containers[0].Image; img != "localhost/test:2" {
		t.Errorf("image after the patch: %q", img)
	}

	if code := call(t, b, "PATCH", "/api/v1/deployments/default/web", smp, []byte(`{"spec":{"paused":false}}`), &res); code != http.StatusOK {
		t.Fatalf("resume: HTTP %d", code)
	}
	eventually(t, 10*time.Second, "the rollout's steps among the Deployment's events", func() bool {
		var l struct {
			Items []struct{ Reason, Message string }
		}
		if call(t, b, "GET", "/api/v1/events?namespace=default&object=Deployment/web", "", nil, &l) != http.StatusOK {
			return false
		}
		want := map[string]bool{
			"DeploymentPaused Deployment is paused":                                               true,
			"DeploymentPaused Revision 2 (main=localhost/test:2) waits: the Deployment is paused": true,
			"DeploymentResumed Deployment is resumed: rolling out revision 2":                     true,
		}
		for _, e := range l.Items {
			delete(want, e.Reason+" "+e.Message)
		}
		return len(want) == 0
	})
	// These agents run nothing, so no new pod turns ready: the rollout makes its surge
	// pod of the new template and waits there.
	eventually(t, 10*time.Second, "the resumed deployment rolled out", func() bool {
		for _, n := range podNames(t, b, "web") {
			if !strings.Contains(before, n) {
				return true
			}
		}
		return false
	})
}

// A patch is refused, with the reason, when it is not a strategic merge patch, when it
// renames its object, when its result is invalid, and when the object is not there.
func TestPatchRefusals(t *testing.T) {
	a := startAgent(t, testConfig(t, "n1"))
	apply(t, a, deploymentYAML("web", 1, ""))
	var e api.APIError
	cases := []struct {
		path, contentType, body string
		code                    int
		message                 string
	}{
		{"/api/v1/deployments/default/web", "application/json", `{"spec":{"replicas":2}}`, http.StatusUnsupportedMediaType, "send application/strategic-merge-patch+json"},
		{"/api/v1/deployments/default/web", smp, `{"metadata":{"name":"other"}}`, http.StatusUnprocessableEntity, "kind, namespace and name cannot change"},
		{"/api/v1/deployments/default/web", smp, `{"spec":{"replicas":-1}}`, http.StatusUnprocessableEntity, "spec.replicas: Invalid value: -1"},
		{"/api/v1/deployments/default/web", smp, `{"spec":`, http.StatusBadRequest, "apply the patch"},
		{"/api/v1/deployments/default/nope", smp, `{"spec":{"replicas":2}}`, http.StatusNotFound, `deployments.apps "nope" not found in namespace default`},
		{"/api/v1/statefulsets/default/web", smp, `{"spec":{"replicas":2}}`, http.StatusNotFound, `statefulsets.apps "web" not found`},
	}
	for _, c := range cases {
		e = api.APIError{}
		code := call(t, a, "PATCH", c.path, c.contentType, []byte(c.body), &e)
		if msg := e.Message + " " + strings.Join(e.Details, " "); code != c.code || !strings.Contains(msg, c.message) {
			t.Errorf("PATCH %s %s: HTTP %d %q, want %d with %q", c.path, c.body, code, msg, c.code, c.message)
		}
	}
	var d struct{ Spec struct{ Replicas int } }
	call(t, a, "GET", "/api/v1/deployments/default/web", "", nil, &d)
	if d.Spec.Replicas != 1 {
		t.Errorf("replicas after refused patches: %d", d.Spec.Replicas)
	}
}
