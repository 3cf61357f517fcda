package quadlet

import (
	"errors"
	"fmt"
	"strings"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// Check renders one pod of every Deployment and DaemonSet and every bare Pod of a manifest with opts, so
// that a manifest a node could not run is refused when it is applied, not later on the node.
// The replicas of a Deployment differ only in their names, so one stands for all. A pod that
// only lacks a ConfigMap or Secret passes: it waits for it, as in Kubernetes.
func Check(set *manifest.Set, opts Options) error {
	var errs manifest.Errors
	for _, o := range set.Objects {
		var pod manifest.Pod
		switch {
		case o.Deployment != nil:
			pod = manifest.DeploymentPod(o.Deployment, 0)
		case o.Pod != nil:
			pod = manifest.BarePod(o.Pod)
		case o.DaemonSet != nil:
			pod = manifest.DaemonSetPod(o.DaemonSet, o.DaemonSet.Spec.Template.Spec.NodeName, nil)
		case o.StatefulSet != nil:
			pod = manifest.StatefulSetPod(o.StatefulSet, 0, nil)
		case o.Job != nil, o.CronJob != nil:
			pod = manifest.JobTemplatePod(o)
		default:
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
			field := fe.Field
			if o.Deployment != nil || o.DaemonSet != nil || o.StatefulSet != nil || o.Job != nil {
				field = templateField(field)
			}
			if o.CronJob != nil {
				field = "spec.jobTemplate." + templateField(field)
			}
			errs = append(errs, &manifest.Error{Source: o.Source, Field: field,
				Reason: "cannot run on a node: " + fe.Reason})
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
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

// Warnings renders one pod of every Deployment and DaemonSet and every bare Pod of a manifest with opts,
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
		var pod manifest.Pod
		switch {
		case o.Deployment != nil:
			pod = manifest.DeploymentPod(o.Deployment, 0)
		case o.Pod != nil:
			pod = manifest.BarePod(o.Pod)
		case o.DaemonSet != nil:
			pod = manifest.DaemonSetPod(o.DaemonSet, o.DaemonSet.Spec.Template.Spec.NodeName, nil)
		case o.StatefulSet != nil:
			pod = manifest.StatefulSetPod(o.StatefulSet, 0, nil)
		case o.Job != nil, o.CronJob != nil:
			pod = manifest.JobTemplatePod(o)
		default:
			continue
		}
		res, _ := Render(pod, opts)
		for _, w := range res.Warnings {
			path := w.Path
			if o.Deployment != nil || o.DaemonSet != nil || o.StatefulSet != nil || o.Job != nil {
				path = templateField(path)
			}
			if o.CronJob != nil {
				path = "spec.jobTemplate." + templateField(path)
			}
			out = append(out, fmt.Sprintf("%s: %s: %s", o.Source, path, w.Message))
		}
	}
	return out
}
