package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podman-swarm/podman-swarm/cluster"
)

func TestLineageRoundTrips(t *testing.T) {
	for _, l := range []Lineage{
		{},
		{"n1": 4},
		{"n1": 4, "n0": 17, "host.example.com": 2},
		{"odd,name=with:separators%": 9, "ünïcode": 1},
	} {
		s := l.String()
		if !strings.HasPrefix(s, LineagePrefix) {
			t.Errorf("%v as %q lacks the prefix", l, s)
		}
		got, ok := ParseLineage(s)
		if !ok || fmt.Sprint(got) != fmt.Sprint(l) {
			t.Errorf("%v as %q reads back as %v, %v", l, s, got, ok)
		}
	}
	if s := (Lineage{"b": 1, "a": 2}).String(); s != "seen:a=2,b=1" {
		t.Errorf("String() = %q, want the nodes in order", s)
	}
	for _, rv := range []string{"", "12345", "7.n1", "seen:n1", "seen:n1=x", "seen:%zz=1"} {
		if l, ok := ParseLineage(rv); ok {
			t.Errorf("ParseLineage(%q) = %v, want none", rv, l)
		}
	}
}

func TestLineageCovers(t *testing.T) {
	l := Lineage{"n1": 5, "n2": 3}
	for _, c := range []struct {
		v    cluster.Version
		want bool
	}{
		{cluster.Version{Time: 5, Node: "n1"}, true},
		{cluster.Version{Time: 4, Node: "n1"}, true},
		{cluster.Version{Time: 6, Node: "n1"}, false},
		{cluster.Version{Time: 1, Node: "n3"}, false},
		{cluster.Version{Time: 3, Node: "n2"}, true},
	} {
		if got := l.Covers(c.v); got != c.want {
			t.Errorf("%v covers %v: %v, want %v", l, c.v, got, c.want)
		}
	}
	var none Lineage
	if none.Covers(cluster.Version{Time: 1, Node: "n1"}) {
		t.Error("an empty lineage covers a version")
	}
}

func TestLineageWithKeepsTheNewestAndStaysBounded(t *testing.T) {
	l := Lineage{"n1": 5}
	got := l.With(cluster.Version{Time: 3, Node: "n1"}).With(cluster.Version{Time: 9, Node: "n2"})
	if fmt.Sprint(got) != fmt.Sprint(Lineage{"n1": 5, "n2": 9}) {
		t.Errorf("With = %v", got)
	}
	if len(l) != 1 {
		t.Errorf("With changed its receiver: %v", l)
	}
	big := Lineage{}
	for i := range maxLineage {
		big[fmt.Sprintf("n%02d", i)] = uint64(100 + i)
	}
	got = big.With(cluster.Version{Time: 1, Node: "late"})
	if len(got) != maxLineage {
		t.Fatalf("a lineage grew to %d nodes, past %d", len(got), maxLineage)
	}
	if _, ok := got["n00"]; ok {
		t.Error("the node seen longest ago was kept")
	}
	if !got.Covers(cluster.Version{Time: 1, Node: "late"}) {
		t.Error("the version just added was dropped")
	}
}

func deploymentJSON(t *testing.T, rv string) []byte {
	t.Helper()
	replicas := int32(2)
	d := &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", ResourceVersion: rv},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Image: "nginx"}}}},
		},
	}
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestWithResourceVersionGivesTheAPIsBytes: stamping a lineage and clearing it again gives
// exactly the bytes the API encodes the object into, which is what its "unchanged" compares.
func TestWithResourceVersionGivesTheAPIsBytes(t *testing.T) {
	plain := deploymentJSON(t, "")
	l := Lineage{"n1": 7}
	stamped, err := WithResourceVersion("deployment/default/web", plain, l.String())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(stamped, deploymentJSON(t, l.String())) {
		t.Errorf("stamped:\n%s\nwant:\n%s", stamped, deploymentJSON(t, l.String()))
	}
	if got, ok := LineageOf(stamped); !ok || fmt.Sprint(got) != fmt.Sprint(l) {
		t.Errorf("LineageOf(stamped) = %v, %v", got, ok)
	}
	cleared, err := WithResourceVersion("deployment/default/web", stamped, "")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(cleared, plain) {
		t.Errorf("cleared:\n%s\nwant:\n%s", cleared, plain)
	}
	if _, ok := LineageOf(plain); ok {
		t.Error("a value without a lineage has one")
	}
	if _, err := WithResourceVersion("status/default/web", plain, ""); err == nil {
		t.Error("a key that holds no object was accepted")
	}
	if _, err := WithResourceVersion("deployment/default/web", []byte("{"), ""); err == nil {
		t.Error("an undecodable value was accepted")
	}
}

// fakeLister is a store of fixed entries.
type fakeLister []cluster.Entry

func (f fakeLister) List(prefix string) []cluster.Entry {
	var out []cluster.Entry
	for _, e := range f {
		if strings.HasPrefix(e.Key, prefix) {
			out = append(out, e)
		}
	}
	return out
}

func TestReadShowsTheStoreVersion(t *testing.T) {
	v := cluster.Version{Time: 42, Node: "n3"}
	st := Read(fakeLister{{Key: "deployment/default/web", Value: deploymentJSON(t, "seen:n1=7"), Version: v}}, slog.New(slog.DiscardHandler))
	d := st.Deployments["default/web"]
	if d == nil {
		t.Fatal("the deployment was not read")
	}
	if d.ResourceVersion != "42.n3" || d.ResourceVersion != FormatVersion(v) {
		t.Errorf("resourceVersion = %q, want 42.n3", d.ResourceVersion)
	}
}
