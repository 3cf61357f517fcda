package manifest

import (
	"fmt"
	"hash/fnv"
	"sync"

	"k8s.io/apimachinery/pkg/util/rand"
)

// The pods of a Deployment or a Job are named by ordinal, <name>-<5 characters>, the
// suffix hashed from the workload's identity and the ordinal, so that every node, and a
// leader that takes over, names the same pod the same without asking anyone. The suffix
// is the last five digits of a 32-bit hash, written in Kubernetes' safe alphabet: one of
// 100,000, so two replicas of a few hundred meet the same one more often than not, and
// a Deployment of 300 replicas ran 299. So an ordinal whose suffix an earlier ordinal of
// the same workload took hashes again, with a salt, until it finds one free. The suffix of
// an ordinal depends only on the identity and the ordinals before it: the same on every
// node, and unchanged for every pod named before this rule existed that was not named
// twice.

// ordinalSuffix is the suffix of the pod of ordinal among the pods of the workload id.
func ordinalSuffix(id string, ordinal int) string {
	return suffixes.of(id, ordinal)
}

// suffixTable keeps the suffixes of the workloads named lately, by identity, so that the
// names of a Deployment's thousand replicas are worked out once and not for every one of
// them. It is a cache: what it forgets, it works out again the same.
type suffixTable struct {
	mu   sync.Mutex
	byID map[string]*ordinalSuffixes
}

type ordinalSuffixes struct {
	list  []string
	taken map[string]struct{}
}

// maxSuffixTables bounds the workloads remembered: a template that changed is not asked
// about again.
const maxSuffixTables = 1024

var suffixes suffixTable

func (t *suffixTable) of(id string, ordinal int) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	o := t.byID[id]
	if o == nil {
		if t.byID == nil || len(t.byID) >= maxSuffixTables {
			t.byID = map[string]*ordinalSuffixes{}
		}
		o = &ordinalSuffixes{taken: map[string]struct{}{}}
		t.byID[id] = o
	}
	for len(o.list) <= ordinal {
		i := len(o.list)
		s := hashedSuffix(id, i, 0)
		for salt := 1; o.has(s); salt++ {
			s = hashedSuffix(id, i, salt)
		}
		o.list = append(o.list, s)
		o.taken[s] = struct{}{}
	}
	return o.list[ordinal]
}

func (o *ordinalSuffixes) has(s string) bool {
	_, ok := o.taken[s]
	return ok
}

// hashedSuffix is the suffix that ordinal hashes to with salt; salt 0 is the hash the
// first names were made of.
func hashedSuffix(id string, ordinal, salt int) string {
	if salt == 0 {
		return suffixOf(fmt.Sprintf("%s/%d", id, ordinal))
	}
	return suffixOf(fmt.Sprintf("%s/%d/salt=%d", id, ordinal, salt))
}

// suffixOf is the 5 characters a pod name ends with, hashed from what identifies the pod:
// the last five digits of its 32-bit FNV-1a hash, in Kubernetes' safe alphabet.
func suffixOf(identity string) string {
	h := fnv.New32a()
	_, _ = h.Write([]byte(identity))
	suffix := rand.SafeEncodeString(fmt.Sprintf("%010d", h.Sum32()))
	return suffix[len(suffix)-5:]
}
