package agent

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podman-swarm/podman-swarm/cluster"
	"github.com/podman-swarm/podman-swarm/manifest"
	"github.com/podman-swarm/podman-swarm/quadlet"
)

// APIError is the body of every error answer.
type APIError struct {
	Message string   `json:"message"`
	Details []string `json:"details,omitempty"`
}

// ApplyResult is the answer to an apply.
type ApplyResult struct {
	DryRun  bool      `json:"dryRun,omitempty"`
	Applied []Applied `json:"applied"`
}

func (a *Agent) routes() http.Handler {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = jsonErrorHandler
	// Only the health check answers without a token: load balancers and systemd probes
	// have none, and it tells nothing about the workloads.
	e.GET("/healthz", a.health)
	e.GET("/stats", a.stats, a.authenticate)
	v1 := e.Group("/api/v1", a.authenticate)
	v1.POST("/manifests", a.applyManifest)
	v1.DELETE("/manifests/:namespace/:name", a.deleteObject)
	v1.GET("/pods", a.listPods)
	v1.GET("/pods/:namespace/:name", a.describePod)
	v1.GET("/pods/:namespace/:name/logs", a.podLogs)
	v1.GET("/deployments", a.listDeployments)
	v1.GET("/deployments/:namespace/:name", a.getDeployment)
	v1.GET("/services", a.listServices)
	v1.GET("/services/:namespace/:name", a.getService)
	v1.GET("/services/:namespace/:name/endpoints", a.getServiceEndpoints)
	v1.GET("/services/:namespace/:name/addresses", a.getServiceAddresses)
	v1.GET("/endpoints", a.listEndpoints)
	v1.GET("/ingresses", a.listIngresses)
	v1.GET("/ingresses/:namespace/:name", a.getIngress)
	v1.GET("/nodes", a.listNodes)
	v1.GET("/nodes/:name", a.getNode)
	v1.GET("/join-token", a.getJoinToken)
	v1.POST("/join-token/rotate", a.rotateJoinToken)
	v1.GET("/dns/whitelist", a.getWhitelist)
	v1.PUT("/dns/whitelist", a.putWhitelist)
	v1.POST("/dns/whitelist/hosts", a.addWhitelistHosts)
	v1.DELETE("/dns/whitelist/hosts/:host", a.removeWhitelistHost)
	v1.POST("/tokens", a.createToken)
	v1.GET("/tokens", a.listTokens)
	v1.DELETE("/tokens/:token", a.revokeToken)
	return e
}

// jsonErrorHandler answers every error, including echo's own (404, 405), as JSON.
func jsonErrorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	code, body := http.StatusInternalServerError, APIError{Message: err.Error()}
	var he *echo.HTTPError
	var me manifest.Errors
	switch {
	case errors.As(err, &me):
		code = http.StatusUnprocessableEntity
		if me.Malformed() {
			code = http.StatusBadRequest
		}
		body = APIError{Message: fmt.Sprintf("the manifest was refused: %d problem(s); nothing was applied", len(me))}
		for _, e := range me {
			body.Details = append(body.Details, e.Error())
		}
	case errors.As(err, &he):
		code = he.Code
		body.Message = fmt.Sprint(he.Message)
	}
	_ = c.JSON(code, body)
}

func (a *Agent) health(c echo.Context) error {
	auth := "token"
	if a.cfg.NoAuth {
		auth = "off"
	}
	h := map[string]any{
		"status": "ok", "node": a.cfg.NodeName, "leader": a.node.Leader(), "members": len(a.node.Members()), "auth": auth,
	}
	// A node that cannot write its store refuses every write: not healthy, and says why.
	if err := a.node.StoreError(); err != nil {
		h["status"], h["reason"] = "failing", err.Error()
		return c.JSON(http.StatusServiceUnavailable, h)
	}
	return c.JSON(http.StatusOK, h)
}

// Stats is the answer of /stats: counters an operator or a benchmark reads.
type Stats struct {
	Node                string `json:"node"`
	Leader              string `json:"leader"`
	Members             int    `json:"members"`
	StoreKeys           int    `json:"storeKeys"`
	GossipSentBytes     uint64 `json:"gossipSentBytes"`
	GossipReceivedBytes uint64 `json:"gossipReceivedBytes"`
}

