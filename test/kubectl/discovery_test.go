package kubectl_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/podman-swarm/podman-swarm/agent/kubeapi"
)

// kubectl api-resources lists exactly the kinds the API serves, each with its short names
// and the verbs it is served with; api-versions, their groups.
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
