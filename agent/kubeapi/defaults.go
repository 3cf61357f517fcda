package kubeapi

import (
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/podman-swarm/podman-swarm/agent/view"
	"github.com/podman-swarm/podman-swarm/quadlet"
)

// The API server of Kubernetes sets its defaults on an object before it stores it, so
// every reader sees them: kubectl describe prints "8080/TCP", a probe's timings, a
// Deployment's strategy. The project stores what was applied (its hash, merge and
// last-applied configuration depend on it), so the API shows the defaults on a copy of
// each object it serves instead. The functions here are Kubernetes 1.32's defaults of the
// fields the project serves; where the project decides a value itself, the value shown is
// the one it uses, and each such place says so.

// Defaulted is obj with Kubernetes' defaults, a copy for the kinds that have any (obj
// itself is never changed), obj itself for the others.
func Defaulted(obj view.Value) view.Value {
	switch o := obj.(type) {
	case *corev1.Pod:
		return Pod(o)
	case *appsv1.Deployment:
		return Deployment(o)
	case *appsv1.ReplicaSet:
		return ReplicaSet(o)
	case *appsv1.StatefulSet:
		return StatefulSet(o)
	case *appsv1.DaemonSet:
		return DaemonSet(o)
	case *batchv1.Job:
		return Job(o)
	case *batchv1.CronJob:
		return CronJob(o)
	case *corev1.Service:
		return Service(o)
	case *corev1.PersistentVolumeClaim:
		return Claim(o)
	}
	return obj
}

// Pod is a copy of p with the defaults of its spec. Only the spec is copied deeply, the
// part defaulting changes: the view shapes every pod of the cluster through here, and a
// deep copy of the metadata and status cost a tenth of that work.
func Pod(p *corev1.Pod) *corev1.Pod {
	out := *p
	p.Spec.DeepCopyInto(&out.Spec)
	defaultPodSpec(&out.Spec)
	return &out
}

// ReplicaSet is a copy of rs with the defaults of its pod template, which kubectl compares
// with its Deployment's (defaulted) template to tell the new ReplicaSet from the old ones,
// and which rollout undo puts back in the Deployment.
func ReplicaSet(rs *appsv1.ReplicaSet) *appsv1.ReplicaSet {
	out := rs.DeepCopy()
	defaultPodSpec(&out.Spec.Template.Spec)
	return out
}

// Deployment is a copy of d with Kubernetes' defaults, its template's too. The scheduler
// rolls out by 25% surge and 25% unavailable when unset, and the leader keeps 10 revisions
// and gives a rollout 600 s to progress: the values shown.
func Deployment(d *appsv1.Deployment) *appsv1.Deployment {
	out := d.DeepCopy()
	s := &out.Spec
	setInt32(&s.Replicas, 1)
	if s.Strategy.Type == "" {
		s.Strategy.Type = appsv1.RollingUpdateDeploymentStrategyType
	}
	if s.Strategy.Type == appsv1.RollingUpdateDeploymentStrategyType {
		if s.Strategy.RollingUpdate == nil {
			s.Strategy.RollingUpdate = &appsv1.RollingUpdateDeployment{}
		}
		quarter := intstr.FromString("25%")
		if s.Strategy.RollingUpdate.MaxUnavailable == nil {
			s.Strategy.RollingUpdate.MaxUnavailable = &quarter
		}
		if s.Strategy.RollingUpdate.MaxSurge == nil {
			s.Strategy.RollingUpdate.MaxSurge = &quarter
		}
	}
	setInt32(&s.RevisionHistoryLimit, 10)
	setInt32(&s.ProgressDeadlineSeconds, 600)
	defaultPodSpec(&s.Template.Spec)
	return out
}

// StatefulSet is a copy of s with Kubernetes' defaults, its template's and its claim
// templates' too. The scheduler starts pods in order and updates from partition 0 when
// unset, and keeps the claims (Retain): the values shown.
func StatefulSet(s *appsv1.StatefulSet) *appsv1.StatefulSet {
	out := s.DeepCopy()
	sp := &out.Spec
	if sp.PodManagementPolicy == "" {
		sp.PodManagementPolicy = appsv1.OrderedReadyPodManagement
	}
	if sp.UpdateStrategy.Type == "" {
		sp.UpdateStrategy.Type = appsv1.RollingUpdateStatefulSetStrategyType
		if sp.UpdateStrategy.RollingUpdate == nil {
			sp.UpdateStrategy.RollingUpdate = &appsv1.RollingUpdateStatefulSetStrategy{}
		}
	}
	// As Kubernetes: a RollingUpdate given without its rollingUpdate stays without.
	if ru := sp.UpdateStrategy.RollingUpdate; sp.UpdateStrategy.Type == appsv1.RollingUpdateStatefulSetStrategyType && ru != nil {
		setInt32(&ru.Partition, 0)
	}
	if sp.PersistentVolumeClaimRetentionPolicy == nil {
		sp.PersistentVolumeClaimRetentionPolicy = &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{}
	}
	if p := sp.PersistentVolumeClaimRetentionPolicy; p.WhenDeleted == "" {
		p.WhenDeleted = appsv1.RetainPersistentVolumeClaimRetentionPolicyType
	}
	if p := sp.PersistentVolumeClaimRetentionPolicy; p.WhenScaled == "" {
		p.WhenScaled = appsv1.RetainPersistentVolumeClaimRetentionPolicyType
	}
	setInt32(&sp.Replicas, 1)
	setInt32(&sp.RevisionHistoryLimit, 10)
	defaultPodSpec(&sp.Template.Spec)
	for i := range sp.VolumeClaimTemplates {
		defaultClaimSpec(&sp.VolumeClaimTemplates[i].Spec)
	}
	return out
}

