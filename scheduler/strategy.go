package scheduler

import (
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// rollout is how a Deployment replaces the pods of an older template.
type rollout struct {
	// paused is spec.paused: the Deployment keeps the pods it has, of whatever template.
	paused      bool
	recreate    bool
	surge       int // pods the rollout may run above replicas
	unavailable int // available pods the rollout may lose below replicas
}

// defaultRollingBound is Kubernetes' default for both maxSurge and maxUnavailable.
var defaultRollingBound = intstr.FromString("25%")

// rolloutOf reads a Deployment's strategy the way Kubernetes' deployment controller does:
// maxSurge rounds up, maxUnavailable rounds down and is capped at replicas, and when both
// come out as 0 one pod may be unavailable, so that a rollout can always progress.
func rolloutOf(d *appsv1.Deployment, replicas int) rollout {
	if d.Spec.Strategy.Type == appsv1.RecreateDeploymentStrategyType {
		return rollout{recreate: true, paused: d.Spec.Paused}
	}
	surge, unavailable := &defaultRollingBound, &defaultRollingBound
	if ru := d.Spec.Strategy.RollingUpdate; ru != nil {
		if ru.MaxSurge != nil {
			surge = ru.MaxSurge
		}
		if ru.MaxUnavailable != nil {
			unavailable = ru.MaxUnavailable
		}
	}
	r := rollout{
		paused:      d.Spec.Paused,
		surge:       scaled(surge, replicas, true),
		unavailable: scaled(unavailable, replicas, false),
	}
	if r.surge == 0 && r.unavailable == 0 {
		r.unavailable = 1
	}
	r.unavailable = min(r.unavailable, replicas)
	return r
}

// scaled resolves an int-or-percent bound against replicas. Validation refuses values that
// do not parse; should one slip through, the default bound applies rather than none.
func scaled(v *intstr.IntOrString, replicas int, roundUp bool) int {
	n, err := intstr.GetScaledValueFromIntOrPercent(v, replicas, roundUp)
	if err != nil {
		n, _ = intstr.GetScaledValueFromIntOrPercent(&defaultRollingBound, replicas, roundUp)
	}
	return max(n, 0)
}

// MaxUnavailable is how many of a Deployment's replicas may be unavailable while it is
// still minimally available, as Kubernetes' deployment controller counts it for the
// Available condition: the rolling update's maxUnavailable, 0 for Recreate.
func MaxUnavailable(d *appsv1.Deployment) int {
	r := rolloutOf(d, max(manifest.Replicas(d), 0))
	if r.recreate {
		return 0
	}
	return r.unavailable
}
