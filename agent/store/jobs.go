package store

import "github.com/podman-swarm/podman-swarm/scheduler"

// The Jobs and CronJobs: the objects as applied (JSON), written by the API; the leader
// also writes the Jobs a CronJob makes (named after their scheduled time, so that two
// leaders write one key), and deletes the Jobs whose ttlSecondsAfterFinished ran out, those
// past a CronJob's history limits, and those of a CronJob that is gone.
const (
	PrefixJob     = "job/"
	PrefixCronJob = "cronjob/"
)

// The leader's records of the Jobs and CronJobs: JobRecord under jobstatus/<ns>/<name> and
// CronRecord under cronjobstatus/<ns>/<name>, written in the same atomic write as the pod
// plan that they decide (a finished pod's assignment is removed in the write that counts
// it), deleted with their object.
const (
	PrefixJobRecord  = "jobstatus/"
	PrefixCronRecord = "cronjobstatus/"
)

// JobRecord is what the leader keeps of a Job: the pods it made, those that finished,
// and its conditions.
type JobRecord = scheduler.JobRecord

// CronRecord is what the leader keeps of a CronJob: its last scheduled and successful
// times.
type CronRecord = scheduler.CronRecord

// JobRecordKey is the key of a Job's record, by the Job's key ("namespace/name").
func JobRecordKey(jobKey string) string { return PrefixJobRecord + jobKey }

// CronRecordKey is the key of a CronJob's record, by the CronJob's key.
func CronRecordKey(cronKey string) string { return PrefixCronRecord + cronKey }
