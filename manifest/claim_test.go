package manifest

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// claim is a valid PersistentVolumeClaim document; tests break one field at a time.
const claim = `apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: data
spec:
  accessModes: [ReadWriteOnce]
  resources:
    requests:
      storage: 1Gi
`

func TestParseClaim(t *testing.T) {
	set, err := parseString(t, claim)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if len(set.Objects) != 1 || set.Objects[0].Claim == nil || set.Objects[0].Kind != "PersistentVolumeClaim" {
		t.Fatalf("objects = %+v, want one claim", set.Objects)
	}
	c := set.Objects[0].Claim
	if c.Namespace != DefaultNamespace || c.Name != "data" {
		t.Errorf("claim = %s/%s, want default/data", c.Namespace, c.Name)
	}
	if q := c.Spec.Resources.Requests[corev1.ResourceStorage]; q.Value() != 1<<30 {
		t.Errorf("storage = %s, want 1Gi", q.String())
	}
	if ReclaimPolicy(c) != ReclaimDelete || OncePod(c) {
		t.Errorf("policy %s, once-pod %v; want Delete, false", ReclaimPolicy(c), OncePod(c))
	}
	if w := ClaimWarnings(c); len(w) != 1 || !strings.Contains(w[0], "1Gi is not enforced") {
		t.Errorf("warnings = %q, want the storage request not enforced", w)
	}
}

func TestParseClaimList(t *testing.T) {
	in := "apiVersion: v1\nkind: PersistentVolumeClaimList\nitems:\n- " + strings.ReplaceAll(strings.TrimSuffix(claim, "\n"), "\n", "\n  ") + "\n"
	set, err := parseString(t, in)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if len(set.Objects) != 1 || set.Objects[0].Claim == nil {
		t.Fatalf("objects = %+v, want one claim", set.Objects)
	}
}

func TestValidateClaim(t *testing.T) {
	src := "app.yaml: document 1 (PersistentVolumeClaim data): "
	tests := []edit{
		{"valid", "", "", ""},
		{"read write once pod", "[ReadWriteOnce]", "[ReadWriteOncePod]", ""},
		{"storage class local", "spec:\n", "spec:\n  storageClassName: local\n", ""},
		{"storage class empty", "spec:\n", "spec:\n  storageClassName: \"\"\n", ""},
		{"filesystem mode", "spec:\n", "spec:\n  volumeMode: Filesystem\n", ""},
		{"retain", "name: data\n", "name: data\n  annotations: {swarm.podman.io/reclaim-policy: Retain}\n", ""},
		{"no access modes", "  accessModes: [ReadWriteOnce]\n", "",
			src + "spec.accessModes: Required value: at least 1 access mode is required"},
		{"read write many", "[ReadWriteOnce]", "[ReadWriteMany]",
			src + `spec.accessModes[0]: Invalid value: "ReadWriteMany": not supported: a claim is a podman volume on one node's disk, which pods on other nodes cannot reach; supported values: "ReadWriteOnce", "ReadWriteOncePod"`},
		{"read only many", "[ReadWriteOnce]", "[ReadOnlyMany]",
			src + `spec.accessModes[0]: Invalid value: "ReadOnlyMany": not supported: a claim is a podman volume on one node's disk, which pods on other nodes cannot reach; supported values: "ReadWriteOnce", "ReadWriteOncePod"`},
		{"unknown mode", "[ReadWriteOnce]", "[Sometimes]",
			src + `spec.accessModes: Unsupported value: "Sometimes": supported values: "ReadWriteOnce", "ReadWriteOncePod"`},
		{"once pod with others", "[ReadWriteOnce]", "[ReadWriteOnce, ReadWriteOncePod]",
			src + "spec.accessModes: Forbidden: may not use ReadWriteOncePod with other access modes"},
		{"no storage", "    requests:\n      storage: 1Gi\n", "    requests: {}\n",
			src + "spec.resources[storage]: Required value"},
		{"zero storage", "storage: 1Gi", "storage: \"0\"",
			src + `spec.resources[storage]: Invalid value: "0": must be greater than zero`},
		{"bad quantity", "storage: 1Gi", "storage: lots",
			src + "Invalid value: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"},
		{"other storage class", "spec:\n", "spec:\n  storageClassName: fast-ssd\n",
			src + `spec.storageClassName: Unsupported value: "fast-ssd": supported values: "local"`},
		{"block mode", "spec:\n", "spec:\n  volumeMode: Block\n",
			src + `spec.volumeMode: Unsupported value: "Block": supported values: "Filesystem"`},
		{"volume name", "spec:\n", "spec:\n  volumeName: pv-1\n",
			src + "spec.volumeName: Forbidden: not supported: the cluster makes each claim's volume itself, on the node of its first pod; leave it empty"},
		{"selector", "spec:\n", "spec:\n  selector: {matchLabels: {disk: ssd}}\n",
			src + "spec.selector: Forbidden: not supported: there are no PersistentVolumes to select, each claim gets a volume of its own"},
		{"data source", "spec:\n", "spec:\n  dataSource: {kind: PersistentVolumeClaim, name: other}\n",
			src + "spec.dataSource: Forbidden: not supported: a claim's volume starts empty"},
		{"data source ref", "spec:\n", "spec:\n  dataSourceRef: {kind: PersistentVolumeClaim, name: other}\n",
			src + "spec.dataSourceRef: Forbidden: not supported: a claim's volume starts empty"},
		{"bad reclaim policy", "name: data\n", "name: data\n  annotations: {swarm.podman.io/reclaim-policy: Recycle}\n",
			src + `metadata.annotations[swarm.podman.io/reclaim-policy]: Unsupported value: "Recycle": supported values: "Delete", "Retain"`},
		{"bad name", "name: data\n", "name: Data_1\n",
			"app.yaml: document 1 (PersistentVolumeClaim Data_1): metadata.name: Invalid value: \"Data_1\": must be a DNS-1123 subdomain: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"},
		{"unknown field", "spec:\n", "spec:\n  size: 1Gi\n",
			src + "spec.size: Unknown field: not part of this kind's schema (check spelling and indentation)"},
		{"wrong api version", "apiVersion: v1", "apiVersion: storage.k8s.io/v1",
			src + `apiVersion: Unsupported value: "storage.k8s.io/v1": a PersistentVolumeClaim must have apiVersion v1`},
	}
	checkEdits(t, claim, tests)
}

func TestClaimNames(t *testing.T) {
	spec := &corev1.PodSpec{Volumes: []corev1.Volume{
		{Name: "a", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "db"}}},
		{Name: "b", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
		{Name: "c", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "logs"}}},
		{Name: "d", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "db", ReadOnly: true}}},
	}}
	if got := strings.Join(ClaimNames(spec), ","); got != "db,logs" {
		t.Errorf("ClaimNames = %s, want db,logs", got)
	}
}
