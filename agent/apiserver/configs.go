package apiserver

import (
	"github.com/labstack/echo/v4"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/agent/view"
	"github.com/podman-swarm/podman-swarm/manifest"
)

func (a *Server) getConfigMap(c echo.Context) error {
	return a.serveObject(c, view.ConfigMaps, "configmap")
}

func (a *Server) getSecret(c echo.Context) error { return a.serveObject(c, view.Secrets, "secret") }

// checkImmutable refuses, as the API server does, the update of a ConfigMap or Secret that
// is stored immutable, and a change of a Secret's type; nothing of the manifest is applied.
func checkImmutable(st *store.State, set *manifest.Set) manifest.Errors {
	var errs manifest.Errors
	for _, o := range set.Objects {
		m := o.Meta()
		key := m.Namespace + "/" + m.Name
		switch {
		case o.ConfigMap != nil:
			if old, ok := st.ConfigMaps[key]; ok {
				errs = append(errs, manifest.FieldErrors(o.Source, manifest.ValidateConfigMapUpdate(o.ConfigMap, old))...)
			}
		case o.Secret != nil:
			if old, ok := st.Secrets[key]; ok {
				errs = append(errs, manifest.FieldErrors(o.Source, manifest.ValidateSecretUpdate(o.Secret, old))...)
			}
		case o.Job != nil:
			if old, ok := st.Jobs[key]; ok {
				errs = append(errs, manifest.FieldErrors(o.Source, manifest.ValidateJobUpdate(o.Job, old))...)
			}
		}
	}
	return errs
}
