package apiserver

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/manifest"
)

// jobPods lists a Job's pods: those its record counts as finished, in the order they
// finished, then those that run or wait, in the order they were made.
func jobPods(st *store.State, j *batchv1.Job) []api.JobPod {
	rec, ok := st.JobRecords[j.Namespace+"/"+j.Name]
	if !ok || !rec.JobCreated.Equal(j.CreationTimestamp.Time) {
		return []api.JobPod{}
	}
	out := []api.JobPod{}
	for _, f := range rec.Finished {
		out = append(out, api.JobPod{Name: f.Name, Node: f.Node, Phase: string(f.Phase), ExitCode: f.ExitCode})
	}
	for _, i := range rec.Active {
		name := manifest.JobPodName(j, i)
		p := api.JobPod{Name: name, Phase: string(corev1.PodPending)}
		if as, ok := st.Assignments[j.Namespace+"/"+name]; ok {
			p.Node = as.Node
			if s, ok := st.Status[j.Namespace+"/"+name]; ok && s.Describes(as) && s.Phase != "" {
				p.Phase = string(s.Phase)
			}
		}
		out = append(out, p)
	}
	return out
}

// listJobPods answers a Job's pods.
func (a *Server) listJobPods(c echo.Context) error {
	ns, name := c.Param("namespace"), c.Param("name")
	st := store.Read(a.node, a.log)
	j, ok := st.Jobs[ns+"/"+name]
	if !ok {
		return echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("job %q not found in namespace %s", name, ns))
	}
	return c.JSON(http.StatusOK, jobPods(st, j))
}

// endedPod is a Job's pod that finished: the node whose journal holds its log, and its
// spec, for its containers' names.
type endedPod struct {
	node string
	spec *corev1.PodSpec
}

// findEndedPod finds a pod among the finished pods of the Jobs of namespace ns.
func findEndedPod(st *store.State, ns, pod string) (endedPod, bool) {
	for key, j := range st.Jobs {
		if j.Namespace != ns {
			continue
		}
		rec := st.JobRecords[key]
		for _, f := range rec.Finished {
			if f.Name == pod {
				return endedPod{node: f.Node, spec: &j.Spec.Template.Spec}, true
			}
		}
	}
	return endedPod{}, false
}

// endedPodLogs answers the log of a Job's pod that finished, from the journal of the node
// it ran on.
func (a *Server) endedPodLogs(c echo.Context, ns, pod string, ended endedPod) error {
	if done, err := a.forward(c, ended.node); done {
		return err
	}
	if a.runtime == nil {
		return echo.NewHTTPError(http.StatusConflict, fmt.Sprintf("node %s runs no pods (--runtime none), so there are no logs", ended.node))
	}
	container := c.QueryParam("container")
	var names []string
	for _, ctr := range ended.spec.Containers {
		names = append(names, ctr.Name)
		if container == "" && len(ended.spec.Containers) == 1 {
			container = ctr.Name
		}
	}
	found := false
	for _, n := range names {
		found = found || n == container
	}
	if !found {
		return echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("pod %s/%s has containers %v; name one of them", ns, pod, names))
	}
	c.Response().Header().Set("Content-Type", "text/plain; charset=utf-8")
	c.Response().WriteHeader(http.StatusOK)
	w := &flushWriter{c.Response()}
	if err := a.runtime.EndedLogs(c.Request().Context(), ns, pod, container, c.QueryParam("follow") == "true", w); err != nil && c.Request().Context().Err() == nil {
		fmt.Fprintf(w, "error: %v\n", err)
	}
	return nil
}
