package apiserver

import (
	"github.com/labstack/echo/v4"
	batchv1 "k8s.io/api/batch/v1"

	"github.com/podman-swarm/podman-swarm/agent/view"
)

// jobToStore is the stored form of a Job: as applied, without the status, which the view
// makes from the leader's record of it.
func jobToStore(j *batchv1.Job) *batchv1.Job {
	out := j.DeepCopy()
	out.APIVersion, out.Kind = "batch/v1", "Job"
	out.Status = batchv1.JobStatus{}
	return out
}

// cronJobToStore is the stored form of a CronJob, without the status.
func cronJobToStore(cj *batchv1.CronJob) *batchv1.CronJob {
	out := cj.DeepCopy()
	out.APIVersion, out.Kind = "batch/v1", "CronJob"
	out.Status = batchv1.CronJobStatus{}
	return out
}

func (a *Server) listJobs(c echo.Context) error { return a.serveList(c, view.Jobs) }

func (a *Server) getJob(c echo.Context) error { return a.serveObject(c, view.Jobs, "job") }

func (a *Server) listCronJobs(c echo.Context) error { return a.serveList(c, view.CronJobs) }

func (a *Server) getCronJob(c echo.Context) error { return a.serveObject(c, view.CronJobs, "cronjob") }
