package apiserver

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/podman-swarm/podman-swarm/agent/kubeapi"
	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/agent/view"
)

// get answers one object of r, named by the path, in the form the request accepts.
func (k *kubeReader) get(r kubeapi.Resource) echo.HandlerFunc {
	return func(c echo.Context) error {
		neg, err := negotiate(c.Request().Header.Get(echo.HeaderAccept))
		if err != nil {
			return err
		}
		ns, name := c.Param("namespace"), c.Param("name")
		data, ok, err := k.object(c, r, ns, name)
		if err != nil {
			return err
		}
		if !ok {
			return apierrors.NewNotFound(schema.GroupResource{Group: r.Group, Resource: r.Name}, name)
		}
		return answerObject(c, r, neg, data)
	}
}

// object is the encoded object of r under ns/name (name alone for a kind in no namespace).
// While the leader cannot write its store, a Deployment or a pod is read from the whole
// store, as its list is.
func (k *kubeReader) object(c echo.Context, r kubeapi.Resource, ns, name string) ([]byte, bool, error) {
	a := k.a
	if (r.View == view.Pods || r.View == view.Deployments) && a.holdsBack(c) {
		st := store.Read(a.node, a.log)
		objs := a.podViews(st, ns)
		if r.View == view.Deployments {
			objs = a.deploymentViews(st, ns)
		}
		for _, o := range objs {
			if m, ok := o.(metav1.Object); ok && m.GetName() == name {
				data, err := json.Marshal(o)
				if err != nil {
					return nil, false, fmt.Errorf("encode an object: %w", err)
				}
				return data, true, nil
			}
		}
		return nil, false, nil
	}
	key := name
	if r.Namespaced {
		key = ns + "/" + name
	}
	o, ok := a.view.Get(r.View, key)
	if !ok {
		return nil, false, nil
	}
	return o.JSON, true, nil
}

// answerObject answers one encoded object as the request accepts it: itself, a Table of
// one row, or its metadata.
func answerObject(c echo.Context, r kubeapi.Resource, neg negotiated, data []byte) error {
	var body []byte
	switch neg.form {
	case formTable:
		include, err := includeParam(c.QueryParam("includeObject"))
		if err != nil {
			return err
		}
		p, _ := kubeapi.PrinterFor(r.Name)
		t, err := tableOf(p, neg.version, metav1.ListMeta{}, [][]byte{data}, include, time.Now())
		if err != nil {
			return err
		}
		if body, err = json.Marshal(t); err != nil {
			return fmt.Errorf("encode a table: %w", err)
		}
	case formMetadata:
		var err error
		if body, err = partialMetadata(data, neg.version); err != nil {
			return err
		}
	default:
		body = data[:len(data):len(data)]
	}
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, append(body, '\n'))
}
