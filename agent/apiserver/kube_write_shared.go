package apiserver

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podman-swarm/podman-swarm/api"
)

// The project's routes whose paths Kubernetes has too (DELETE of a namespace, of a node)
// answer both their clients: the swarm CLI, which reads the project's fields, and kubectl,
// which reads Kubernetes' objects and Statuses. Their answers hold both, side by side:
// neither's fields are named as the other's.

// answerNamespaceDeleting answers the delete of a namespace as the API server does, with
// the Namespace as it now is (marked Terminating, stored as value), and with the
// project's result (api.Applied's name and result; its kind is the object's).
func answerNamespaceDeleting(c echo.Context, name string, value []byte) error {
	var obj map[string]any
	if err := json.Unmarshal(value, &obj); err != nil {
		return apierrors.NewInternalError(fmt.Errorf("decode the namespace: %w", err))
	}
	obj["name"], obj["result"] = name, "deleted"
	return c.JSON(http.StatusOK, obj)
}

// nodeRemoved is the answer to the removal of a node: the API server's Status of a
// deleted Node, and the project's account of the removal.
type nodeRemoved struct {
	metav1.Status
	api.NodeRemoval
}

// nodeRemovedAnswer is the answer to the removal r.
func nodeRemovedAnswer(r api.NodeRemoval) nodeRemoved {
	return nodeRemoved{
		Status: metav1.Status{
			TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Status"},
			Status:   metav1.StatusSuccess,
			Details:  &metav1.StatusDetails{Name: r.Name, Kind: "nodes"},
		},
		NodeRemoval: r,
	}
}
