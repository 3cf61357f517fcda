package store

import (
	"reflect"
	"testing"
)

func TestNodeSpecLabelsOutrankTheGossipedOnes(t *testing.T) {
	var s NodeSpec
	gossiped := map[string]string{"zone": "a", "disk": "hdd"}
	s.SetLabel("disk", "ssd", false)
	s.SetLabel("zone", "", true)
	s.SetLabel("gpu", "yes", false)
	if got, want := s.EffectiveLabels(gossiped), map[string]string{"disk": "ssd", "gpu": "yes"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("labels %v; want %v", got, want)
	}
	if gossiped["zone"] != "a" {
		t.Fatalf("EffectiveLabels changed the gossiped labels: %v", gossiped)
	}
	// Setting a removed label again brings it back; removing a set one takes it off.
	s.SetLabel("zone", "b", false)
	s.SetLabel("gpu", "", true)
	if got, want := s.EffectiveLabels(gossiped), map[string]string{"disk": "ssd", "zone": "b"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("labels %v; want %v", got, want)
	}
	if !reflect.DeepEqual(s.RemovedLabels, []string{"gpu"}) {
		t.Fatalf("removed labels %v; want [gpu]", s.RemovedLabels)
	}
}

func TestNodeSpecDrainCordonsAndEmptySpecSaysNothing(t *testing.T) {
	if (NodeSpec{}).Cordoned() || !(NodeSpec{}).Empty() {
		t.Fatal("the zero spec cordons or is not empty")
	}
	if !(NodeSpec{Drain: true}).Cordoned() || (NodeSpec{Drain: true}).Empty() {
		t.Fatal("a drained node is not cordoned, or its spec reads as empty")
	}
	if (NodeSpec{RemovedLabels: []string{"x"}}).Empty() {
		t.Fatal("a spec that removes a label reads as empty")
	}
}
