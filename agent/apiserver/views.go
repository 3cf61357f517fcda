package apiserver

import (
	"iter"
	"maps"
	"net"
	"slices"
	"sort"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podman-swarm/podman-swarm/agent/nodemeta"
	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/cluster"
	"github.com/podman-swarm/podman-swarm/manifest"
	"github.com/podman-swarm/podman-swarm/reconcile"
)

// podViews shows every pod the cluster knows: assigned ones with their node and observed
// status, pending ones with the reason they fit no node, and the ones the desired state
// calls for that the leader has not recorded at all, with the condition unplaced.
func podViews(st *store.State, namespace string, unplaced corev1.PodCondition) []any {
	var out []any
	for _, key := range sortedKeys(st.Assignments) {
		if a := st.Assignments[key]; namespace == "" || a.Pod.Namespace == namespace {
			p := placedPod(key, a, st.Status)
			ownedByReplicaSet(st, p, a.Pod)
			out = append(out, p)
		}
	}
	for _, key := range sortedKeys(st.Pending) {
		if pd := st.Pending[key]; namespace == "" || pd.Pod.Namespace == namespace {
			if _, assigned := st.Assignments[key]; !assigned {
				p := pendingPod(pd)
				ownedByReplicaSet(st, p, pd.Pod)
				out = append(out, p)
			}
		}
	}
	for _, mp := range missingPods(st, namespace) {
		p := podObject(mp)
		p.Status.Phase = corev1.PodPending
		p.Status.Conditions = []corev1.PodCondition{unplaced}
		ownedByReplicaSet(st, p, mp)
		out = append(out, p)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].(*corev1.Pod), out[j].(*corev1.Pod)
		return a.Namespace+"/"+a.Name < b.Namespace+"/"+b.Name
	})
	return out
}

// podView is the pod of key as its own records show it: placed, pending with the reason
// it fits no node, or nil when the store has neither. A pod the desired state calls for
// that the leader has not recorded has no records: podViews adds those.
func podView(st *store.State, key string) *corev1.Pod {
	if a, ok := st.Assignments[key]; ok {
		p := placedPod(key, a, st.Status)
		if pd, ok := st.Pending[key]; ok && pd.Node != "" && pd.Node == a.Node {
			// Kept on a node that is gone, where its data is: it does not run, and the
			// leader says what brings it back.
			if pd.Stays {
				// Runs, but cannot leave its drained node: the leader says why.
				p.Status.Message = pd.Reason
			} else {
				p.Status.Phase = corev1.PodPending
				p.Status.Message = pd.Reason
			}
		}
		ownedByReplicaSet(st, p, a.Pod)
		return p
	}
	if pd, ok := st.Pending[key]; ok {
		p := pendingPod(pd)
		ownedByReplicaSet(st, p, pd.Pod)
		return p
	}
	return nil
}

// placedPod is a pod placed on a node, with the status that node reported of it.
func placedPod(key string, a store.Assignment, status map[string]store.PodStatus) *corev1.Pod {
	p := podObject(a.Pod)
	p.Spec.NodeName = a.Node
	p.Status.Phase = corev1.PodPending
	p.Status.PodIP = a.PodIP
	if s, ok := status[key]; ok && s.Describes(a) {
		p.Status.Phase = s.Phase
		p.Status.HostIP = s.HostIP
		if a.PodIP == "" {
			// A pod placed before pods had their own address is reached at its
			// node's, like a pod on the host's network in Kubernetes.
			p.Status.PodIP = s.HostIP
		}
		p.Status.Message = s.Message
		p.Status.Conditions = append(p.Status.Conditions, condition(corev1.PodReady, s.Ready, "", ""))
		p.Status.ContainerStatuses = containerStatuses(a.Pod, s)
	}
	if p.Status.PodIP != "" {
		p.Status.PodIPs = []corev1.PodIP{{IP: p.Status.PodIP}}
	}
	p.Status.Conditions = append([]corev1.PodCondition{condition(corev1.PodScheduled, true, "", "")}, p.Status.Conditions...)
	return p
}

