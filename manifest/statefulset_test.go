package manifest

import (
	"strings"
	"testing"
)

// statefulSet is a valid StatefulSet document; tests break one field at a time.
const statefulSet = `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  serviceName: db
  replicas: 3
  selector:
    matchLabels: {app: db}
  template:
    metadata:
      labels: {app: db}
    spec:
      containers:
        - name: postgres
          image: localhost/postgres:16
          volumeMounts:
            - {name: data, mountPath: /var/lib/postgresql/data}
  volumeClaimTemplates:
    - metadata:
        name: data
      spec:
        accessModes: [ReadWriteOnce]
        resources:
          requests:
            storage: 1Gi
`

func TestParseStatefulSet(t *testing.T) {
	set, err := parseString(t, statefulSet)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if len(set.Objects) != 1 || set.Objects[0].StatefulSet == nil || set.Objects[0].Kind != KindStatefulSet {
		t.Fatalf("objects = %+v, want one StatefulSet", set.Objects)
	}
	s := set.Objects[0].StatefulSet
	if s.Namespace != DefaultNamespace || !OrderedReady(s) || OnDelete(s) || StatefulSetPartition(s) != 0 {
		t.Errorf("namespace %q, ordered %v, onDelete %v, partition %d", s.Namespace, OrderedReady(s), OnDelete(s), StatefulSetPartition(s))
	}
	pods := set.Pods()
	if len(pods) != 3 {
		t.Fatalf("pods = %d, want 3", len(pods))
	}
	for i, p := range pods {
		name := StatefulSetPodName("db", i)
		if p.Name != name || p.Owner != "db" || p.OwnerKind != KindStatefulSet {
			t.Errorf("pod %d = %s owned by %s %s", i, p.Name, p.OwnerKind, p.Owner)
		}
		if p.Spec.Hostname != name || p.Spec.Subdomain != "db" {
			t.Errorf("pod %d hostname %q subdomain %q", i, p.Spec.Hostname, p.Spec.Subdomain)
		}
		if got := ClaimNames(&p.Spec); len(got) != 1 || got[0] != "data-"+name {
			t.Errorf("pod %d claims %v, want data-%s", i, got, name)
		}
		if p.Labels[StatefulSetPodNameLabel] != name || p.Labels["app"] != "db" || p.Labels[ControllerRevisionLabel] != "db-"+p.TemplateHash {
			t.Errorf("pod %d labels %v", i, p.Labels)
		}
	}
	claims := StatefulSetClaims(s, 2)
	if len(claims) != 1 || claims[0].Name != "data-db-2" || claims[0].Namespace != "default" || claims[0].Labels["app"] != "db" {
		t.Fatalf("claims of ordinal 2 = %+v", claims)
	}
}

func TestStatefulSetPodReplacesVolumeOfTemplateName(t *testing.T) {
	in := strings.Replace(statefulSet, "      containers:\n", "      volumes:\n        - {name: data, emptyDir: {}}\n        - {name: tmp, emptyDir: {}}\n      containers:\n", 1)
	set, err := parseString(t, in)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	p := StatefulSetPod(set.Objects[0].StatefulSet, 1, nil)
	if len(p.Spec.Volumes) != 2 || p.Spec.Volumes[0].Name != "tmp" || p.Spec.Volumes[1].PersistentVolumeClaim == nil ||
		p.Spec.Volumes[1].PersistentVolumeClaim.ClaimName != "data-db-1" {
		t.Fatalf("volumes = %+v, want tmp then the claim data-db-1 under data", p.Spec.Volumes)
	}
}

func TestStatefulSetHashChangesWithTemplateOnly(t *testing.T) {
	a, _ := parseString(t, statefulSet)
	b, _ := parseString(t, strings.Replace(statefulSet, "replicas: 3", "replicas: 5", 1))
	c, _ := parseString(t, strings.Replace(statefulSet, "postgres:16", "postgres:17", 1))
	ha, hb, hc := StatefulSetHash(a.Objects[0].StatefulSet, nil), StatefulSetHash(b.Objects[0].StatefulSet, nil), StatefulSetHash(c.Objects[0].StatefulSet, nil)
	if ha != hb || ha == hc {
		t.Fatalf("hashes %s %s %s: want a scale to keep it and an image change to change it", ha, hb, hc)
	}
}

