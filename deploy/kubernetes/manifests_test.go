package kubernetes

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// decoded are the objects of one YAML stream, each decoded strictly into its k8s.io/api type.
type decoded struct {
	configMaps []*corev1.ConfigMap
	claims     []*corev1.PersistentVolumeClaim
	jobs       []*batchv1.Job
}

// decodeStrict decodes every document of a stream into the Kubernetes API types: an unknown
// or duplicated field, or a kind other than these four, is an error.
func decodeStrict(stream []byte) (*decoded, error) {
	d := &decoded{}
	for i, doc := range strings.Split(string(stream), "\n---\n") {
		if strings.TrimSpace(stripComments(doc)) == "" || strings.TrimSpace(doc) == "---" {
			continue
		}
		var tm metav1.TypeMeta
		if err := yaml.Unmarshal([]byte(doc), &tm); err != nil {
			return nil, fmt.Errorf("document %d: %w", i, err)
		}
		var err error
		switch tm.APIVersion + " " + tm.Kind {
		case "v1 ConfigMap":
			var o corev1.ConfigMap
			err = yaml.UnmarshalStrict([]byte(doc), &o)
			d.configMaps = append(d.configMaps, &o)
		case "v1 PersistentVolumeClaim":
			var o corev1.PersistentVolumeClaim
			err = yaml.UnmarshalStrict([]byte(doc), &o)
			d.claims = append(d.claims, &o)
		case "batch/v1 Job":
			var o batchv1.Job
			err = yaml.UnmarshalStrict([]byte(doc), &o)
			d.jobs = append(d.jobs, &o)
		default:
			err = fmt.Errorf("unexpected %s %s", tm.APIVersion, tm.Kind)
		}
		if err != nil {
			return nil, fmt.Errorf("document %d (%s): %w", i, tm.Kind, err)
		}
	}
	return d, nil
}

func stripComments(doc string) string {
	var keep []string
	for _, l := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "#") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

func exampleSpec() Spec {
	start := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	return Spec{RunID: "cap-20261201t120000z", Image: "batchcert:dev", Shards: 3,
		Profile: []byte("name: example\nbaseURL: https://platform.example:8743\napps:\n  primary: {appId: a, secret: ${S_A}}\n"),
		Secrets: []string{"S_A"}, Args: []string{"-rates", "300,600"}, StartAt: start, MergeUntil: start.Add(5 * time.Minute)}
}

