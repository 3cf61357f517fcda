package quadlet

import (
	"errors"
	"fmt"
	"strings"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// Check renders one pod of every workload (see podOf) of a manifest with opts, so
// that a manifest a node could not run is refused when it is applied, not later on the node.
// The replicas of a Deployment differ only in their names, so one stands for all. A pod that
// only lacks a ConfigMap or Secret passes: it waits for it, as in Kubernetes.
func Check(set *manifest.Set, opts Options) error {
	var errs manifest.Errors
	for _, o := range set.Objects {
		pod, ok := podOf(o)
		if !ok {
			continue
		}
		_, err := Render(pod, opts)
		var missing *MissingError
		if errors.As(err, &missing) {
			// The ConfigMap or Secret may be applied later: the pod waits for it.
			continue
		}
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) {
				// Render only fails with a FieldError; anything else is about the whole object.
				fe = &FieldError{Reason: err.Error()}
			}
			errs = append(errs, &manifest.Error{Source: o.Source, Field: writtenField(o, fe.Field),
				Reason: "cannot run on a node: " + fe.Reason})
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// podOf is the pod that stands for an object's pods in Check and Warnings: one of a
// workload's (its replicas differ only in their names), or a bare Pod; false for an object
// that makes no pod.
func podOf(o manifest.Object) (manifest.Pod, bool) {
	switch {
	case o.Deployment != nil:
		return manifest.DeploymentPod(o.Deployment, 0), true
	case o.Pod != nil:
		return manifest.BarePod(o.Pod), true
	case o.DaemonSet != nil:
		return manifest.DaemonSetPod(o.DaemonSet, o.DaemonSet.Spec.Template.Spec.NodeName, nil), true
	case o.StatefulSet != nil:
		return manifest.StatefulSetPod(o.StatefulSet, 0, nil), true
	case o.Job != nil, o.CronJob != nil:
		return manifest.JobTemplatePod(o), true
	}
	return manifest.Pod{}, false
}

// writtenField is where the user wrote the pod field at path in object o: in a workload's
// pod template (a CronJob's, in its Job template), or in the Pod itself.
func writtenField(o manifest.Object, path string) string {
	switch {
	case o.CronJob != nil:
		return "spec.jobTemplate." + templateField(path)
	case o.Pod != nil:
		return path
	}
	return templateField(path)
}

// templateField turns the path of a pod's field into the path of the Deployment's field
// the user wrote it in: the renderer speaks of the pod, the user wrote its template.
func templateField(field string) string {
	for _, part := range []string{"spec.", "metadata."} {
		if rest, ok := strings.CutPrefix(field, part); ok {
			return "spec.template." + part + rest
		}
	}
	return field
}

// Warnings renders one pod of every workload (see podOf) of a manifest with opts,
// as Check does, and returns the fields Render ignores or skips, named as the user wrote
// them ("app.yaml: document 1 (Deployment web): spec.template.spec...: not supported,
// ignored"), so that they are seen when the manifest is applied, not only in a node's log.
// opts.Config, when nil, is the manifest's own ConfigMaps and Secrets.
func Warnings(set *manifest.Set, opts Options) []string {
	if opts.Config == nil {
		opts.Config = manifest.ConfigObjectsOf(set)
	}
	var out []string
	for _, o := range set.Objects {
		pod, ok := podOf(o)
		if !ok {
			continue
		}
		res, _ := Render(pod, opts)
		for _, w := range res.Warnings {
			out = append(out, fmt.Sprintf("%s: %s: %s", o.Source, writtenField(o, w.Path), w.Message))
		}
	}
	return out
}