func TestValidateStatefulSet(t *testing.T) {
	src := "app.yaml: document 1 (StatefulSet db): "
	tests := []edit{
		{"valid", "", "", ""},
		{"parallel", "  serviceName: db\n", "  serviceName: db\n  podManagementPolicy: Parallel\n", ""},
		{"on delete", "  serviceName: db\n", "  serviceName: db\n  updateStrategy: {type: OnDelete}\n", ""},
		{"partition", "  serviceName: db\n", "  serviceName: db\n  updateStrategy: {type: RollingUpdate, rollingUpdate: {partition: 2, maxUnavailable: 1}}\n", ""},
		{"no claim templates", "            - {name: data, mountPath: /var/lib/postgresql/data}\n", "", ""},
		{"bad policy", "  serviceName: db\n", "  serviceName: db\n  podManagementPolicy: Sometimes\n",
			src + `spec.podManagementPolicy: Unsupported value: "Sometimes": supported values: "OrderedReady", "Parallel"`},
		{"bad strategy", "  serviceName: db\n", "  serviceName: db\n  updateStrategy: {type: Recreate}\n",
			src + `spec.updateStrategy.type: Unsupported value: "Recreate": supported values: "RollingUpdate", "OnDelete"`},
		{"negative partition", "  serviceName: db\n", "  serviceName: db\n  updateStrategy: {rollingUpdate: {partition: -1}}\n",
			src + "spec.updateStrategy.rollingUpdate.partition: Invalid value: -1: must be greater than or equal to 0"},
		{"max unavailable 2", "  serviceName: db\n", "  serviceName: db\n  updateStrategy: {rollingUpdate: {maxUnavailable: 2}}\n",
			src + `spec.updateStrategy.rollingUpdate.maxUnavailable: Unsupported value: "2": supported values: "1"`},
		{"rolling update with on delete", "  serviceName: db\n", "  serviceName: db\n  updateStrategy: {type: OnDelete, rollingUpdate: {partition: 1}}\n",
			src + "spec.updateStrategy.rollingUpdate: Forbidden: only allowed for updateStrategy 'RollingUpdate'"},
		{"negative replicas", "replicas: 3", "replicas: -1",
			src + "spec.replicas: Invalid value: -1: must be greater than or equal to 0"},
		{"bad service name", "serviceName: db", "serviceName: DB_1",
			src + `spec.serviceName: Invalid value: "DB_1": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`},
		{"no selector", "  selector:\n    matchLabels: {app: db}\n", "",
			src + "spec.selector: Required value: apps/v1 StatefulSets need a selector that matches spec.template.metadata.labels"},
		{"selector mismatch", "matchLabels: {app: db}", "matchLabels: {app: web}",
			src + "spec.template.metadata.labels: Invalid value: \"app=db\": `selector` does not match template `labels` (selector: app=web)"},
		{"restart policy", "      containers:\n", "      restartPolicy: OnFailure\n      containers:\n",
			src + `spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"`},
		{"claim template without storage", "          requests:\n            storage: 1Gi\n", "          requests: {}\n",
			src + "spec.volumeClaimTemplates[0].spec.resources[storage]: Required value"},
		{"claim template shared", "[ReadWriteOnce]", "[ReadWriteMany]",
			src + `spec.volumeClaimTemplates[0].spec.accessModes[0]: Invalid value: "ReadWriteMany": not supported: a claim is a podman volume on one node's disk, which pods on other nodes cannot reach; supported values: "ReadWriteOnce", "ReadWriteOncePod"`},
		{"claim template without name", "    - metadata:\n        name: data\n", "    - metadata: {}\n",
			"2 problems in the manifest:\n  " + src + "spec.volumeClaimTemplates[0].metadata.name: Required value\n  " +
				src + `spec.template.spec.containers[0].volumeMounts[0].name: Not found: "data"`},
		{"mount of no volume", "{name: data, mountPath", "{name: logs, mountPath",
			src + `spec.template.spec.containers[0].volumeMounts[0].name: Not found: "logs"`},
		{"retention delete", "  serviceName: db\n", "  serviceName: db\n  persistentVolumeClaimRetentionPolicy: {whenDeleted: Delete}\n",
			src + `spec.persistentVolumeClaimRetentionPolicy.whenDeleted: Unsupported value: "Delete": supported values: "Retain"`},
		{"ordinals start", "  serviceName: db\n", "  serviceName: db\n  ordinals: {start: 1}\n",
			src + "spec.ordinals.start: Forbidden: not supported: ordinals start at 0"},
		{"unknown field", "  serviceName: db\n", "  serviceName: db\n  replica: 2\n",
			src + "spec.replica: Unknown field: not part of this kind's schema (check spelling and indentation)"},
		{"wrong api version", "apiVersion: apps/v1", "apiVersion: v1",
			src + `apiVersion: Unsupported value: "v1": a StatefulSet must have apiVersion apps/v1`},
		{"name too long", "  name: db\n", "  name: " + strings.Repeat("d", 60) + "\n",
			"app.yaml: document 1 (StatefulSet " + strings.Repeat("d", 60) + "): metadata.name: Too long: may not be more than 58 bytes"},
	}
	checkEdits(t, statefulSet, tests)
}

// One bad StatefulSet refuses the whole manifest, its good neighbours too.
func TestBadStatefulSetRefusesManifest(t *testing.T) {
	in := deployment + "---\n" + strings.Replace(statefulSet, "replicas: 3", "replicas: -1", 1)
	if _, err := parseString(t, in); err == nil || !strings.Contains(err.Error(), "spec.replicas") {
		t.Fatalf("Parse = %v, want the whole manifest refused", err)
	}
}
