package apiserver

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podman-swarm/podman-swarm/reconcile"
)

// kubeLogRequest is what a log request of the compatible API asks for.
type kubeLogRequest struct {
	container string
	opts      reconcile.LogOptions
	// limitBytes ends the log after that many bytes; 0: no limit.
	limitBytes int64
}

// kubeLogOptions reads a log request's query, with the names and the rules of Kubernetes'
// PodLogOptions: a value that is no number or time answers 400, one out of its range 422
// (Invalid), as the API server does. now is what sinceSeconds counts back from.
// previous=true answers 400: a container's log here is one, its restarts included (the
// journal keeps every run under the container's name), so there is no previous one apart.
func kubeLogOptions(pod string, q url.Values, now time.Time) (kubeLogRequest, error) {
	r := kubeLogRequest{container: q.Get("container")}
	r.opts.Follow = streamBool(q, "follow")
	r.opts.Timestamps = streamBool(q, "timestamps")
	if streamBool(q, "previous") {
		return r, apierrors.NewBadRequest(fmt.Sprintf("previous=true is not supported: the log of container %q of pod %s holds all its runs, "+
			"restarts included; ask without previous for it", r.container, pod))
	}
	tail, err := streamInt64(q, "tailLines")
	if err != nil {
		return r, err
	}
	since, err := streamInt64(q, "sinceSeconds")
	if err != nil {
		return r, err
	}
	limit, err := streamInt64(q, "limitBytes")
	if err != nil {
		return r, err
	}
	var sinceTime *time.Time
	if s := q.Get("sinceTime"); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return r, apierrors.NewBadRequest(fmt.Sprintf("sinceTime: %q is not an RFC 3339 time: %v", s, err))
		}
		sinceTime = &t
	}
	var errs field.ErrorList
	if tail != nil && *tail < 0 {
		errs = append(errs, field.Invalid(field.NewPath("tailLines"), *tail, "must be greater than or equal to 0"))
	}
	if limit != nil && *limit < 1 {
		errs = append(errs, field.Invalid(field.NewPath("limitBytes"), *limit, "must be greater than 0"))
	}
	switch {
	case since != nil && sinceTime != nil:
		errs = append(errs, field.Forbidden(field.NewPath(""), "at most one of `sinceTime` or `sinceSeconds` may be specified"))
	case since != nil && *since < 1:
		errs = append(errs, field.Invalid(field.NewPath("sinceSeconds"), *since, "must be greater than 0"))
	}
	if len(errs) > 0 {
		return r, apierrors.NewInvalid(schema.GroupKind{Kind: "PodLogOptions"}, pod, errs)
	}
	if tail != nil {
		n := int(min(*tail, int64(maxTailLines)))
		r.opts.Tail = &n
	}
	switch {
	case since != nil:
		r.opts.Since = now.Add(-time.Duration(min(*since, maxSinceSeconds)) * time.Second)
	case sinceTime != nil:
		r.opts.Since = *sinceTime
	}
	if limit != nil {
		r.limitBytes = *limit
	}
	return r, nil
}

// Bounds that keep a huge tailLines or sinceSeconds from overflowing: no journal holds more
// lines, or goes further back, than these.
const (
	maxTailLines    = 1 << 30
	maxSinceSeconds = int64(100 * 365 * 24 * 3600)
)

// streamBool reads a flag of the query as the API server does: absent, "false" or "0" is
// false, any other value (an empty one too) true.
func streamBool(q url.Values, name string) bool {
	v, ok := q[name]
	if !ok || len(v) == 0 {
		return false
	}
	return v[0] != "0" && !strings.EqualFold(v[0], "false")
}

// streamInt64 reads an integer of the query; nil when it is absent, 400 when it is no
// integer.
func streamInt64(q url.Values, name string) (*int64, error) {
	s := q.Get(name)
	if s == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("%s: %q is not an integer", name, s))
	}
	return &n, nil
}
