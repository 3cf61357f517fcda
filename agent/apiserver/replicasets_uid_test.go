package apiserver

import (
	"crypto/sha1"
	"fmt"
	"testing"

	"k8s.io/apimachinery/pkg/types"
)

// A ReplicaSet's uid is the same on every node and every version of the agent: it is
// the name-based UUID of its Deployment's uid, namespace, name and template hash.
func TestReplicaSetUIDIsTheNameBasedUUID(t *testing.T) {
	for _, in := range [][4]string{
		{"", "default", "web", "5d9f7c8b6"},
		{"0b1f4c1e-6f0a-5c3e-9d55-3a3c2f4e8a11", "shop", "checkout", "7c6b5f9d4"},
	} {
		sum := sha1.Sum([]byte(in[0] + "/" + in[1] + "/" + in[2] + "/" + in[3]))
		b := sum[:16]
		b[6] = b[6]&0x0f | 0x50
		b[8] = b[8]&0x3f | 0x80
		want := fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
		if got := replicaSetUID(types.UID(in[0]), in[1], in[2], in[3]); string(got) != want {
			t.Errorf("replicaSetUID(%q) = %s, want %s", in, got, want)
		}
	}
	if a, b := replicaSetUID("u1", "ns", "web", "h"), replicaSetUID("u2", "ns", "web", "h"); a == b {
		t.Errorf("two Deployments' ReplicaSets share the uid %s", a)
	}
}