func (a *Agent) stats(c echo.Context) error {
	return c.JSON(http.StatusOK, Stats{
		Node:                a.cfg.NodeName,
		Leader:              a.node.Leader(),
		Members:             len(a.node.Members()),
		StoreKeys:           len(a.node.List("")),
		GossipSentBytes:     a.traffic.SentBytes.Load(),
		GossipReceivedBytes: a.traffic.ReceivedBytes.Load(),
	})
}

// manifestTypes are the media types of a manifest body.
var manifestTypes = []string{"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "application/json", "text/plain"}

func (a *Agent) applyManifest(c echo.Context) error {
	if err := requireContentType(c, manifestTypes...); err != nil {
		return err
	}
	body, err := io.ReadAll(io.LimitReader(c.Request().Body, manifest.MaxBytes+1))
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "read the request body: "+err.Error())
	}
	if len(body) > manifest.MaxBytes {
		return echo.NewHTTPError(http.StatusRequestEntityTooLarge,
			fmt.Sprintf("the manifest is larger than %d MiB; nothing was applied", manifest.MaxBytes>>20))
	}
	name := c.QueryParam("filename")
	if name == "" {
		name = "manifest"
	}
	set, err := manifest.Parse(manifest.Input{Name: name, Data: body})
	if err != nil {
		return err
	}
	if err := quadlet.Check(set, quadlet.Options{}); err != nil {
		return err
	}
	ack, err := cluster.ParseAck(c.QueryParam("ack"))
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, err.Error())
	}
	// Every object must fit in the store before anything is written, in a dry run too.
	for _, o := range set.Objects {
		if size := len(encodeObject(o)); size > cluster.MaxValueBytes {
			m := o.Meta()
			return echo.NewHTTPError(http.StatusRequestEntityTooLarge, fmt.Sprintf(
				"%s %s/%s takes %d bytes once stored, more than the %d an object may take; nothing was applied",
				o.Kind, m.Namespace, m.Name, size, cluster.MaxValueBytes))
		}
	}
	changes, results := applyChanges(set, func(key string) ([]byte, bool) {
		e, ok := a.node.Get(key)
		if !ok || e.Deleted {
			return nil, false
		}
		return e.Value, true
	})
	dryRun := c.QueryParam("dryRun") == "true"
	if !dryRun && len(changes) > 0 {
		writes := make([]cluster.Change, len(changes))
		for i, ch := range changes {
			writes[i] = cluster.Change{Key: ch.key, Value: ch.value}
		}
		// All objects in one atomic write: stored together, or none.
		_, err := a.node.Write(c.Request().Context(), writes, ack)
		if err != nil && !errors.Is(err, cluster.ErrNotConfirmed) {
			return storeWriteError(err, "nothing was applied")
		}
		for _, r := range results {
			if r.Result != "unchanged" {
				a.log.Info("object "+r.Result, "kind", r.Kind, "object", r.Namespace+"/"+r.Name)
			}
		}
		if err != nil {
			return storeWriteError(err, "")
		}
	}
	return c.JSON(http.StatusOK, ApplyResult{DryRun: dryRun, Applied: results})
}

func (a *Agent) deleteObject(c echo.Context) error {
	ns, name := c.Param("namespace"), c.Param("name")
	kind := c.QueryParam("kind")
	var keys []string
	var kinds []string
	for k, info := range kindsByName {
		if kind != "" && !strings.EqualFold(kind, k) && kind != info.list {
			continue
		}
		key := objectKey(info.prefix, ns, name)
		if e, ok := a.node.Get(key); ok && !e.Deleted {
			keys = append(keys, key)
			kinds = append(kinds, k)
		}
	}
	switch {
	case len(keys) == 0:
		return echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("no object named %s/%s%s", ns, name, kindSuffix(kind)))
	case len(keys) > 1:
		return echo.NewHTTPError(http.StatusConflict,
			fmt.Sprintf("%s/%s names several objects (%s): say which with ?kind=", ns, name, strings.Join(kinds, ", ")))
	}
	ack, err := cluster.ParseAck(c.QueryParam("ack"))
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, err.Error())
	}
	_, err = a.node.Write(c.Request().Context(), []cluster.Change{{Key: keys[0], Delete: true}}, ack)
	if err != nil && !errors.Is(err, cluster.ErrNotConfirmed) {
		return storeWriteError(err, "nothing was deleted")
	}
	a.log.Info("object deleted", "kind", kinds[0], "object", ns+"/"+name)
	if err != nil {
		return storeWriteError(err, "")
	}
	return c.JSON(http.StatusOK, Applied{Kind: kinds[0], Namespace: ns, Name: name, Result: "deleted"})
}