// DaemonSet is a copy of ds with Kubernetes' defaults, its template's too: the rolling
// update by 1 unavailable and no surge is the one the scheduler does when unset
// (manifest.DaemonSetStrategy).
func DaemonSet(ds *appsv1.DaemonSet) *appsv1.DaemonSet {
	out := ds.DeepCopy()
	u := &out.Spec.UpdateStrategy
	if u.Type == "" {
		u.Type = appsv1.RollingUpdateDaemonSetStrategyType
	}
	if u.Type == appsv1.RollingUpdateDaemonSetStrategyType {
		if u.RollingUpdate == nil {
			u.RollingUpdate = &appsv1.RollingUpdateDaemonSet{}
		}
		if u.RollingUpdate.MaxUnavailable == nil {
			one := intstr.FromInt32(1)
			u.RollingUpdate.MaxUnavailable = &one
		}
		if u.RollingUpdate.MaxSurge == nil {
			zero := intstr.FromInt32(0)
			u.RollingUpdate.MaxSurge = &zero
		}
	}
	setInt32(&out.Spec.RevisionHistoryLimit, 10)
	defaultPodSpec(&out.Spec.Template.Spec)
	return out
}

// Job is a copy of j with Kubernetes' defaults, its template's too (its restartPolicy is
// required, so stays as given). Completions stay unset when parallelism is set, as in
// Kubernetes: the Job is done when any pod succeeds (manifest.JobCompletions); the
// backoff limit of 6 and parallelism of 1 are the scheduler's own defaults too.
func Job(j *batchv1.Job) *batchv1.Job {
	out := j.DeepCopy()
	s := &out.Spec
	if s.Completions == nil && s.Parallelism == nil {
		setInt32(&s.Completions, 1)
	}
	setInt32(&s.Parallelism, 1)
	setInt32(&s.BackoffLimit, 6)
	if s.CompletionMode == nil {
		m := batchv1.NonIndexedCompletion
		s.CompletionMode = &m
	}
	if s.Suspend == nil {
		s.Suspend = new(bool)
	}
	defaultPodSpec(&s.Template.Spec)
	return out
}

// CronJob is a copy of cj with Kubernetes' defaults, and its Jobs' template's: as in
// Kubernetes, its jobTemplate's own fields (completions, backoffLimit) stay as given.
func CronJob(cj *batchv1.CronJob) *batchv1.CronJob {
	out := cj.DeepCopy()
	s := &out.Spec
	if s.ConcurrencyPolicy == "" {
		s.ConcurrencyPolicy = batchv1.AllowConcurrent
	}
	if s.Suspend == nil {
		s.Suspend = new(bool)
	}
	setInt32(&s.SuccessfulJobsHistoryLimit, 3)
	setInt32(&s.FailedJobsHistoryLimit, 1)
	defaultPodSpec(&s.JobTemplate.Spec.Template.Spec)
	return out
}

// Service is a copy of svc with Kubernetes' defaults. The cluster gives Services IPv4
// addresses only, so a Service is single-stack IPv4, as on a cluster of one family; a
// headless Service without a selector is RequireDualStack there, and an ExternalName one
// has no family.
func Service(svc *corev1.Service) *corev1.Service {
	out := svc.DeepCopy()
	s := &out.Spec
	if s.Type == "" {
		s.Type = corev1.ServiceTypeClusterIP
	}
	if s.SessionAffinity == "" {
		s.SessionAffinity = corev1.ServiceAffinityNone
	}
	for i := range s.Ports {
		p := &s.Ports[i]
		if p.Protocol == "" {
			p.Protocol = corev1.ProtocolTCP
		}
		if p.TargetPort == (intstr.IntOrString{}) {
			p.TargetPort = intstr.FromInt32(p.Port)
		}
	}
	if s.Type == corev1.ServiceTypeExternalName {
		return out
	}
	if s.InternalTrafficPolicy == nil {
		p := corev1.ServiceInternalTrafficPolicyCluster
		s.InternalTrafficPolicy = &p
	}
	if (s.Type == corev1.ServiceTypeNodePort || s.Type == corev1.ServiceTypeLoadBalancer) && s.ExternalTrafficPolicy == "" {
		s.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyCluster
	}
	if s.IPFamilyPolicy == nil {
		p := corev1.IPFamilyPolicySingleStack
		if s.ClusterIP == corev1.ClusterIPNone && len(s.Selector) == 0 {
			p = corev1.IPFamilyPolicyRequireDualStack
		}
		s.IPFamilyPolicy = &p
	}
	if len(s.IPFamilies) == 0 {
		s.IPFamilies = []corev1.IPFamily{corev1.IPv4Protocol}
	}
	return out
}

