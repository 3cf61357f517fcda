package apiserver

import (
	"fmt"

	"github.com/podman-swarm/podman-swarm/ingress"
	"github.com/podman-swarm/podman-swarm/manifest"
)

// ingressClassWarnings warn of each Ingress of set whose class the nodes' ingress does not
// serve as it is packaged: accepted, it would be routed only by a swarm ingress started
// with --class naming that class, which the API cannot see.
func ingressClassWarnings(set *manifest.Set) []string {
	class := ingress.DefaultConfig().Class
	var out []string
	for _, o := range set.Objects {
		in := o.Ingress
		if in == nil || ingress.Selected(in, class) {
			continue
		}
		field, name := "metadata.annotations[kubernetes.io/ingress.class]", in.Annotations["kubernetes.io/ingress.class"]
		if in.Spec.IngressClassName != nil {
			field, name = "spec.ingressClassName", *in.Spec.IngressClassName
		}
		out = append(out, fmt.Sprintf("%s: %s: class %q is not %q, the class swarm ingress serves by default: only a swarm ingress started with --class %s routes it",
			o.Source, field, name, class, name))
	}
	return out
}
