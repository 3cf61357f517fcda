package store

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podman-swarm/podman-swarm/cluster"
)

// Lineage is what the writer of an object's value had seen of that object when it wrote
// it: for each node, the Lamport time of the newest version written through that node that
// the writer had seen, itself or through the versions it saw. A version was seen when the
// lineage holds its node at its time or later.
//
// A node's writes of one key follow one another (each replaces the node's previous one,
// unless something newer replaced that first), so a time per node says which of them were
// seen. Lamport times alone could not: two sides of a partition count on independently,
// and a version with a higher time may never have seen one with a lower. Nor could the one
// version a write was based on: gossip may skip versions (a newer one replaces an older one
// still queued), so the node that wrote v1 may receive v3, based on v2, based on v1.
//
// The lineage is stored in the value itself, in the object's metadata.resourceVersion
// (LineagePrefix and node=time pairs), since the store's entries have no room for it. Read
// and the API show the object's store version there instead (FormatVersion), as
// Kubernetes shows its own.
type Lineage map[string]uint64

// LineagePrefix starts a resourceVersion that holds a lineage. A value without it was
// written before objects carried one: what its writer had seen is unknown.
const LineagePrefix = "seen:"

// maxLineage bounds a lineage: the nodes that ever wrote an object. Past it the node whose
// newest seen write is oldest is forgotten, which can only make a much older write look
// unseen.
const maxLineage = 64

// Covers reports whether the writer had seen version v.
func (l Lineage) Covers(v cluster.Version) bool {
	t, ok := l[v.Node]
	return ok && t >= v.Time
}

// With returns a copy of l that has also seen v.
func (l Lineage) With(v cluster.Version) Lineage {
	out := maps.Clone(l)
	if out == nil {
		out = Lineage{}
	}
	if v.Node != "" && out[v.Node] < v.Time {
		out[v.Node] = v.Time
	}
	for len(out) > maxLineage {
		oldest := ""
		for n, t := range out {
			if n != v.Node && (oldest == "" || t < out[oldest] || t == out[oldest] && n < oldest) {
				oldest = n
			}
		}
		delete(out, oldest)
	}
	return out
}

// String is the lineage as stored: LineagePrefix then node=time pairs by node name, the
// names query-escaped.
func (l Lineage) String() string {
	nodes := slices.Sorted(maps.Keys(l))
	pairs := make([]string, 0, len(nodes))
	for _, n := range nodes {
		pairs = append(pairs, url.QueryEscape(n)+"="+strconv.FormatUint(l[n], 10))
	}
	return LineagePrefix + strings.Join(pairs, ",")
}

// ParseLineage reads a lineage written by String; false when rv holds none.
func ParseLineage(rv string) (Lineage, bool) {
	rest, ok := strings.CutPrefix(rv, LineagePrefix)
	if !ok {
		return nil, false
	}
	l := Lineage{}
	if rest == "" {
		return l, true
	}
	for pair := range strings.SplitSeq(rest, ",") {
		n, t, ok := strings.Cut(pair, "=")
		if !ok {
			return nil, false
		}
		node, err := url.QueryUnescape(n)
		if err != nil {
			return nil, false
		}
		time, err := strconv.ParseUint(t, 10, 64)
		if err != nil {
			return nil, false
		}
		l[node] = time
	}
	return l, true
}

// LineageOf reads the lineage an object's value carries; false when it carries none.
func LineageOf(value []byte) (Lineage, bool) {
	var o struct {
		Metadata struct {
			ResourceVersion string `json:"resourceVersion"`
		} `json:"metadata"`
	}
	if json.Unmarshal(value, &o) != nil {
		return nil, false
	}
	return ParseLineage(o.Metadata.ResourceVersion)
}

// SeenIn is what a writer that reads the live entry e of an object has seen: e's own
// lineage and e itself.
func SeenIn(e cluster.Entry) Lineage {
	l, _ := LineageOf(e.Value)
	return l.With(e.Version)
}

// FormatVersion is a store version as the API shows it in metadata.resourceVersion and
// events: the Lamport time, a dot and the node that wrote it.
func FormatVersion(v cluster.Version) string {
	return strconv.FormatUint(v.Time, 10) + "." + v.Node
}

// objectTypes allocates the typed object stored under each object prefix.
var objectTypes = map[string]func() metav1.Object{
	PrefixDeployment:  func() metav1.Object { return &appsv1.Deployment{} },
	PrefixService:     func() metav1.Object { return &corev1.Service{} },
	PrefixIngress:     func() metav1.Object { return &networkingv1.Ingress{} },
	PrefixPod:         func() metav1.Object { return &corev1.Pod{} },
	PrefixClaim:       func() metav1.Object { return &corev1.PersistentVolumeClaim{} },
	PrefixConfigMap:   func() metav1.Object { return &corev1.ConfigMap{} },
	PrefixSecret:      func() metav1.Object { return &corev1.Secret{} },
	PrefixDaemonSet:   func() metav1.Object { return &appsv1.DaemonSet{} },
	PrefixStatefulSet: func() metav1.Object { return &appsv1.StatefulSet{} },
	PrefixJob:         func() metav1.Object { return &batchv1.Job{} },
	PrefixCronJob:     func() metav1.Object { return &batchv1.CronJob{} },
}

// IsObjectKey reports whether key holds an object users apply (ObjectPrefixes).
func IsObjectKey(key string) bool {
	_, ok := objectPrefix(key)
	return ok
}

func objectPrefix(key string) (string, bool) {
	for _, p := range ObjectPrefixes {
		if strings.HasPrefix(key, p) {
			return p, true
		}
	}
	return "", false
}

// WithResourceVersion returns the object stored under key with its metadata.resourceVersion
// set to rv, "" leaving it out. The object goes through its own type, so that the bytes are
// those the API encodes any object of that type into.
func WithResourceVersion(key string, value []byte, rv string) ([]byte, error) {
	prefix, ok := objectPrefix(key)
	if !ok {
		return nil, fmt.Errorf("set the resourceVersion of %s: not an object's key", key)
	}
	o := objectTypes[prefix]()
	if err := json.Unmarshal(value, o); err != nil {
		return nil, fmt.Errorf("decode %s: %w", key, err)
	}
	o.SetResourceVersion(rv)
	b, err := json.Marshal(o)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", key, err)
	}
	return b, nil
}
