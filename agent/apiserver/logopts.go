package apiserver

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/podman-swarm/podman-swarm/reconcile"
)

// logOptions reads a logs request's query, with the names of Kubernetes' PodLogOptions:
// follow, tailLines, sinceSeconds or sinceTime (RFC 3339), timestamps. now is what
// sinceSeconds counts back from.
func logOptions(q url.Values, now time.Time) (reconcile.LogOptions, error) {
	var o reconcile.LogOptions
	var err error
	if o.Follow, err = boolParam(q, "follow"); err != nil {
		return o, err
	}
	if o.Timestamps, err = boolParam(q, "timestamps"); err != nil {
		return o, err
	}
	if s := q.Get("tailLines"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return o, fmt.Errorf("tailLines: Invalid value: %q: must be greater than or equal to 0", s)
		}
		o.Tail = &n
	}
	seconds, at := q.Get("sinceSeconds"), q.Get("sinceTime")
	switch {
	case seconds != "" && at != "":
		return o, fmt.Errorf("sinceSeconds, sinceTime: at most one of them may be set")
	case seconds != "":
		n, err := strconv.ParseInt(seconds, 10, 64)
		if err != nil || n < 1 {
			return o, fmt.Errorf("sinceSeconds: Invalid value: %q: must be greater than 0", seconds)
		}
		o.Since = now.Add(-time.Duration(n) * time.Second)
	case at != "":
		t, err := time.Parse(time.RFC3339, at)
		if err != nil {
			return o, fmt.Errorf("sinceTime: Invalid value: %q: must be an RFC 3339 time", at)
		}
		o.Since = t
	}
	return o, nil
}

func boolParam(q url.Values, name string) (bool, error) {
	s := q.Get(name)
	if s == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, fmt.Errorf("%s: Invalid value: %q: must be true or false", name, s)
	}
	return b, nil
}

// requestLogOptions is logOptions of a request, a bad one answered 400.
func requestLogOptions(c echo.Context) (reconcile.LogOptions, error) {
	o, err := logOptions(c.QueryParams(), time.Now())
	if err != nil {
		return o, echo.NewHTTPError(http.StatusBadRequest, "the log options are invalid: "+err.Error())
	}
	return o, nil
}