// checkWiring checks what makes the objects a distributed run: an Indexed Job of n pods, each
// told its index and the count, the profile and results mounted, the secrets from the Secret.
func checkWiring(t *testing.T, d *decoded, n int, secrets []string) {
	t.Helper()
	if len(d.configMaps) != 1 || len(d.claims) != 1 || len(d.jobs) != 2 {
		t.Fatalf("%d ConfigMaps, %d claims, %d Jobs: want 1, 1, 2", len(d.configMaps), len(d.claims), len(d.jobs))
	}
	cm, pvc := d.configMaps[0], d.claims[0]
	if cm.Name != ConfigMapName || cm.Data[ProfileKey] == "" {
		t.Errorf("ConfigMap %s without the profile under %s", cm.Name, ProfileKey)
	}
	if pvc.Name != ClaimName || !slices.Contains(pvc.Spec.AccessModes, corev1.ReadWriteMany) {
		t.Errorf("claim %s %v: want %s ReadWriteMany, for shards on several nodes", pvc.Name, pvc.Spec.AccessModes, ClaimName)
	}
	shards, merge := d.jobs[0], d.jobs[1]
	js := shards.Spec
	if js.CompletionMode == nil || *js.CompletionMode != batchv1.IndexedCompletion {
		t.Errorf("shards Job: completionMode %v, want Indexed", js.CompletionMode)
	}
	if js.Parallelism == nil || int(*js.Parallelism) != n || js.Completions == nil || int(*js.Completions) != n {
		t.Errorf("shards Job: parallelism %v completions %v, want %d both", js.Parallelism, js.Completions, n)
	}
	if js.BackoffLimit == nil || *js.BackoffLimit != 0 {
		t.Errorf("shards Job: backoffLimit %v, want 0 (a restarted shard would start late)", js.BackoffLimit)
	}
	pod := js.Template.Spec
	if pod.RestartPolicy != corev1.RestartPolicyNever || len(pod.Containers) != 1 {
		t.Fatalf("shards pod: restartPolicy %s, %d containers", pod.RestartPolicy, len(pod.Containers))
	}
	c := pod.Containers[0]
	if i := slices.Index(c.Args, "-shard-count"); i < 0 || i+1 >= len(c.Args) || c.Args[i+1] != fmt.Sprint(n) {
		t.Errorf("shard args %q: want -shard-count %d", c.Args, n)
	}
	for _, flag := range []string{"-start-at", "-target", "-out"} {
		if !slices.Contains(c.Args, flag) {
			t.Errorf("shard args %q: no %s", c.Args, flag)
		}
	}
	if slices.Contains(c.Args, "-shard-index") {
		t.Errorf("shard args %q: the index must come from %s, not be fixed", c.Args, IndexEnv)
	}
	env := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		env[e.Name] = e
	}
	if e, ok := env[IndexEnv]; !ok || e.ValueFrom == nil || e.ValueFrom.FieldRef == nil ||
		e.ValueFrom.FieldRef.FieldPath != "metadata.annotations['"+IndexAnnotation+"']" {
		t.Errorf("shard env %s: %+v, want the pod's completion-index annotation", IndexEnv, e)
	}
	for _, s := range secrets {
		e, ok := env[s]
		if !ok || e.Value != "" || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil ||
			e.ValueFrom.SecretKeyRef.Name != SecretName || e.ValueFrom.SecretKeyRef.Key != s {
			t.Errorf("shard env %s: %+v, want Secret %s key %s", s, e, SecretName, s)
		}
	}
	mounts := map[string]corev1.VolumeMount{}
	for _, m := range c.VolumeMounts {
		mounts[m.Name] = m
	}
	vols := map[string]corev1.Volume{}
	for _, v := range pod.Volumes {
		vols[v.Name] = v
	}
	if m := mounts["profile"]; m.MountPath != ProfileDir || !m.ReadOnly || vols["profile"].ConfigMap == nil || vols["profile"].ConfigMap.Name != ConfigMapName {
		t.Errorf("profile mount %+v volume %+v: want ConfigMap %s read-only at %s", m, vols["profile"], ConfigMapName, ProfileDir)
	}
	if m := mounts["results"]; m.MountPath != ResultsDir || vols["results"].PersistentVolumeClaim == nil || vols["results"].PersistentVolumeClaim.ClaimName != ClaimName {
		t.Errorf("results mount %+v volume %+v: want claim %s at %s", m, vols["results"], ClaimName, ResultsDir)
	}
	if i := slices.Index(c.Args, "-target"); i < 0 || !strings.HasPrefix(c.Args[i+1], ProfileDir+"/") {
		t.Errorf("shard args %q: -target is not in the profile mount", c.Args)
	}
	mc := merge.Spec.Template.Spec.Containers
	if merge.Spec.CompletionMode != nil && *merge.Spec.CompletionMode == batchv1.IndexedCompletion || len(mc) != 1 || mc[0].Args[0] != "merge" {
		t.Errorf("merge Job: %+v", merge.Spec)
	}
	if i := slices.Index(mc[0].Args, "-shards"); i < 0 || mc[0].Args[i+1] != fmt.Sprint(n) {
		t.Errorf("merge args %q: want -shards %d, so a shard that never wrote is named", mc[0].Args, n)
	}
	if !slices.ContainsFunc(mc[0].VolumeMounts, func(m corev1.VolumeMount) bool { return m.MountPath == ResultsDir }) {
		t.Errorf("merge mounts %+v: want the results volume", mc[0].VolumeMounts)
	}
	for _, p := range []corev1.PodSpec{pod, merge.Spec.Template.Spec} {
		if p.SecurityContext == nil || p.SecurityContext.RunAsNonRoot == nil || !*p.SecurityContext.RunAsNonRoot {
			t.Errorf("pod runs as root: %+v", p.SecurityContext)
		}
	}
}

