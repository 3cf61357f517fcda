package scheduler

import (
	"fmt"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
)

// benchCluster is 50 nodes in three zones and 200 Deployments of 5 replicas (1000 pods),
// a fifth of them pinned to a zone and a tenth publishing a host port.
func benchCluster() Input {
	var nodes []Node
	for i := 0; i < 50; i++ {
		nodes = append(nodes, alive(fmt.Sprintf("node%02d", i), "zone", zones[1+i%3]))
	}
	var deps []*appsv1.Deployment
	for i := 0; i < 200; i++ {
		var opts []func(*appsv1.Deployment)
		if i%5 == 0 {
			opts = append(opts, selector("zone", zones[1+i%3]))
		}
		if i%10 == 0 {
			opts = append(opts, port(int32(9000+i)))
		}
		deps = append(deps, deploy(fmt.Sprintf("app%03d", i), 5, opts...))
	}
	return input(nodes, deps)
}

func benchmarkPlan(b *testing.B, in Input) {
	b.ReportAllocs()
	for b.Loop() {
		Plan(in)
	}
}

// BenchmarkPlanFromEmpty places all 1000 pods.
func BenchmarkPlanFromEmpty(b *testing.B) {
	benchmarkPlan(b, benchCluster())
}

// BenchmarkPlanSteadyState plans a cluster where everything runs: the leader's usual case.
func BenchmarkPlanSteadyState(b *testing.B) {
	in := benchCluster()
	in = markReady(apply(in, Plan(in)))
	if out := Plan(in); !out.Empty() {
		b.Fatal("cluster not settled")
	}
	benchmarkPlan(b, in)
}

// BenchmarkPlanRollout plans the first step of a rollout of every Deployment at once.
func BenchmarkPlanRollout(b *testing.B) {
	in := benchCluster()
	in = markReady(apply(in, Plan(in)))
	deps := make([]*appsv1.Deployment, len(in.Deployments))
	for i, d := range in.Deployments {
		d = d.DeepCopy()
		image("example.org/v2")(d)
		deps[i] = d
	}
	in.Deployments = deps
	benchmarkPlan(b, in)
}
