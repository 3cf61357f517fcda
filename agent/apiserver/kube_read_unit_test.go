package apiserver

import (
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/version"
)

// The Accept header picks the first form the API answers, as the API server does.
func TestNegotiate(t *testing.T) {
	for accept, want := range map[string]string{
		"":                 "0/",
		"application/json": "0/",
		"*/*":              "0/",
		"application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json": "1/v1",
		"application/json;as=Table;v=v1beta1;g=meta.k8s.io":                                                               "1/v1beta1",
		"application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io":                                                "2/v1",
		"application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json":                           "0/",
		"application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io,application/json":                                "0/",
		"application/json;as=Table;v=v2;g=meta.k8s.io":                                                                    "406",
		"application/yaml": "406",
	} {
		n, err := negotiate(accept)
		got := fmt.Sprintf("%d/%s", n.form, n.version)
		if err != nil {
			got = "406"
			if se, ok := err.(*apierrors.StatusError); !ok || se.Status().Code != 406 {
				t.Errorf("%q: %v", accept, err)
			}
		}
		if got != want {
			t.Errorf("%q: %s, want %s", accept, got, want)
		}
	}
}

// A list is kept for its pages pageTTL; the oldest go first past maxPagedLists.
func TestPageStore(t *testing.T) {
	p := newPageStore()
	t0 := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	items := [][]byte{[]byte("a"), []byte("b"), []byte("c")}
	page, meta, err := p.page("q", "1", "", 7, items, t0)
	if err != nil || len(page) != 1 || meta.Continue == "" || meta.ResourceVersion != "7" {
		t.Fatalf("first page: %q %+v %v", page, meta, err)
	}
	page, _, err = p.page("q", "5", meta.Continue, 9, nil, t0.Add(pageTTL-time.Second))
	if err != nil || len(page) != 2 || string(page[1]) != "c" {
		t.Errorf("next page in time: %q %v", page, err)
	}
	if _, _, err := p.page("q", "5", meta.Continue, 9, nil, t0.Add(pageTTL+time.Second)); !apierrors.IsResourceExpired(err) {
		t.Errorf("next page too late: %v", err)
	}
	var first string
	for i := range maxPagedLists + 1 {
		_, m, err := p.page("q", "1", "", 1, items, t0)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = m.Continue
		}
	}
	if _, _, err := p.page("q", "1", first, 1, nil, t0); !apierrors.IsResourceExpired(err) {
		t.Errorf("the oldest of too many lists: %v", err)
	}
	if len(p.lists) != maxPagedLists || len(p.order) != maxPagedLists {
		t.Errorf("%d lists kept", len(p.lists))
	}
}

// An event recorded without its object's uid is taken for whichever object has its
// name; with a uid, for that object only.
func TestEventSelector(t *testing.T) {
	ev := &corev1.Event{InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: "a", Name: "p"}, Type: "Normal"}
	for sel, want := range map[string]bool{
		"involvedObject.uid=u1,involvedObject.name=p": true,
		"involvedObject.uid!=u1":                      true,
		"involvedObject.name=q":                       false,
		"type!=Normal":                                false,
		"involvedObject.kind=Pod,type==Normal":        true,
	} {
		s, err := parseEventSelector("", sel)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.matches(ev); got != want {
			t.Errorf("%s: %v, want %v", sel, got, want)
		}
	}
	ev.InvolvedObject.UID = "u2"
	s, _ := parseEventSelector("", "involvedObject.uid=u1")
	if s.matches(ev) {
		t.Error("an event with a uid matched another uid")
	}
}

// gitVersion is always a semantic version kubectl parses, carrying the agent's version.
func TestVersionInfo(t *testing.T) {
	for agent, want := range map[string]string{
		"dev": "v1.32.0+swarm.dev", "v0.19.0-3-gabc123-dirty": "v1.32.0+swarm.v0.19.0-3-gabc123-dirty",
		"342bd43": "v1.32.0+swarm.342bd43", "my build/2": "v1.32.0+swarm.my-build-2", "": "v1.32.0+swarm.unknown", "..": "v1.32.0+swarm.unknown",
	} {
		info := versionInfo(agent)
		if info.GitVersion != want {
			t.Errorf("%q: %s, want %s", agent, info.GitVersion, want)
		}
		if _, err := version.ParseSemantic(info.GitVersion); err != nil {
			t.Errorf("%q: %v", agent, err)
		}
	}
	if versionInfo("v1-dirty").GitTreeState != "dirty" {
		t.Error("a dirty build is clean")
	}
}
