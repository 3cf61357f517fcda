package request

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/podman-swarm/podman-swarm/cluster"
)

// Ack reads the ?ack= of a write: how many nodes must hold it before it is answered.
func Ack(c echo.Context) (cluster.Ack, error) {
	ack, err := cluster.ParseAck(c.QueryParam("ack"))
	if err != nil {
		return ack, echo.NewHTTPError(http.StatusBadRequest, err.Error())
	}
	return ack, nil
}

// StoreWriteError answers a write the store did not take as asked: 507 when this node
// could not write it to its disk or the store is full (then nothing changed, as unchanged
// says), 413 for a value over the limit, 503 when it is stored here but no other node
// confirmed it in time, or when the node is shutting down.
func StoreWriteError(err error, unchanged string) error {
	switch {
	case errors.Is(err, cluster.ErrNotPersisted), errors.Is(err, cluster.ErrStoreFull):
		return echo.NewHTTPError(http.StatusInsufficientStorage, err.Error()+"; "+unchanged)
	case errors.Is(err, cluster.ErrTooLarge):
		return echo.NewHTTPError(http.StatusRequestEntityTooLarge, err.Error()+"; "+unchanged)
	default:
		return echo.NewHTTPError(http.StatusServiceUnavailable, err.Error())
	}
}
