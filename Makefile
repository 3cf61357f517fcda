# podman-swarm: build, test and package.
GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X main.version=$(VERSION)
PREFIX   ?= /usr/local
BIN      := bin/swarm

.PHONY: all build install test test-short e2e lint fuzz bench bench-cluster bench-scale bench-node bench-net bench-netpath bench-rollout bench-dns bench-ingress bench-go e2e-tree clean

all: build

## build: the static swarm binary in bin/ (static so that it also runs inside containers as a probe)
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/swarm

## install: build and copy swarm to $(PREFIX)/bin
install: build
	install -D -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/swarm

## test: every test, including the check of rendered units against podman's own Quadlet
## generator from a Debian trixie tree (built once with debootstrap and cached; needs root)
test: e2e-tree
	SWARM_E2E=1 $(GO) test ./...

## e2e: the end-to-end tests on three Debian trixie nodes booted with systemd-nspawn: real
## systemd, real rootless podman, the agent as a systemd --user service (needs root; about
## 5 minutes, the first time a few more for the trixie tree)
e2e: e2e-tree deb
	SWARM_E2E_CLUSTER=1 $(GO) test -count=1 -timeout 30m -v ./test/e2e

## test-short: the tests that need no root and no trixie tree
test-short:
	$(GO) test ./...

## lint: formatting and go vet
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

## fuzz: a short run of each fuzz target
fuzz:
	$(GO) test ./quadlet -run '^$$' -fuzz FuzzRender -fuzztime 60s -fuzzminimizetime 5s
	$(GO) test ./quadlet -run '^$$' -fuzz FuzzParseRender -fuzztime 60s -fuzzminimizetime 5s

## bench: every benchmark; figures go to stdout, write them into BENCHMARKS.md with the date
bench: bench-go bench-cluster bench-node bench-net bench-netpath bench-rollout bench-dns bench-ingress

## bench-cluster: 20 agents (--runtime none) on 127.0.1.x: apply spread, failover at N=5, idle cost;
## 200 applies on 3 agents with each ?ack= (SWARM_BASE=old/swarm measures an earlier build beside)
bench-cluster: build
	$(GO) run ./bench/cluster -swarm $(BIN) $(if $(SWARM_BASE),-swarm-base $(SWARM_BASE))

## bench-scale: 50 agents (--runtime none) on 127.0.2.x: 1,000 then 5,000 pods applied until every
## agent's API lists them, idle CPU and memory, pod list latency, SIGKILL failover (about 10 minutes)
bench-scale: build
	$(GO) run ./bench/scale -swarm $(BIN)

## bench-node: on one rig node: apply until a pod answers vs a plain systemctl start, and
## 50 pods on one node (needs root)
bench-node: e2e-tree
	SWARM_E2E_CLUSTER=1 SWARM_E2E_BENCH=1 $(GO) test -count=1 -timeout 30m -v -run 'TestBenchmarkNode' ./test/e2e

## bench-net: on the rig, from inside a pod: a Service's ClusterIP against the endpoint's
## node address and port (throughput, latency; same node and other node), and how long 100
## pods' rules take to follow an endpoint change
bench-net: e2e-tree deb
	SWARM_E2E_CLUSTER=1 SWARM_E2E_BENCH=1 $(GO) test -count=1 -timeout 30m -v -run 'TestBenchmarkNetwork' ./test/e2e

## bench-netpath: the rules' own cost on a Service's path, no rig and no root: in a private user and
## network namespace, 80 pairs of 256 MiB downloads through a ClusterIP and straight to its endpoint,
## judged against 0.95x, and 2,000 new connections a path (needs ip and nft; set
## SWARM_BENCH_NETPATH_PAIRS, _MIB, _REQUESTS to change the sizes)
bench-netpath:
	SWARM_BENCH_NETPATH=1 $(GO) test -count=1 -timeout 30m -v -run '^TestBenchmarkServicePath$$' ./netrules

## bench-rollout: on the rig: a 3-replica rolling update until `swarm rollout status` is done,
## a rollback from a missing image, and apply until the first pod answers on a node without
## podman's pause image (needs root)
bench-rollout: e2e-tree deb
	SWARM_E2E_CLUSTER=1 SWARM_E2E_BENCH=1 $(GO) test -count=1 -timeout 30m -v -run 'TestBenchmarkRollout' ./test/e2e

## bench-dns: swarm dns against Unbound with dnsperf, pinned to separate cores (installs
## Debian's dnsperf and unbound when missing; needs root)
bench-dns: build
	@for p in dnsperf unbound; do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || { apt-get update && apt-get install -y dnsperf unbound; break; }; done
	$(GO) run ./bench/dns -swarm $(BIN)

## bench-ingress: swarm ingress against nginx with wrk, pinned to separate cores (installs
## Debian's wrk and nginx-light when missing; needs root)
bench-ingress: build
	@command -v nginx >/dev/null && command -v wrk >/dev/null || { apt-get update && apt-get install -y wrk nginx-light; }
	$(GO) run ./bench/ingress -swarm $(BIN)

## bench-go: the Go benchmarks of the pure parts (scheduler, rendering)
bench-go:
	$(GO) test -run '^$$' -bench . -benchmem ./scheduler ./quadlet ./manifest

## e2e-tree: build (or find in the cache) the Debian trixie tree the generator check runs in
e2e-tree:
	test/e2e/trixie-tree >/dev/null

clean:
	rm -rf bin

.PHONY: deb rpm package-check package-deps

## package-deps: the Debian packages that build and check the packages (needs root)
package-deps:
	packaging/deps

## deb: the Debian package in dist/ (see packaging/README.md)
deb: build package-deps
	packaging/build deb

## rpm: the RPM package in dist/ (rpmbuild from Debian's rpm package)
rpm: build package-deps
	packaging/build rpm

## package-check: lintian and rpmlint on both packages, and what the RPM holds
package-check: export PKG_VERSION := $(shell packaging/version)
package-check: deb rpm
	packaging/check
