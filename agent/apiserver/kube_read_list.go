package apiserver

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/podman-swarm/podman-swarm/agent/kubeapi"
	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/agent/view"
)

// list answers the objects of r, or with ?watch=true watches them: in the path's
// namespace, in every namespace (/api/v1/pods: ?namespace= narrows it to one, as the
// project's clients ask), or of a kind in none. shared says the path is one the project's
// own clients read too (/api/v1/pods), whose watches keep the project's protocol.
func (k *kubeReader) list(r kubeapi.Resource, shared bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		f, err := listFilter(c, r.View)
		if err != nil {
			return err
		}
		f.Namespace = kubeNamespace(c, r)
		watch, err := watchParam(c)
		if err != nil {
			return err
		}
		if watch {
			return k.watch(c, r, f, shared)
		}
		neg, err := negotiate(c.Request().Header.Get(echo.HeaderAccept))
		if err != nil {
			return err
		}
		if err := checkListVersion(c.QueryParams(), k.a.view.Version()); err != nil {
			return err
		}
		items, version, err := k.items(c, r, f)
		if err != nil {
			return err
		}
		return k.answerList(c, r, neg, version, items)
	}
}

// kubeNamespace is the namespace a list is of: the path's, else ?namespace= for a
// namespaced kind, "" (every one) without it and for a kind in none.
func kubeNamespace(c echo.Context, r kubeapi.Resource) string {
	if !r.Namespaced {
		return ""
	}
	if ns := c.Param("namespace"); ns != "" {
		return ns
	}
	return c.QueryParam("namespace")
}

// items are the objects f keeps, encoded, and the version they are at. While the leader
// cannot write its store, pods and Deployments are read from the whole store, as the
// project's lists read them (see holdsBack), so that those it holds back show why.
func (k *kubeReader) items(c echo.Context, r kubeapi.Resource, f view.Filter) ([][]byte, uint64, error) {
	a := k.a
	if (r.View == view.Pods || r.View == view.Deployments) && a.holdsBack(c) {
		version := a.view.Version()
		st := store.Read(a.node, a.log)
		objs := a.podViews(st, f.Namespace)
		if r.View == view.Deployments {
			objs = a.deploymentViews(st, f.Namespace)
		}
		var out [][]byte
		for _, o := range objs {
			if m, ok := o.(metav1.Object); ok && f.Labels != nil && !f.Labels.Matches(labels.Set(m.GetLabels())) {
				continue
			}
			data, err := json.Marshal(o)
			if err != nil {
				return nil, 0, fmt.Errorf("encode an object: %w", err)
			}
			out = append(out, data)
		}
		return out, version, nil
	}
	items, version := a.view.List(r.View, f)
	return items, version, nil
}

// answerList answers the page of items the request asks for, in the form it accepts.
func (k *kubeReader) answerList(c echo.Context, r kubeapi.Resource, neg negotiated, version uint64, items [][]byte) error {
	q := c.QueryParams()
	page, meta, err := k.pages.page(listQuery(c), q.Get("limit"), q.Get("continue"), version, items, time.Now())
	if err != nil {
		return err
	}
	var body []byte
	switch neg.form {
	case formTable:
		include, err := includeParam(q.Get("includeObject"))
		if err != nil {
			return err
		}
		p, _ := kubeapi.PrinterFor(r.Name)
		t, err := tableOf(p, neg.version, meta, page, include, time.Now())
		if err != nil {
			return err
		}
		if body, err = json.Marshal(t); err != nil {
			return fmt.Errorf("encode a table: %w", err)
		}
	case formMetadata:
		body, err = metadataListBody(neg.version, meta, page)
	default:
		body, err = kubeListBody(r.GroupVersion(), r.Kind+"List", meta, page)
	}
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, body)
}

// listQuery is what a list is of, for its continue tokens: the path and the query but
// for what only chooses the page and its form.
func listQuery(c echo.Context) string {
	q := url.Values{}
	for k, v := range c.QueryParams() {
		if !slices.Contains([]string{"limit", "continue", "includeObject", "resourceVersion", "resourceVersionMatch", "timeoutSeconds"}, k) {
			q[k] = v
		}
	}
	return c.Request().URL.Path + "?" + q.Encode()
}

// checkListVersion checks a list's ?resourceVersion= and ?resourceVersionMatch= as the API
// server does. The view answers its current objects: that is any version (none, "0"), and
// one not older than a version this node gave up to now; a version it has not reached is
// 504 "Too large resource version", an exact version that is not the current one 410
// Expired (the view keeps no older lists).
func checkListVersion(q url.Values, current uint64) error {
	rv, match := q.Get("resourceVersion"), q.Get("resourceVersionMatch")
	bad := func(msg string) error {
		return newStatusError(http.StatusBadRequest, metav1.StatusReasonBadRequest, msg)
	}
	switch {
	case match != "" && rv == "":
		return bad("resourceVersionMatch is forbidden unless resourceVersion is provided")
	case rv != "" && q.Get("continue") != "":
		return bad("specifying resource version is not allowed when using continue")
	case match != "" && match != string(metav1.ResourceVersionMatchNotOlderThan) && match != string(metav1.ResourceVersionMatchExact):
		return bad(fmt.Sprintf("resourceVersionMatch %q: want NotOlderThan or Exact", match))
	case rv == "":
		return nil
	case rv == "0":
		if match == string(metav1.ResourceVersionMatchExact) {
			return bad(`resourceVersionMatch "exact" is forbidden for resourceVersion "0"`)
		}
		return nil
	}
	n, err := strconv.ParseUint(rv, 10, 64)
	if err != nil {
		return bad(fmt.Sprintf("resourceVersion %q: not a resource version this API gave", rv))
	}
	switch {
	case n > current:
		return tooLargeVersion(n, current)
	case match == string(metav1.ResourceVersionMatchExact) && n != current:
		return apierrors.NewResourceExpired(fmt.Sprintf("too old resource version: %d (%d)", n, current))
	}
	return nil
}

// tooLargeVersion is the API server's answer to a version it has not reached: a Timeout
// that says why, which clients take as "list again from any version".
func tooLargeVersion(asked, current uint64) *apierrors.StatusError {
	err := newStatusError(http.StatusGatewayTimeout, metav1.StatusReasonTimeout,
		fmt.Sprintf("Too large resource version: %d, current: %d", asked, current))
	err.ErrStatus.Details = &metav1.StatusDetails{RetryAfterSeconds: 1, Causes: []metav1.StatusCause{
		{Type: metav1.CauseTypeResourceVersionTooLarge, Message: "Too large resource version"}}}
	return err
}