// pendingPod is a pod the leader could not place, with its reason.
func pendingPod(pd store.Pending) *corev1.Pod {
	p := podObject(pd.Pod)
	p.Status.Phase = corev1.PodPending
	p.Status.Conditions = []corev1.PodCondition{condition(corev1.PodScheduled, false, "Unschedulable", pd.Reason)}
	return p
}

func podObject(mp manifest.Pod) *corev1.Pod {
	p := &corev1.Pod{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{
			Name: mp.Name, Namespace: mp.Namespace, Labels: mp.Labels, Annotations: mp.Annotations,
		},
		Spec: mp.Spec,
	}
	if mp.Owner != "" {
		kind := "Deployment"
		if mp.OwnerKind != "" {
			kind = mp.OwnerKind
		}
		p.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: kind, Name: mp.Owner}}
	}
	if job := mp.Labels[manifest.JobNameLabel]; job != "" && mp.Owner == "" {
		p.OwnerReferences = []metav1.OwnerReference{{APIVersion: "batch/v1", Kind: "Job", Name: job}}
	}
	return p
}

func condition(t corev1.PodConditionType, ok bool, reason, message string) corev1.PodCondition {
	status := corev1.ConditionFalse
	if ok {
		status = corev1.ConditionTrue
	}
	return corev1.PodCondition{Type: t, Status: status, Reason: reason, Message: message}
}

// deploymentViews shows the Deployments with a status counted from their pods. While the
// leader cannot write its store (leaderFailure, "" when it can), a Deployment that is not
// where its spec says has the ReplicaFailure condition, as Kubernetes marks one whose pods
// cannot be created, with the leader's reason.
func deploymentViews(st *store.State, namespace, leaderFailure string) []any {
	owned := map[string][]string{} // a Deployment's key -> its pods' keys
	for pk, a := range st.Assignments {
		if owner := a.Pod.DeploymentOwner(); owner != "" {
			owned[a.Pod.Namespace+"/"+owner] = append(owned[a.Pod.Namespace+"/"+owner], pk)
		}
	}
	var out []any
	for _, key := range sortedKeys(st.Deployments) {
		if namespace != "" && st.Deployments[key].Namespace != namespace {
			continue
		}
		out = append(out, deploymentView(st, key, slices.Values(owned[key]), leaderFailure))
	}
	return out
}

// deploymentView is the Deployment of key with a status counted from its pods, whose
// keys pods yields (every pod the store assigns it, in any order).
func deploymentView(st *store.State, key string, pods iter.Seq[string], leaderFailure string) *appsv1.Deployment {
	d := st.Deployments[key].DeepCopy()
	hash := manifest.DeploymentHash(d, manifest.ConfigObjects{ConfigMaps: st.ConfigMaps, Secrets: st.Secrets})
	var s appsv1.DeploymentStatus
	for pk := range pods {
		a, ok := st.Assignments[pk]
		if !ok || a.Pod.Namespace != d.Namespace || a.Pod.DeploymentOwner() != d.Name {
			continue
		}
		s.Replicas++
		if a.Pod.TemplateHash == hash {
			s.UpdatedReplicas++
		}
		if ps, ok := st.Status[pk]; ok && ps.Describes(a) && ps.Ready {
			s.ReadyReplicas++
			s.AvailableReplicas++
		}
	}
	rec, recorded := st.Rollouts[key]
	if recorded && rec.Hash == hash && d.Spec.MinReadySeconds > 0 {
		// A pod is available once ready for minReadySeconds, on the leader's clock: the
		// leader counts it with every plan, and ready pods not counted yet are not.
		s.AvailableReplicas = min(s.AvailableReplicas, int32(rec.Progress.AllAvailable))
	}
	want := int32(manifest.Replicas(d))
	s.UnavailableReplicas = max(want-s.AvailableReplicas, 0)
	// The leader's failure to write comes first: it is why the others stand still.
	if leaderFailure != "" && (s.UpdatedReplicas < want || s.Replicas > s.UpdatedReplicas || s.Replicas > want) {
		s.Conditions = []appsv1.DeploymentCondition{{Type: appsv1.DeploymentReplicaFailure, Status: corev1.ConditionTrue,
			Reason: "FailedCreate", Message: leaderFailure}}
	}
	d.Status = s
	rolloutView(d, hash, rec, recorded)
	return d
}

