package quadlet

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/manifest"
)

func claimPod(ns, name string, mounts ...corev1.VolumeMount) manifest.Pod {
	return testPod(func(p *manifest.Pod) {
		p.Namespace, p.Name = ns, name
		p.Spec.Volumes = []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "db"}}}}
		p.Spec.Containers[0].VolumeMounts = mounts
	})
}

// Two pods of one claim, say the old and the new pod of a rollout, write their own units
// for it, but mount one podman volume: the claim's, which no pod's going removes.
func TestClaimVolumeIsTheClaims(t *testing.T) {
	mount := corev1.VolumeMount{Name: "data", MountPath: "/data"}
	var volumes []string
	for _, name := range []string{"web-a", "web-b"} {
		res, err := Render(claimPod("shop", name, mount), Options{})
		if err != nil {
			t.Fatalf("Render: %v", err)
		}
		unit := ClaimUnitName("shop", name, "db")
		u := unitOf(t, res, unit)
		v, _ := u.lookup("Volume", "VolumeName")
		volumes = append(volumes, v)
		c := unitOf(t, res, ContainerUnitName("shop", name, "app"))
		if got, _ := c.lookup("Container", "Volume"); got != unit+":/data" {
			t.Errorf("%s: Volume=%q, want the claim's unit mounted at /data", name, got)
		}
		ref, ok := ParseUnitName(unit)
		if !ok || ref.Kind != KindVolume || ref.PodmanVolume != "" || ref.Pod != name || ref.Claim != "db" ||
			ref.Service != ClaimServiceName("shop", name, "db") {
			t.Errorf("ParseUnitName(%s) = %+v, %v: want a volume unit of the pod that deletes no podman volume", unit, ref, ok)
		}
		for _, r := range res.Units {
			if r.Name == unit && r.UnitRef != ref {
				t.Errorf("rendered ref %+v, parsed %+v", r.UnitRef, ref)
			}
		}
	}
	if volumes[0] != "swarm-shop_db" || volumes[1] != volumes[0] {
		t.Errorf("volumes %q, want both swarm-shop_db", volumes)
	}
	// An emptyDir's unit still parses as the pod's own volume.
	if ref, ok := ParseUnitName(VolumeUnitName("shop", "web-a", "claim")); !ok || ref.PodmanVolume != VolumeName("shop", "web-a", "claim") {
		t.Errorf("emptyDir named claim: %+v", ref)
	}
}

func TestClaimMounts(t *testing.T) {
	tests := []struct {
		name     string
		mount    corev1.VolumeMount
		readOnly bool // the volume source's readOnly
		key      string
		want     string
	}{
		{"whole", corev1.VolumeMount{Name: "data", MountPath: "/data"}, false,
			"Volume", "swarm-default_web_db_claim.volume:/data"},
		{"read only mount", corev1.VolumeMount{Name: "data", MountPath: "/data", ReadOnly: true}, false,
			"Volume", "swarm-default_web_db_claim.volume:/data:ro"},
		{"read only claim", corev1.VolumeMount{Name: "data", MountPath: "/data"}, true,
			"Volume", "swarm-default_web_db_claim.volume:/data:ro"},
		{"subPath", corev1.VolumeMount{Name: "data", MountPath: "/etc/app", SubPath: "conf/./app"}, false,
			"Mount", "type=volume,source=swarm-default_web_db_claim.volume,destination=/etc/app,subpath=conf/app"},
		{"read only subPath", corev1.VolumeMount{Name: "data", MountPath: "/etc/app", SubPath: "conf", ReadOnly: true}, false,
			"Mount", "type=volume,source=swarm-default_web_db_claim.volume,destination=/etc/app,subpath=conf,ro=true"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := claimPod("default", "web", tt.mount)
			p.Spec.Volumes[0].PersistentVolumeClaim.ReadOnly = tt.readOnly
			res, err := Render(p, Options{})
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			c := unitOf(t, res, ContainerUnitName("default", "web", "app"))
			if got := c.lookupAll("Container", tt.key); !slices.Equal(got, []string{tt.want}) {
				t.Errorf("%s= %q, want %q", tt.key, got, tt.want)
			}
		})
	}
}

// Through podman's own generator: the claim's unit creates the claim's volume, keeping one
// that is there, and the containers mount that volume, a subPath of it through --mount.
func TestGeneratorClaimVolume(t *testing.T) {
	dryrun := generatorOrSkip(t)
	pod := loadPod(t, filepath.Join("testdata", "claim", "input.yaml"))
	res, err := Render(pod, goldenOptions)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	services := runGenerator(t, dryrun, res.Units)
	create := strings.Join(execArgv(t, services[ClaimServiceName("shop", "db", "db-data")], "ExecStart"), " ")
	if !strings.Contains(create, "volume create --ignore") || !strings.HasSuffix(create, " swarm-shop_db-data") ||
		!strings.Contains(create, "--label "+ClaimVolumeLabel+"=shop/db-data") {
		t.Errorf("claim volume service runs %q", create)
	}
	postgres := execArgv(t, services[ContainerServiceName("shop", "db", "postgres")], "ExecStart")
	if got := flagValues(postgres, "-v"); !slices.Equal(got, []string{"swarm-shop_db-data:/var/lib/postgresql/data"}) {
		t.Errorf("postgres mounts %q", got)
	}
	backup := execArgv(t, services[ContainerServiceName("shop", "db", "backup")], "ExecStart")
	if got := flagValues(backup, "--mount"); !slices.Equal(got, []string{"type=volume,source=swarm-shop_db-data,destination=/src,subpath=pgdata,ro=true"}) {
		t.Errorf("backup --mount %q", got)
	}
	if got := flagValues(backup, "-v"); !slices.Equal(got, []string{"swarm-shop_db-archive:/archive:ro"}) {
		t.Errorf("backup -v %q", got)
	}
	for _, name := range []string{"postgres", "backup"} {
		s := services[ContainerServiceName("shop", "db", name)]
		if req := strings.Join(s.lookupAll("Unit", "Requires"), " "); !strings.Contains(req, ClaimServiceName("shop", "db", "db-data")) {
			t.Errorf("%s requires %q, want the claim volume's service", name, req)
		}
	}
}
