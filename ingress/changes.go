package ingress

import (
	"cmp"
	"encoding/json"
	"log/slog"
	"slices"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/podman-swarm/podman-swarm/discovery"
	"github.com/podman-swarm/podman-swarm/internal/follow"
)

// logChanges logs which Ingresses and Services changed between two states, and the ready
// endpoints of the changed Services, in the order of their names.
func logChanges(log *slog.Logger, old, cur *State) {
	ingKey := func(in networkingv1.Ingress) string { return in.Namespace + "/" + in.Name }
	sameSpec := func(a, b networkingv1.Ingress) bool { return sameJSON(a.Spec, b.Spec) }
	for _, c := range byKey(follow.Diff(old.Ingresses, cur.Ingresses, ingKey, sameSpec)) {
		switch c.Kind {
		case follow.Added:
			log.Info("ingress added", "ingress", c.Key)
		case follow.Removed:
			log.Info("ingress removed", "ingress", c.Key)
		case follow.Changed:
			log.Info("ingress changed", "ingress", c.Key)
		}
	}
	svcKey := func(s discovery.Service) string { return s.Namespace + "/" + s.Name }
	sameService := func(a, b discovery.Service) bool { return sameJSON(a, b) }
	for _, c := range byKey(follow.Diff(old.Services, cur.Services, svcKey, sameService)) {
		if c.Kind == follow.Removed {
			log.Info("service removed", "service", c.Key)
			continue
		}
		ready := 0
		for _, ep := range c.New.Endpoints {
			if ep.Ready {
				ready++
			}
		}
		log.Info("service endpoints changed", "service", c.Key, "ready", ready)
	}
}

// byKey sorts changes by their keys.
func byKey[E any](changes []follow.Change[E]) []follow.Change[E] {
	slices.SortFunc(changes, func(a, b follow.Change[E]) int { return cmp.Compare(a.Key, b.Key) })
	return changes
}

// sameJSON says whether a and b encode the same.
func sameJSON(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}
