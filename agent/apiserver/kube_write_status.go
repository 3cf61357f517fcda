package apiserver

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podman-swarm/podman-swarm/agent/kubeapi"
)

// kubeGetStatus answers GET of an object's /status: the object as the view shows it, its
// status made by the cluster (counted from the pods, the leader's and the nodes'
// records), as the API server answers the object there.
func (a *Server) kubeGetStatus(c echo.Context, r kubeapi.Resource) error {
	o, err := a.viewObject(r, c.Param("namespace"), c.Param("name"))
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, o.JSON)
}

// kubeStatusRefused answers PUT and PATCH of a /status: 405, since no status is stored to
// write. The cluster makes each status from what it observes each time it is read, so a
// status written would be replaced at once by what the cluster sees.
func kubeStatusRefused(c echo.Context, r kubeapi.Resource) error {
	return &apierrors.StatusError{ErrStatus: metav1.Status{
		Status: metav1.StatusFailure, Code: http.StatusMethodNotAllowed, Reason: metav1.StatusReasonMethodNotAllowed,
		Details: &metav1.StatusDetails{Name: c.Param("name"), Group: r.Group, Kind: r.Name},
		Message: fmt.Sprintf("the status of %s %q cannot be written: the cluster makes it from what it observes (its pods, and the leader's and the nodes' records)",
			groupResource(r), c.Param("name")),
	}}
}