// storeWriteError answers a write the store did not take as asked: 507 when this node
// could not write it to its disk or the store is full (then nothing changed, as unchanged
// says), 503 when it is stored here but no other node confirmed it in time, or when the
// node is shutting down.
func storeWriteError(err error, unchanged string) error {
	switch {
	case errors.Is(err, cluster.ErrNotPersisted), errors.Is(err, cluster.ErrStoreFull):
		return echo.NewHTTPError(http.StatusInsufficientStorage, err.Error()+"; "+unchanged)
	case errors.Is(err, cluster.ErrTooLarge):
		return echo.NewHTTPError(http.StatusRequestEntityTooLarge, err.Error()+"; "+unchanged)
	default:
		return echo.NewHTTPError(http.StatusServiceUnavailable, err.Error())
	}
}

func kindSuffix(kind string) string {
	if kind == "" {
		return ""
	}
	return " of kind " + kind
}

func (a *Agent) listPods(c echo.Context) error {
	return c.JSON(http.StatusOK, newList(podViews(readState(a.node, a.log), c.QueryParam("namespace"))))
}

func (a *Agent) listDeployments(c echo.Context) error {
	return c.JSON(http.StatusOK, newList(deploymentViews(readState(a.node, a.log), c.QueryParam("namespace"))))
}

func (a *Agent) listServices(c echo.Context) error {
	return c.JSON(http.StatusOK, newList(objectViews(readState(a.node, a.log).services, c.QueryParam("namespace"))))
}

func (a *Agent) listIngresses(c echo.Context) error {
	return c.JSON(http.StatusOK, newList(objectViews(readState(a.node, a.log).ingresses, c.QueryParam("namespace"))))
}

func (a *Agent) listNodes(c echo.Context) error {
	return c.JSON(http.StatusOK, newList(nodeViews(a.node.Members(), a.node.Leader())))
}

func (a *Agent) getDeployment(c echo.Context) error {
	return oneOf(c, "deployment", deploymentViews(readState(a.node, a.log), c.Param("namespace")))
}

func (a *Agent) getService(c echo.Context) error {
	return oneOf(c, "service", objectViews(readState(a.node, a.log).services, c.Param("namespace")))
}

func (a *Agent) getIngress(c echo.Context) error {
	return oneOf(c, "ingress", objectViews(readState(a.node, a.log).ingresses, c.Param("namespace")))
}

func (a *Agent) getNode(c echo.Context) error {
	return oneOf(c, "node", nodeViews(a.node.Members(), a.node.Leader()))
}

// oneOf answers the item named by the :name parameter, or 404.
func oneOf(c echo.Context, kind string, items []any) error {
	name := c.Param("name")
	for _, it := range items {
		if o, ok := it.(metav1.Object); ok && o.GetName() == name {
			return c.JSON(http.StatusOK, it)
		}
	}
	where := ""
	if ns := c.Param("namespace"); ns != "" {
		where = " in namespace " + ns
	}
	return echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("%s %q not found%s", kind, name, where))
}

// JoinToken is the answer of the join-token endpoints: what another node needs to join.
type JoinToken struct {
	Token string   `json:"token"`
	Join  []string `json:"join"` // gossip addresses of the alive members
}

func (a *Agent) joinToken(token string) JoinToken {
	jt := JoinToken{Token: token}
	for _, m := range a.node.Members() {
		if m.State == cluster.StateAlive {
			jt.Join = append(jt.Join, m.Addr)
		}
	}
	return jt
}

func (a *Agent) getJoinToken(c echo.Context) error {
	return c.JSON(http.StatusOK, a.joinToken(a.node.JoinToken()))
}

// rotateJoinToken makes a new token (and gossip key) on every alive member: the old token
// admits no one afterwards.
func (a *Agent) rotateJoinToken(c echo.Context) error {
	token, err := a.node.RotateJoinToken(c.Request().Context())
	if err != nil {
		return echo.NewHTTPError(http.StatusServiceUnavailable, err.Error()+"; the cluster keeps working, run the rotation again")
	}
	if err := a.writeJoinToken(); err != nil {
		a.log.Warn("join token rotated but not written", "err", err)
	}
	a.log.Info("join token rotated; nodes that were down must be restarted with the new token")
	return c.JSON(http.StatusOK, a.joinToken(token))
}