func TestRenderDecodesStrictly(t *testing.T) {
	t.Parallel()
	s := exampleSpec()
	out, err := Render(s)
	if err != nil {
		t.Fatal(err)
	}
	d, err := decodeStrict(out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	checkWiring(t, d, 3, s.Secrets)
	if got := d.configMaps[0].Data[ProfileKey]; got != string(s.Profile) {
		t.Errorf("the ConfigMap's profile differs from the profile:\n%s", got)
	}
}

// TestCheckedInManifests: the files in this directory are valid Kubernetes objects, wired for
// a distributed run. (cmd/batchcert's TestEmitKubernetesMatchesDeploy regenerates them from the
// README's command and compares.)
func TestCheckedInManifests(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("capacity.yaml")
	if err != nil {
		t.Fatal(err)
	}
	d, err := decodeStrict(b)
	if err != nil {
		t.Fatal(err)
	}
	checkWiring(t, d, 2, []string{"BATCHCERT_SECRET_PRIMARY", "BATCHCERT_SECRET_SECONDARY"})
}

// TestStrictDecodeRefusesUnknownFields guards the guard: a misspelt field is an error.
func TestStrictDecodeRefusesUnknownFields(t *testing.T) {
	t.Parallel()
	out, err := Render(exampleSpec())
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(out), "completionMode: Indexed", "completionMode: Indexed\n  completionsMode: Indexed", 1)
	if bad == string(out) {
		t.Fatal("no completionMode in the output")
	}
	if _, err := decodeStrict([]byte(bad)); err == nil || !strings.Contains(err.Error(), "completionsMode") {
		t.Fatalf("err %v, want the unknown field named", err)
	}
}

func TestSpecRefusesBadValues(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, reason, want string
		edit               func(*Spec)
	}{
		{"run-id", "a run id must make valid object names", "run id", func(s *Spec) { s.RunID = "Cap_1" }},
		{"shards", "at least one shard", "0 shards", func(s *Spec) { s.Shards = 0 }},
		{"secret", "a secret name must be an env var name", "secret name", func(s *Spec) { s.Secrets = []string{"A-B"} }},
		{"start", "shards need a common start", "start", func(s *Spec) { s.StartAt = time.Time{} }},
		{"storage", "the claim's size must parse", "storage", func(s *Spec) { s.Storage = "lots" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := exampleSpec()
			tc.edit(&s)
			if _, err := Render(s); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: err %v, want %q", tc.reason, err, tc.want)
			}
		})
	}
}

// TestDockerfile: the image is the static binary on scratch or distroless, with no shell to
// run it through, as the nonroot user the pods run as.
func TestDockerfile(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	var froms []string
	var entry, user string
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) < 2 || strings.HasPrefix(f[0], "#") {
			continue
		}
		switch strings.ToUpper(f[0]) {
		case "FROM":
			froms = append(froms, f[1])
		case "ENTRYPOINT", "CMD":
			entry = strings.TrimSpace(strings.TrimPrefix(l, f[0]))
		case "USER":
			user = f[1]
		}
	}
	if len(froms) == 0 {
		t.Fatal("no FROM")
	}
	if last := froms[len(froms)-1]; last != "scratch" && !strings.HasPrefix(last, "gcr.io/distroless/static") {
		t.Errorf("final stage FROM %s: want scratch or distroless/static", last)
	}
	if !strings.Contains(string(b), "CGO_ENABLED=0") {
		t.Error("the binary is not built with CGO_ENABLED=0: it would need a libc")
	}
	if !strings.HasPrefix(entry, "[") {
		t.Errorf("ENTRYPOINT %q: want the exec form, the image has no shell", entry)
	}
	if user != fmt.Sprintf("%d:%d", nonRoot, nonRoot) {
		t.Errorf("USER %q: want %d:%d, as the pods' securityContext", user, nonRoot, nonRoot)
	}
}