// Claim is a copy of c with Kubernetes' defaults: a volume of files, the only mode the
// project's volumes have.
func Claim(c *corev1.PersistentVolumeClaim) *corev1.PersistentVolumeClaim {
	out := c.DeepCopy()
	defaultClaimSpec(&out.Spec)
	return out
}

func defaultClaimSpec(s *corev1.PersistentVolumeClaimSpec) {
	if s.VolumeMode == nil {
		m := corev1.PersistentVolumeFilesystem
		s.VolumeMode = &m
	}
}

// defaultPodSpec sets the defaults of a pod's spec, a pod's or a template's, in place.
// The restart policy Always, the cluster's DNS first, and the grace period of 30 s are
// what the project runs a pod with when unset (quadlet). There is one scheduler, which
// Kubernetes names default-scheduler.
func defaultPodSpec(s *corev1.PodSpec) {
	if s.RestartPolicy == "" {
		s.RestartPolicy = corev1.RestartPolicyAlways
	}
	if s.DNSPolicy == "" {
		s.DNSPolicy = corev1.DNSClusterFirst
	}
	if s.SchedulerName == "" {
		s.SchedulerName = corev1.DefaultSchedulerName
	}
	setInt64(&s.TerminationGracePeriodSeconds, int64(quadlet.DefaultGracePeriod/time.Second))
	if s.SecurityContext == nil {
		s.SecurityContext = &corev1.PodSecurityContext{}
	}
	for i := range s.InitContainers {
		defaultContainer(&s.InitContainers[i])
	}
	for i := range s.Containers {
		defaultContainer(&s.Containers[i])
	}
}

// defaultContainer sets the defaults of a container in place. Its pull policy is the one
// the project pulls with (quadlet.DefaultPullPolicy). The termination message is not
// collected: its path and policy are Kubernetes' defaults only (README says so).
func defaultContainer(c *corev1.Container) {
	if c.ImagePullPolicy == "" {
		c.ImagePullPolicy = quadlet.DefaultPullPolicy(c.Image)
	}
	if c.TerminationMessagePath == "" {
		c.TerminationMessagePath = corev1.TerminationMessagePathDefault
	}
	if c.TerminationMessagePolicy == "" {
		c.TerminationMessagePolicy = corev1.TerminationMessageReadFile
	}
	for i := range c.Ports {
		if c.Ports[i].Protocol == "" {
			c.Ports[i].Protocol = corev1.ProtocolTCP
		}
	}
	for _, p := range []*corev1.Probe{c.LivenessProbe, c.ReadinessProbe, c.StartupProbe} {
		defaultProbe(p)
	}
	if l := c.Lifecycle; l != nil {
		for _, h := range []*corev1.LifecycleHandler{l.PostStart, l.PreStop} {
			if h != nil {
				defaultHTTPGet(h.HTTPGet)
			}
		}
	}
}

// The timings of a probe when unset: Kubernetes' defaults, which the project's probes run
// with too (quadlet's health checks and the agent's prober).
const (
	probeTimeoutSeconds   = 1
	probePeriodSeconds    = 10
	probeSuccessThreshold = 1
	probeFailureThreshold = 3
)

func defaultProbe(p *corev1.Probe) {
	if p == nil {
		return
	}
	if p.TimeoutSeconds == 0 {
		p.TimeoutSeconds = probeTimeoutSeconds
	}
	if p.PeriodSeconds == 0 {
		p.PeriodSeconds = probePeriodSeconds
	}
	if p.SuccessThreshold == 0 {
		p.SuccessThreshold = probeSuccessThreshold
	}
	if p.FailureThreshold == 0 {
		p.FailureThreshold = probeFailureThreshold
	}
	defaultHTTPGet(p.HTTPGet)
}

func defaultHTTPGet(g *corev1.HTTPGetAction) {
	if g == nil {
		return
	}
	if g.Path == "" {
		g.Path = "/"
	}
	if g.Scheme == "" {
		g.Scheme = corev1.URISchemeHTTP
	}
}

func setInt32(p **int32, v int32) {
	if *p == nil {
		*p = &v
	}
}

func setInt64(p **int64, v int64) {
	if *p == nil {
		*p = &v
	}
}
