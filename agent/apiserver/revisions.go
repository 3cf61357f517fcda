package apiserver

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"
	appsv1 "k8s.io/api/apps/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/manifest"
)

// deploymentRecord is the leader's rollout record of a Deployment (its revisions), and
// whether the Deployment exists.
func (a *Server) deploymentRecord(ns, name string) (rec store.Rollout, recorded, exists bool) {
	key := ns + "/" + name
	a.view.Read(func(st *store.State, _ uint64) {
		_, exists = st.Deployments[key]
		rec, recorded = st.Rollouts[key]
	})
	return rec, recorded, exists
}

// listRevisions answers a Deployment's revisions, oldest first, as kubectl rollout
// history lists them.
func (a *Server) listRevisions(c echo.Context) error {
	ns, name := c.Param("namespace"), c.Param("name")
	rec, _, exists := a.deploymentRecord(ns, name)
	if !exists {
		return echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("deployments.apps %q not found in namespace %s", name, ns))
	}
	return c.JSON(http.StatusOK, revisionList(rec))
}

// revisionList is a record's revisions in the API's shape.
func revisionList(rec store.Rollout) api.RevisionList {
	out := api.RevisionList{Items: []api.Revision{}}
	for _, r := range rec.Revisions {
		out.Items = append(out.Items, api.Revision{Number: r.Number, Current: r.Hash == rec.Hash, ChangeCause: r.ChangeCause, Template: r.Template})
	}
	return out
}

// rollbackRevision picks the revision a rollback goes to: to, or when to is 0 the newest
// revision other than the current one, as kubectl rollout undo picks it. The errors are
// kubectl's.
func rollbackRevision(rec store.Rollout, name string, to int64) (store.Revision, error) {
	if to < 0 {
		return store.Revision{}, echo.NewHTTPError(http.StatusBadRequest, fmt.Sprintf("revision %d: want a revision number, or 0 for the previous one", to))
	}
	var best store.Revision
	for _, r := range rec.Revisions {
		switch {
		case to != 0 && r.Number == to:
			return r, nil
		case to == 0 && r.Hash != rec.Hash && r.Number > best.Number:
			best = r
		}
	}
	if to != 0 {
		return store.Revision{}, echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("unable to find specified revision %d in history", to))
	}
	if best.Number == 0 {
		return store.Revision{}, echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("no rollout history found for deployment %q", name))
	}
	return best, nil
}

// rollbackDeployment puts a revision's template back into a Deployment, as kubectl
// rollout undo does: the spec's template only, the rest as it is. The leader then rolls
// it out as any template change, and numbers it as the newest revision. A template that
// already is the revision's is left alone, and the answer says so.
func (a *Server) rollbackDeployment(c echo.Context) error {
	ns, name := c.Param("namespace"), c.Param("name")
	var req api.RollbackRequest
	if err := json.NewDecoder(c.Request().Body).Decode(&req); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "read the rollback request: "+err.Error())
	}
	rec, _, exists := a.deploymentRecord(ns, name)
	if !exists {
		return echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("deployments.apps %q not found in namespace %s", name, ns))
	}
	rev, err := rollbackRevision(rec, name, req.ToRevision)
	if err != nil {
		return err
	}
	same := false
	res, err := a.updateObject(c, "Deployment", ns, name, func(stored []byte) ([]byte, error) {
		var d appsv1.Deployment
		if err := json.Unmarshal(stored, &d); err != nil {
			return nil, fmt.Errorf("decode deployment %s/%s: %w", ns, name, err)
		}
		same = manifest.TemplateHash(&d.Spec.Template) == manifest.TemplateHash(&rev.Template)
		d.Spec.Template = *rev.Template.DeepCopy()
		return json.Marshal(&d)
	})
	if err != nil {
		return err
	}
	switch {
	case same:
		res.Result = fmt.Sprintf("skipped rollback (current template already matches revision %d)", rev.Number)
	default:
		res.Result = "rolled back"
		a.log.Info("deployment rolled back", "deployment", ns+"/"+name, "toRevision", rev.Number)
	}
	return c.JSON(http.StatusOK, res)
}
