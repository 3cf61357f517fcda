package manifest

import (
	"fmt"
	"strings"
	"time"
	// The zone database is built in, so that every node reads a CronJob's timeZone alike,
	// whatever its own system has installed.
	_ "time/tzdata"

	"github.com/robfig/cron/v3"
	batchv1 "k8s.io/api/batch/v1"
)

// MaxCronJobNameLength is Kubernetes' bound on a CronJob's name: its Jobs add a dash and
// the scheduled time in minutes, and their pods five more characters.
const MaxCronJobNameLength = 52

// Schedule is a CronJob's schedule, read with Kubernetes' rules: five fields or a
// descriptor (@hourly, @every 1h), in the CronJob's time zone.
type Schedule struct {
	cron.Schedule
	Location *time.Location
}

// ParseSchedule reads a CronJob's schedule and time zone (the local zone of the cluster,
// UTC, when it names none).
func ParseSchedule(cj *batchv1.CronJob) (Schedule, error) {
	loc := time.UTC
	if tz := cj.Spec.TimeZone; tz != nil {
		l, err := time.LoadLocation(*tz)
		if err != nil {
			return Schedule{}, fmt.Errorf("load time zone %s: %w", *tz, err)
		}
		loc = l
	}
	s, err := cron.ParseStandard(cj.Spec.Schedule)
	if err != nil {
		return Schedule{}, fmt.Errorf("parse schedule %q: %w", cj.Spec.Schedule, err)
	}
	return Schedule{Schedule: s, Location: loc}, nil
}

// NextAfter is the first scheduled time after t.
func (s Schedule) NextAfter(t time.Time) time.Time {
	return s.Schedule.Next(t.In(s.Location))
}

// CronJobJobName names the Job a CronJob makes for the time it was scheduled at, as
// Kubernetes does: <cronjob>-<minutes since the epoch>. Two leaders that make the run of
// one time write one key.
func CronJobJobName(cronJob string, scheduled time.Time) string {
	return fmt.Sprintf("%s-%d", cronJob, scheduled.Unix()/60)
}

// ScheduledTimestampAnnotation is the annotation, as Kubernetes spells it, with the time
// a CronJob's Job was scheduled at.
const ScheduledTimestampAnnotation = "batch.kubernetes.io/cronjob-scheduled-timestamp"

// hasTZPrefix reports whether a schedule names its own zone, which Kubernetes refuses in
// favour of the timeZone field.
func hasTZPrefix(schedule string) bool {
	return strings.Contains(schedule, "TZ")
}
