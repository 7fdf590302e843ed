// Package kubernetes generates the Kubernetes objects of a distributed capacity run: the
// target profile in a ConfigMap, a volume for the shard results, an Indexed Job whose pods are
// the shards (`batchcert load capacity -shard-count N`, each reading its index from
// JOB_COMPLETION_INDEX) and a Job that merges their results (`batchcert merge`).
//
// The objects are built from the types of k8s.io/api, from the same flags as a local run
// (`batchcert load capacity ... -emit-kubernetes`), so a local and a distributed run cannot
// drift; the files in this directory are that command's output for the example profile, and a
// test regenerates and compares them.
//
// Results go to a shared volume (a ReadWriteMany claim), not to a collector: a volume needs
// no server, port or credentials of its own, keeps every shard's files when a pod or the merge
// fails, and lets the merge be re-run by hand; shards on several nodes need a storage class
// that offers ReadWriteMany (NFS, CephFS, a cloud file store).
//
// Secrets never enter a manifest: the profile names them as ${VAR}, and the shards read each
// from the Secret SecretName, key VAR, which the user creates with kubectl.
package kubernetes

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"strconv"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// Names and paths the objects share.
const (
	ConfigMapName = "batchcert-profile"
	SecretName    = "batchcert-secrets"
	ClaimName     = "batchcert-results"
	ProfileKey    = "target.yaml"
	ProfileDir    = "/etc/batchcert"
	ResultsDir    = "/results"
	// IndexEnv is where a pod of an Indexed Job finds its index; batchcert reads it when
	// -shard-index is not given.
	IndexEnv = "JOB_COMPLETION_INDEX"
	// IndexAnnotation is the pod annotation the index comes from.
	IndexAnnotation = "batch.kubernetes.io/job-completion-index"
	// DefaultImage is the image a Spec without one runs.
	DefaultImage = "batchcert:latest"
	// DefaultStorage is the results claim's size.
	DefaultStorage = "1Gi"
	// nonRoot is the distroless image's nonroot user.
	nonRoot = 65532
)

// Spec is one distributed capacity run.
type Spec struct {
	// RunID names the run (the shards' -out directory and the Jobs' names).
	RunID string
	// Image is the batchcert container image (DefaultImage when empty).
	Image string
	// Shards is the shard count: the Indexed Job's completions and parallelism.
	Shards int
	// Profile is the target profile's text, put in the ConfigMap as ProfileKey.
	Profile []byte
	// Secrets are the profile's ${VAR} names: each shard's env VAR comes from SecretName's key VAR.
	Secrets []string
	// Args are the `load capacity` flags every shard shares, as given to the local run
	// (without -target, -out, -shard-index, -shard-count, -start-at).
	Args []string
	// StartAt is the common start of the shards' first step.
	StartAt time.Time
	// MergeUntil is how long the merge waits for the shards' manifests.
	MergeUntil time.Time
	// Storage is the results claim's size (DefaultStorage when empty).
	Storage string
}

