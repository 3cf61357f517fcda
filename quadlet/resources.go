package quadlet

import (
	"fmt"
	"slices"
	"strconv"

	corev1 "k8s.io/api/core/v1"
)

// resourceArgs turns the container's limits into podman arguments. Quadlet 5.4 has no
// Memory= or CPU key in [Container], so they go in PodmanArgs=.
func (r *renderer) resourceArgs(c *corev1.Container, p string) ([]string, error) {
	rp := p + ".resources"
	if err := r.checkFields(rp, &c.Resources, resourcesRules); err != nil {
		return nil, err
	}
	names := make([]string, 0, len(c.Resources.Limits))
	for n := range c.Resources.Limits {
		names = append(names, string(n))
	}
	slices.Sort(names)
	var args []string
	for _, n := range names {
		q := c.Resources.Limits[corev1.ResourceName(n)]
		lp := fmt.Sprintf("%s.limits[%s]", rp, n)
		switch corev1.ResourceName(n) {
		case corev1.ResourceMemory:
			if q.Value() <= 0 {
				return nil, fieldError(lp, "%s is not a positive size", q.String())
			}
			args = append(args, "--memory="+strconv.FormatInt(q.Value(), 10))
		case corev1.ResourceCPU:
			if q.MilliValue() <= 0 {
				return nil, fieldError(lp, "%s is not a positive number of CPUs", q.String())
			}
			args = append(args, "--cpus="+strconv.FormatFloat(float64(q.MilliValue())/1000, 'f', -1, 64))
		default:
			r.warn(lp, unsupportedIgnored)
		}
	}
	return args, nil
}
