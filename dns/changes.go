package dns

import (
	"fmt"
	"log/slog"
	"reflect"
	"strings"

	"github.com/podman-swarm/podman-swarm/discovery"
	"github.com/podman-swarm/podman-swarm/internal/follow"
)

// logChanges logs each Service added, removed or whose ready addresses changed.
func logChanges(log *slog.Logger, before, after []discovery.Service) {
	sameReady := func(a, b discovery.Service) bool { return reflect.DeepEqual(readyAddrs(a), readyAddrs(b)) }
	for _, c := range follow.Diff(before, after, serviceKey, sameReady) {
		switch c.Kind {
		case follow.Added:
			log.Info("service added", "service", c.Key, "ready", readyAddrs(c.New))
		case follow.Changed:
			log.Info("service endpoints changed", "service", c.Key, "ready", readyAddrs(c.New), "before", readyAddrs(c.Old))
		case follow.Removed:
			log.Info("service removed", "service", c.Key)
		}
	}
}

// serviceKey is "namespace/name".
func serviceKey(s discovery.Service) string { return s.Namespace + "/" + s.Name }

// readyAddrs lists "node=address:port,..." of the ready endpoints, for the log.
func readyAddrs(s discovery.Service) []string {
	out := []string{}
	for _, ep := range s.Endpoints {
		if !ep.Ready {
			continue
		}
		ports := make([]string, 0, len(ep.Ports))
		for _, p := range ep.Ports {
			ports = append(ports, fmt.Sprint(p.Port))
		}
		out = append(out, ep.Node+"="+ep.Address+":"+strings.Join(ports, ","))
	}
	return out
}