var (
	runID   = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,40}[a-z0-9])?$`)
	envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

func (s Spec) check() error {
	switch {
	case !runID.MatchString(s.RunID):
		return fmt.Errorf("kubernetes: run id %q: want lower-case letters, digits and '-', at most 42", s.RunID)
	case s.Shards < 1 || s.Shards > 1000:
		return fmt.Errorf("kubernetes: %d shards: want 1..1000", s.Shards)
	case len(s.Profile) == 0:
		return fmt.Errorf("kubernetes: no target profile")
	case len(s.Profile) > 512<<10:
		return fmt.Errorf("kubernetes: the target profile is larger than a ConfigMap should hold (512 KiB)")
	case s.StartAt.IsZero():
		return fmt.Errorf("kubernetes: no common start time")
	}
	for _, v := range s.Secrets {
		if !envName.MatchString(v) {
			return fmt.Errorf("kubernetes: secret name %q is not an environment variable name", v)
		}
	}
	if s.Storage != "" {
		if _, err := resource.ParseQuantity(s.Storage); err != nil {
			return fmt.Errorf("kubernetes: storage %q: %w", s.Storage, err)
		}
	}
	return nil
}

// JobName is the shards' Job; the merge's is JobName + "-merge".
func (s Spec) JobName() string { return "batchcert-" + s.RunID }

// RunDir is where the run's shard files go on the results volume.
func (s Spec) RunDir() string { return path.Join(ResultsDir, s.RunID) }

// Objects returns the run's objects: the ConfigMap, the results claim, the shards' Indexed
// Job and the merge Job.
func Objects(s Spec) (*corev1.ConfigMap, *corev1.PersistentVolumeClaim, *batchv1.Job, *batchv1.Job, error) {
	if err := s.check(); err != nil {
		return nil, nil, nil, nil, err
	}
	if s.Image == "" {
		s.Image = DefaultImage
	}
	if s.Storage == "" {
		s.Storage = DefaultStorage
	}
	labels := map[string]string{"app.kubernetes.io/name": "batchcert", "app.kubernetes.io/component": "capacity"}
	runLabels := map[string]string{"app.kubernetes.io/name": "batchcert", "app.kubernetes.io/component": "capacity", "batchcert/run": s.RunID}
	cm := &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: ConfigMapName, Labels: labels},
		Data:       map[string]string{ProfileKey: string(s.Profile)},
	}
	pvc := &corev1.PersistentVolumeClaim{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "PersistentVolumeClaim"},
		ObjectMeta: metav1.ObjectMeta{Name: ClaimName, Labels: labels},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteMany},
			Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{
				corev1.ResourceStorage: resource.MustParse(s.Storage)}},
		},
	}
	profile := path.Join(ProfileDir, ProfileKey)
	shardArgs := append([]string{"load", "capacity", "-target", profile,
		"-shard-count", strconv.Itoa(s.Shards), "-start-at", s.StartAt.UTC().Format(time.RFC3339Nano),
		"-out", s.RunDir()}, s.Args...)
	env := []corev1.EnvVar{{Name: IndexEnv, ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{
		FieldPath: "metadata.annotations['" + IndexAnnotation + "']"}}}}
	for _, v := range s.Secrets {
		env = append(env, corev1.EnvVar{Name: v, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: SecretName}, Key: v}}})
	}
	shard := container("shard", s.Image, shardArgs, env,
		corev1.VolumeMount{Name: "profile", MountPath: ProfileDir, ReadOnly: true},
		corev1.VolumeMount{Name: "results", MountPath: ResultsDir}, tmpMount)
	n := int32(s.Shards)
	indexed := batchv1.IndexedCompletion
	shards := &batchv1.Job{
		TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
		ObjectMeta: metav1.ObjectMeta{Name: s.JobName(), Labels: runLabels},
		Spec: batchv1.JobSpec{
			CompletionMode: &indexed,
			Completions:    &n,
			Parallelism:    &n,
			// A shard started again would begin after the common start and refuse to run;
			// the merge names a failed shard instead.
			BackoffLimit: ptr(int32(0)),
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: runLabels},
				Spec:       podSpec(shard, profileVolume(), resultsVolume(), tmpVolume),
			},
		},
	}
	mergeArgs := []string{"merge", "-shards", strconv.Itoa(s.Shards), "-wait-until", s.MergeUntil.UTC().Format(time.RFC3339Nano),
		"-out", path.Join(s.RunDir(), "report"), s.RunDir()}
	merge := container("merge", s.Image, mergeArgs, nil, corev1.VolumeMount{Name: "results", MountPath: ResultsDir}, tmpMount)
	mergeJob := &batchv1.Job{
		TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
		ObjectMeta: metav1.ObjectMeta{Name: s.JobName() + "-merge", Labels: runLabels},
		Spec: batchv1.JobSpec{
			BackoffLimit: ptr(int32(0)),
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: runLabels},
				Spec:       podSpec(merge, resultsVolume(), tmpVolume),
			},
		},
	}
	return cm, pvc, shards, mergeJob, nil
}

func container(name, image string, args []string, env []corev1.EnvVar, mounts ...corev1.VolumeMount) corev1.Container {
	return corev1.Container{
		Name:         name,
		Image:        image,
		Args:         args,
		Env:          env,
		VolumeMounts: mounts,
		Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1"), corev1.ResourceMemory: resource.MustParse("256Mi")},
			Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("1Gi")},
		},
		SecurityContext: &corev1.SecurityContext{
			AllowPrivilegeEscalation: ptr(false),
			ReadOnlyRootFilesystem:   ptr(true),
			Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		},
	}
}

func podSpec(c corev1.Container, volumes ...corev1.Volume) corev1.PodSpec {
	return corev1.PodSpec{
		RestartPolicy: corev1.RestartPolicyNever,
		Containers:    []corev1.Container{c},
		Volumes:       volumes,
		SecurityContext: &corev1.PodSecurityContext{
			RunAsNonRoot:   ptr(true),
			RunAsUser:      ptr(int64(nonRoot)),
			RunAsGroup:     ptr(int64(nonRoot)),
			FSGroup:        ptr(int64(nonRoot)),
			SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		},
	}
}

func profileVolume() corev1.Volume {
	return corev1.Volume{Name: "profile", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
		LocalObjectReference: corev1.LocalObjectReference{Name: ConfigMapName}}}}
}

func resultsVolume() corev1.Volume {
	return corev1.Volume{Name: "results", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{
		ClaimName: ClaimName}}}
}

// The root filesystem is read-only; /tmp is a small scratch volume of the pod's own.
var (
	tmpMount  = corev1.VolumeMount{Name: "tmp", MountPath: "/tmp"}
	tmpVolume = corev1.Volume{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{
		SizeLimit: ptr(resource.MustParse("64Mi"))}}}
)

func ptr[T any](v T) *T { return &v }

// Render returns the run's objects as one YAML stream, in the order kubectl apply needs them.
func Render(s Spec) ([]byte, error) {
	cm, pvc, shards, merge, err := Objects(s)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "# batchcert distributed capacity run %s: %d shards from %s.\n", s.RunID, s.Shards, s.StartAt.UTC().Format(time.RFC3339))
	fmt.Fprintf(&b, "# Generated by `batchcert load capacity ... -emit-kubernetes`; the Secret %s is created apart (see README).\n", SecretName)
	for _, o := range []any{cm, pvc, shards, merge} {
		y, err := clean(o)
		if err != nil {
			return nil, err
		}
		b.WriteString("---\n")
		b.Write(y)
	}
	return b.Bytes(), nil
}

// clean marshals o without the fields the API server fills in (status, creationTimestamp),
// which the k8s.io/api types always emit.
func clean(o any) ([]byte, error) {
	j, err := json.Marshal(o)
	if err != nil {
		return nil, fmt.Errorf("kubernetes: %w", err)
	}
	var m map[string]any
	if err := json.Unmarshal(j, &m); err != nil {
		return nil, fmt.Errorf("kubernetes: %w", err)
	}
	delete(m, "status")
	prune(m)
	y, err := yaml.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("kubernetes: %w", err)
	}
	return y, nil
}

// prune drops null creationTimestamps and the empty objects they leave.
func prune(v any) {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if k == "creationTimestamp" && x == nil {
				delete(t, k)
				continue
			}
			prune(x)
			if k == "resources" || k == "metadata" {
				continue
			}
			if mm, ok := x.(map[string]any); ok && len(mm) == 0 {
				delete(t, k)
			}
		}
	case []any:
		for _, x := range t {
			prune(x)
		}
	}
}
