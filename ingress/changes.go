package ingress

import (
	"encoding/json"
	"log/slog"
	"sort"
)

// logChanges logs which Ingresses and Services changed between two states, and the ready
// endpoints of the changed Services.
func logChanges(log *slog.Logger, old, cur *State) {
	oldIng, curIng := map[string]string{}, map[string]string{}
	for _, in := range old.Ingresses {
		b, _ := json.Marshal(in.Spec)
		oldIng[in.Namespace+"/"+in.Name] = string(b)
	}
	for _, in := range cur.Ingresses {
		b, _ := json.Marshal(in.Spec)
		curIng[in.Namespace+"/"+in.Name] = string(b)
	}
	for _, k := range sortedUnion(oldIng, curIng) {
		o, inOld := oldIng[k]
		c, inCur := curIng[k]
		switch {
		case !inOld:
			log.Info("ingress added", "ingress", k)
		case !inCur:
			log.Info("ingress removed", "ingress", k)
		case o != c:
			log.Info("ingress changed", "ingress", k)
		}
	}
	oldSvc, curSvc := map[string]string{}, map[string]string{}
	ready := map[string]int{}
	for _, s := range old.Services {
		b, _ := json.Marshal(s)
		oldSvc[s.Namespace+"/"+s.Name] = string(b)
	}
	for _, s := range cur.Services {
		b, _ := json.Marshal(s)
		k := s.Namespace + "/" + s.Name
		curSvc[k] = string(b)
		for _, ep := range s.Endpoints {
			if ep.Ready {
				ready[k]++
			}
		}
	}
	for _, k := range sortedUnion(oldSvc, curSvc) {
		o, inOld := oldSvc[k]
		c, inCur := curSvc[k]
		switch {
		case !inCur:
			log.Info("service removed", "service", k)
		case !inOld || o != c:
			log.Info("service endpoints changed", "service", k, "ready", ready[k])
		}
	}
}

func sortedUnion(a, b map[string]string) []string {
	var keys []string
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}
