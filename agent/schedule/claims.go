package schedule

import (
	"time"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/manifest"
	"github.com/podman-swarm/podman-swarm/scheduler"
)

// claimInputs are the stored claims as the scheduler sees them: bound to the node of
// their binding, unless that binding was released (a claim of the same name deleted
// before), which binds anew.
func claimInputs(st *store.State) map[string]scheduler.Claim {
	out := make(map[string]scheduler.Claim, len(st.Claims))
	for key, c := range st.Claims {
		in := scheduler.Claim{OncePod: manifest.OncePod(c), Deleting: c.DeletionTimestamp != nil}
		if b, ok := st.ClaimBindings[key]; ok && b.Released.IsZero() {
			in.Node = b.Node
		}
		out[key] = in
	}
	return out
}

// claimChanges are the store writes of a plan's claims: the bindings it makes, and, for
// each claim being deleted that no pod uses any more, the claim deleted and its binding
// released with the claim's reclaim policy, for its node to act on. A claim that was never
// bound has no volume and leaves no record.
func claimChanges(st *store.State, out scheduler.Output, now time.Time) []change {
	var changes []change
	used := claimsInUse(st, out)
	for _, key := range sortedKeys(out.Bind) {
		if !used[key] {
			continue // its pod was not created after all (no pod IP left): it binds nothing
		}
		b := store.ClaimBinding{Node: out.Bind[key], BoundAt: now}
		changes = append(changes, change{key: store.ClaimBindingKey(key), value: store.MustJSON(b)})
	}
	for _, key := range out.Unused {
		c := st.Claims[key]
		if c == nil {
			continue
		}
		ns, name := c.Namespace, c.Name
		changes = append(changes, change{key: store.ObjectKey(store.PrefixClaim, ns, name), delete: true})
		b, ok := st.ClaimBindings[key]
		if !ok || !b.Released.IsZero() {
			continue
		}
		b.Released, b.Reclaim = now, manifest.ReclaimPolicy(c)
		changes = append(changes, change{key: store.ClaimBindingKey(key), value: store.MustJSON(b)})
	}
	return changes
}

// claimsInUse are the claims of the pods the plan creates and of those already assigned.
func claimsInUse(st *store.State, out scheduler.Output) map[string]bool {
	used := map[string]bool{}
	for _, c := range out.Create {
		for _, name := range manifest.ClaimNames(&c.Pod.Spec) {
			used[c.Pod.Namespace+"/"+name] = true
		}
	}
	for _, a := range st.Assignments {
		for _, name := range manifest.ClaimNames(&a.Pod.Spec) {
			used[a.Pod.Namespace+"/"+name] = true
		}
	}
	return used
}
