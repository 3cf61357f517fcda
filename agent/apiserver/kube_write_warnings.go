package apiserver

import (
	"strings"

	"github.com/labstack/echo/v4"
	utilnet "k8s.io/apimachinery/pkg/util/net"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// objectWarnings are the warnings about the one object of set without the manifest's
// words for where it stands ("deployments.apps/web: document 1 (Deployment web): "):
// the request names it already.
func objectWarnings(set *manifest.Set, warnings []string) []string {
	out := make([]string, len(warnings))
	for i, w := range warnings {
		out[i] = w
		if len(set.Objects) == 1 {
			out[i] = strings.TrimPrefix(w, set.Objects[0].Source.String()+": ")
		}
	}
	return out
}

// addWarnings sends each warning as Kubernetes does, in a `Warning: 299 - "..."` header,
// which kubectl prints.
func addWarnings(c echo.Context, warnings []string) {
	for _, w := range warnings {
		h, err := utilnet.NewWarningHeader(299, "-", w)
		if err != nil {
			continue // a warning that cannot be a header is dropped, never the answer
		}
		c.Response().Header().Add("Warning", h)
	}
}
