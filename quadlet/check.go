package quadlet

import (
	"fmt"
	"strings"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// Check renders one pod of every Deployment and every bare Pod of a manifest with opts, so
// that a manifest a node could not run is refused when it is applied, not later on the node.
// The replicas of a Deployment differ only in their names, so one stands for all.
func Check(set *manifest.Set, opts Options) error {
	var errs manifest.Errors
	for _, o := range set.Objects {
		var pod manifest.Pod
		switch {
		case o.Deployment != nil:
			pod = manifest.DeploymentPod(o.Deployment, 0)
		case o.Pod != nil:
			pod = manifest.BarePod(o.Pod)
		default:
			continue
		}
		if _, err := Render(pod, opts); err != nil {
			field, reason, _ := strings.Cut(err.Error(), ": ")
			if o.Deployment != nil {
				// The renderer speaks of the pod; the user wrote its template.
				field = strings.Replace(field, "spec.", "spec.template.spec.", 1)
				field = strings.Replace(field, "metadata.", "spec.template.metadata.", 1)
			}
			errs = append(errs, &manifest.Error{Source: o.Source, Field: field,
				Reason: fmt.Sprintf("cannot run on a node: %s", reason)})
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}
