package apiserver

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/cluster"
	"github.com/podman-swarm/podman-swarm/manifest"
)

// PrunedKinds are the kinds an apply with ?prune=true may delete: every namespaced kind a
// manifest may hold, as kubectl's default prune list has them. Namespaces are not pruned:
// deleting one deletes all it holds, which a missing document should not do.
var PrunedKinds = []string{"ConfigMap", "CronJob", "DaemonSet", "Deployment", "Ingress", "Job", "PersistentVolumeClaim",
	"Pod", "Secret", "Service", manifest.KindStatefulSet}

// pruneOptions is what an apply prunes: the objects that carry the labels selector
// matches, in namespace and in those of the objects applied.
type pruneOptions struct {
	selector  labels.Selector
	namespace string
}

// pruneParams reads ?prune=true with ?selector= (a label selector) or ?all=true, as
// kubectl apply --prune asks for -l or --all; nil when the apply prunes nothing.
func pruneParams(c echo.Context) (*pruneOptions, error) {
	if c.QueryParam("prune") != "true" {
		return nil, nil
	}
	sel, all := c.QueryParam("selector"), c.QueryParam("all") == "true"
	switch {
	case sel == "" && !all:
		return nil, echo.NewHTTPError(http.StatusBadRequest,
			"all resources selected for prune without explicitly passing --all. To prune all resources, pass the --all flag. If you did not mean to prune all resources, specify a label selector")
	case sel != "" && all:
		return nil, echo.NewHTTPError(http.StatusBadRequest, "cannot set --all and --selector at the same time")
	}
	selector := labels.Everything()
	if sel != "" {
		var err error
		if selector, err = labels.Parse(sel); err != nil {
			return nil, echo.NewHTTPError(http.StatusBadRequest, "unable to parse requirement: "+strings.TrimPrefix(err.Error(), "unable to parse requirement: "))
		}
	}
	return &pruneOptions{selector: selector, namespace: c.QueryParam("namespace")}, nil
}

// pruned is one object an apply prunes.
type pruned struct {
	change cluster.Change
	result api.Applied
	live   []byte
}

// storedMeta is the part of a stored object that pruning judges.
type storedMeta struct {
	Metadata metav1.ObjectMeta `json:"metadata"`
}

// pruneChanges is what an apply of set prunes, as kubectl prunes: every object of the
// PrunedKinds, in the namespaces set's objects are in (and the one the apply names), that
// an apply made (it carries the last-applied annotation), whose labels the selector
// matches and that set no longer holds. A claim is marked for deletion, as a delete marks
// it; one being deleted already is left alone.
func (a *Server) pruneChanges(set *manifest.Set, p pruneOptions, now time.Time) ([]pruned, error) {
	keep := map[string]bool{}
	namespaces := map[string]bool{}
	if p.namespace != "" {
		namespaces[p.namespace] = true
	}
	for _, o := range set.Objects {
		m := o.Meta()
		keep[objectKeyOf(o.Kind, m.Namespace, m.Name)] = true
		if o.Namespace == nil {
			namespaces[m.Namespace] = true
		}
	}
	var out []pruned
	for _, kind := range PrunedKinds {
		prefix := kindsByName[kind].prefix
		entries := a.node.List(prefix)
		sort.Slice(entries, func(i, j int) bool { return entries[i].Key < entries[j].Key })
		for _, e := range entries {
			if e.Deleted || keep[e.Key] {
				continue
			}
			var v storedMeta
			if json.Unmarshal(e.Value, &v) != nil {
				continue
			}
			m := v.Metadata
			if !namespaces[m.Namespace] || m.DeletionTimestamp != nil || m.Annotations[LastAppliedAnnotation] == "" ||
				!p.selector.Matches(labels.Set(m.Labels)) {
				continue
			}
			live, _ := a.node.Get(e.Key) // without the lineage, as the API shows it
			change := cluster.Change{Key: e.Key, Delete: true}
			if kind == "PersistentVolumeClaim" {
				value, err := markClaimDeleting(live.Value, now)
				if err != nil {
					return nil, echo.NewHTTPError(http.StatusInternalServerError, err.Error())
				}
				change = cluster.Change{Key: e.Key, Value: value}
			}
			out = append(out, pruned{change: change, live: live.Value,
				result: api.Applied{Kind: kind, Namespace: m.Namespace, Name: m.Name, Result: "pruned"}})
		}
	}
	return out, nil
}
