package manifest

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/intstr"
)

// daemonSetDoc is a valid DaemonSet document; tests break one field at a time.
const daemonSetDoc = `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: logs
spec:
  selector:
    matchLabels: {app: logs}
  updateStrategy:
    type: RollingUpdate
  template:
    metadata:
      labels: {app: logs}
    spec:
      nodeSelector: {disk: ssd}
      containers:
      - name: shipper
        image: example.org/shipper:1
`

func TestParseDaemonSet(t *testing.T) {
	set, err := parseString(t, daemonSetDoc)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if len(set.Objects) != 1 || set.Objects[0].DaemonSet == nil || set.Objects[0].Kind != "DaemonSet" {
		t.Fatalf("objects = %+v, want one DaemonSet", set.Objects)
	}
	ds := set.Objects[0].DaemonSet
	if ds.Namespace != DefaultNamespace || set.Objects[0].Meta().Name != "logs" {
		t.Errorf("DaemonSet = %s/%s, want default/logs", ds.Namespace, ds.Name)
	}
	s := DaemonSetStrategy(ds)
	if s.OnDelete || s.MaxUnavailable != intstr.FromInt32(1) || s.MaxSurge != intstr.FromInt32(0) {
		t.Errorf("strategy = %+v, want Kubernetes' defaults (maxUnavailable 1, maxSurge 0)", s)
	}
	if !DaemonSetWants(ds, "n1", map[string]string{"disk": "ssd", "zone": "a"}) || DaemonSetWants(ds, "n1", map[string]string{"disk": "hdd"}) {
		t.Error("DaemonSetWants does not follow the template's nodeSelector")
	}

	list := "apiVersion: v1\nkind: DaemonSetList\nitems:\n- " + strings.ReplaceAll(strings.TrimSuffix(daemonSetDoc, "\n"), "\n", "\n  ") + "\n"
	if set, err := parseString(t, list); err != nil || len(set.Objects) != 1 || set.Objects[0].DaemonSet == nil {
		t.Fatalf("DaemonSetList: %v, %+v", err, set)
	}
}

func TestDaemonSetPod(t *testing.T) {
	set, err := parseString(t, daemonSetDoc)
	if err != nil {
		t.Fatal(err)
	}
	ds := set.Objects[0].DaemonSet
	a, b := DaemonSetPod(ds, "n1", nil), DaemonSetPod(ds, "n2", nil)
	if a.Spec.NodeName != "n1" || a.Owner != "logs" || a.OwnerKind != OwnerDaemonSet || a.TemplateHash != TemplateHash(&ds.Spec.Template) {
		t.Errorf("pod = %+v", a)
	}
	if a.Name == b.Name || !strings.HasPrefix(a.Name, "logs-"+a.TemplateHash+"-") || a.Name != DaemonSetPod(ds, "n1", nil).Name {
		t.Errorf("names %q and %q: want stable per node, distinct across nodes", a.Name, b.Name)
	}
	if ds.Spec.Template.Spec.NodeName != "" {
		t.Error("DaemonSetPod changed the DaemonSet's template")
	}
	ds.Spec.Template.Spec.Containers[0].Image = "example.org/shipper:2"
	if c := DaemonSetPod(ds, "n1", nil); c.Name == a.Name || c.Labels[TemplateHashLabel] != c.TemplateHash {
		t.Errorf("a new template's pod is named %q like the old one's, or its label is %q", c.Name, c.Labels[TemplateHashLabel])
	}
}

func TestValidateDaemonSet(t *testing.T) {
	src := "app.yaml: document 1 (DaemonSet logs): "
	tests := []edit{
		{"valid", "", "", ""},
		{"on delete", "type: RollingUpdate", "type: OnDelete", ""},
		{"max unavailable", "type: RollingUpdate\n", "type: RollingUpdate\n    rollingUpdate: {maxUnavailable: 25%}\n", ""},
		{"surge", "type: RollingUpdate\n", "type: RollingUpdate\n    rollingUpdate: {maxUnavailable: 0, maxSurge: 1}\n", ""},
		{"surge and unavailable", "type: RollingUpdate\n", "type: RollingUpdate\n    rollingUpdate: {maxSurge: 1}\n",
			src + `spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: "1": may not be set when maxUnavailable is non-zero`},
		{"both zero", "type: RollingUpdate\n", "type: RollingUpdate\n    rollingUpdate: {maxUnavailable: 0}\n",
			src + "spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0"},
		{"negative", "type: RollingUpdate\n", "type: RollingUpdate\n    rollingUpdate: {maxUnavailable: -1}\n",
			src + "spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: -1: must be greater than or equal to 0"},
		{"over 100%", "type: RollingUpdate\n", "type: RollingUpdate\n    rollingUpdate: {maxUnavailable: 150%}\n",
			src + `spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: "150%": must not be greater than 100%`},
		{"bad type", "type: RollingUpdate", "type: Recreate",
			src + `spec.updateStrategy: Unsupported value: "Recreate": supported values: "RollingUpdate", "OnDelete"`},
		{"no selector", "  selector:\n    matchLabels: {app: logs}\n", "",
			src + "spec.selector: Required value: apps/v1 DaemonSets need a selector that matches spec.template.metadata.labels"},
		{"selector mismatch", "matchLabels: {app: logs}", "matchLabels: {app: other}",
			src + "spec.template.metadata.labels: Invalid value: \"app=logs\": `selector` does not match template `labels` (selector: app=other)"},
		{"restart policy", "      nodeSelector:", "      restartPolicy: OnFailure\n      nodeSelector:",
			src + `spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"`},
		{"min ready", "  selector:\n", "  minReadySeconds: -5\n  selector:\n",
			src + "spec.minReadySeconds: Invalid value: -5: must be greater than or equal to 0"},
		{"no containers", "      containers:\n      - name: shipper\n        image: example.org/shipper:1\n", "      containers: []\n",
			src + "spec.template.spec.containers: Required value: a pod needs at least one container"},
		{"replicas", "  selector:\n", "  replicas: 3\n  selector:\n",
			src + "spec.replicas: Unknown field: not part of this kind's schema (check spelling and indentation)"},
		{"wrong api version", "apiVersion: apps/v1", "apiVersion: extensions/v1beta1",
			src + `apiVersion: Unsupported value: "extensions/v1beta1": a DaemonSet must have apiVersion apps/v1`},
	}
	checkEdits(t, daemonSetDoc, tests)
}

func TestBadDaemonSetRefusesTheWholeManifest(t *testing.T) {
	bad := strings.Replace(daemonSetDoc, "type: RollingUpdate", "type: Sometimes", 1)
	pod := "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: x}]\n"
	if set, err := parseString(t, pod+"---\n"+bad); err == nil || set != nil {
		t.Fatalf("Parse = %v, %v; want the whole manifest refused", set, err)
	}
}
