package manifest

import (
	"fmt"
	"hash/fnv"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/rand"
)

// firstRuleName is a Deployment pod's name as it was derived before two replicas could be
// told apart by a salt: what every pod named once keeps.
func firstRuleName(owner, hash string, ordinal int) string {
	h := fnv.New32a()
	fmt.Fprintf(h, "%s/%s/%d", owner, hash, ordinal)
	suffix := rand.SafeEncodeString(fmt.Sprintf("%010d", h.Sum32()))
	return owner + "-" + hash + "-" + suffix[len(suffix)-5:]
}

// A Deployment of thousands of replicas names each one differently; a replica whose name
// no earlier one took keeps the name it always had.
func TestReplicaNamesAreUnique(t *testing.T) {
	replicas := int32(3000)
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "web"}, Spec: appsv1.DeploymentSpec{Replicas: &replicas}}
	pods := DeploymentPods(d)
	seen := map[string]int{}
	kept, salted := 0, 0
	for i, p := range pods {
		if j, ok := seen[p.Name]; ok {
			t.Fatalf("replicas %d and %d are both named %s", j, i, p.Name)
		}
		seen[p.Name] = i
		switch first := firstRuleName("web", p.TemplateHash, i); {
		case p.Name == first:
			kept++
		default:
			salted++
			if _, ok := seen[first]; !ok {
				t.Fatalf("replica %d was renamed %s though no earlier replica is named %s", i, p.Name, first)
			}
		}
	}
	if salted == 0 {
		t.Fatal("no two of 3,000 replicas hashed alike: the test shows nothing")
	}
	t.Logf("%d names as before, %d salted", kept, salted)
}

// The name of a replica does not depend on which names were asked for before it, nor on
// what the table forgot.
func TestReplicaNamesDoNotDependOnTheOrderAsked(t *testing.T) {
	want := make([]string, 2000)
	for i := range want {
		want[i] = PodName("api", "abc12", i)
	}
	suffixes.mu.Lock()
	suffixes.byID = nil
	suffixes.mu.Unlock()
	for i := len(want) - 1; i >= 0; i-- {
		if got := PodName("api", "abc12", i); got != want[i] {
			t.Fatalf("replica %d: %s asked last-first, %s first-last", i, got, want[i])
		}
	}
}

func TestJobPodNamesAreUnique(t *testing.T) {
	j := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Namespace: "batch", Name: "crunch", CreationTimestamp: metav1.Unix(1700000000, 0)}}
	seen := map[string]int{}
	for n := range 3000 {
		name := JobPodName(j, n)
		if m, ok := seen[name]; ok {
			t.Fatalf("pods %d and %d of the Job are both named %s", m, n, name)
		}
		seen[name] = n
	}
}