// nodeViews shows the members as Kubernetes Nodes: labels, addresses, a Ready condition
// that says the leader's liveness verdict (see readyCondition), and which node leads.
func nodeViews(members []cluster.Member, leader string, liveness map[string]store.NodeLiveness) []any {
	sort.Slice(members, func(i, j int) bool { return members[i].Name < members[j].Name })
	var out []any
	for _, m := range members {
		n := &corev1.Node{
			TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Node"},
			ObjectMeta: metav1.ObjectMeta{
				Name:              m.Name,
				Labels:            nodemeta.Labels(m.Meta),
				CreationTimestamp: metav1.NewTime(m.Started),
				Annotations: map[string]string{
					"swarm.podman.io/api":     m.Meta[nodemeta.API],
					"swarm.podman.io/gossip":  m.Addr,
					"swarm.podman.io/runtime": m.Meta[nodemeta.Runtime],
					"swarm.podman.io/state":   m.State.String(),
				},
			},
		}
		if m.Name == leader {
			n.Annotations["swarm.podman.io/leader"] = "true"
		}
		host := m.Addr
		if h, _, err := net.SplitHostPort(m.Addr); err == nil {
			host = h
		}
		n.Status.Addresses = []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: host}, {Type: corev1.NodeHostName, Address: m.Name}}
		v, judged := liveness[m.Name]
		if judged {
			n.Annotations["swarm.podman.io/liveness"] = string(v.Status)
		}
		n.Status.Conditions = []corev1.NodeCondition{readyCondition(m, v, judged), storeCondition(m)}
		out = append(out, n)
	}
	return out
}

// nodeStoreFailing is the condition of a node that cannot write its store: it refuses
// every write and, when it leads, places no pod. Like Kubernetes' DiskPressure, False is
// healthy.
const nodeStoreFailing corev1.NodeConditionType = "StoreFailing"

// storeCondition is the StoreFailing condition of a member, as it gossips it. A member
// that is not alive says nothing current: Unknown, as Kubernetes says of a node that
// stopped posting its status.
func storeCondition(m cluster.Member) corev1.NodeCondition {
	c := corev1.NodeCondition{Type: nodeStoreFailing, Status: corev1.ConditionFalse, Reason: "StoreWritable",
		Message: "the node writes its store to disk"}
	if m.State != cluster.StateAlive {
		c.Status, c.Reason, c.Message = corev1.ConditionUnknown, "NodeStatusUnknown", "the node is "+m.State.String()
		return c
	}
	if why, since := nodemeta.StoreHealth(m.Meta); why != "" {
		c.Status, c.Reason, c.Message = corev1.ConditionTrue, "StoreWriteFailed", "the node cannot write to its store: "+why
		if !since.IsZero() {
			c.LastTransitionTime = metav1.NewTime(since)
		}
	}
	return c
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// containerStatuses shows what the node reported of each container, in Kubernetes' shape.
func containerStatuses(p manifest.Pod, s store.PodStatus) []corev1.ContainerStatus {
	reported := map[string]reconcile.ContainerStatus{}
	for _, c := range s.Containers {
		reported[c.Name] = c
	}
	var out []corev1.ContainerStatus
	for _, c := range p.Spec.Containers {
		cs := corev1.ContainerStatus{Name: c.Name, Image: c.Image}
		r, ok := reported[c.Name]
		if !ok {
			cs.State.Waiting = &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}
			out = append(out, cs)
			continue
		}
		cs.Ready, cs.RestartCount = r.Ready, int32(r.Restarts)
		switch r.State {
		case reconcile.ContainerRunning:
			cs.State.Running = &corev1.ContainerStateRunning{}
			if !r.Started.IsZero() {
				cs.State.Running.StartedAt = metav1.NewTime(r.Started)
			}
		case reconcile.ContainerTerminated:
			cs.State.Terminated = &corev1.ContainerStateTerminated{ExitCode: int32(r.ExitCode), Reason: r.Reason}
		default:
			cs.State.Waiting = &corev1.ContainerStateWaiting{Reason: r.Reason}
		}
		out = append(out, cs)
	}
	return out
}

// sortedKeys lists a map's keys in order, so that every answer lists its items alike.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
