package scenarios

import (
	_ "embed"
	"fmt"
	"path/filepath"
	"regexp"
	"sync"
	"time"

	"github.com/xeipuuv/gojsonschema"
)

//go:embed target.schema.json
var targetSchemaJSON []byte

//go:embed targets/reference.yaml
var referenceTargetYAML []byte

var targetSchema = sync.OnceValue(func() *gojsonschema.Schema { return mustSchema("target.schema.json", targetSchemaJSON) })

// Target is a target profile: where a platform is, which applications and fixtures the suite
// may use, its limits and how the docs' contradictions are read. It never holds a secret: an
// app's Secret is a "${NAME}" reference resolved at run time.
type Target struct {
	Name          string         `yaml:"name"`
	BaseURL       string         `yaml:"baseURL"`
	Transport     string         `yaml:"transport"`
	TLS           TLS            `yaml:"tls"`
	Apps          Apps           `yaml:"apps"`
	Fixtures      Fixtures       `yaml:"fixtures"`
	Limits        Limits         `yaml:"limits"`
	Profile       string         `yaml:"profile"`
	KnownFailures []KnownFailure `yaml:"knownFailures"`
	Control       *Control       `yaml:"control"`
	// GraphQL is where the target's GraphQL facade is, for runs with transport graphql.
	GraphQL *GraphQLEndpoint `yaml:"graphql"`
	// Readings change single readings of Profile (reading id or option to value); ParseTarget
	// folds them into Profile (readings.go).
	Readings map[string]string `yaml:"readings"`
	// File is where the profile was loaded from (set by LoadTarget).
	File string `yaml:"-"`
}

// TLS is how to reach an HTTPS target.
type TLS struct {
	CAFile   string `yaml:"caFile"`
	CertFile string `yaml:"certFile"`
	KeyFile  string `yaml:"keyFile"`
	Insecure bool   `yaml:"insecure"`
}

// App is one application's credentials: its id and a "${NAME}" reference to its secret.
type App struct {
	AppID  string `yaml:"appId"`
	Secret string `yaml:"secret"`
}

// Apps are the applications the suite uses, by role.
type Apps struct {
	// Primary is the application most scenarios act as; it may act for Secondary.
	Primary *App `yaml:"primary"`
	// Secondary is an application Primary is authorized for.
	Secondary *App `yaml:"secondary"`
	// Unauthorized is an application Primary may not act for (100217).
	Unauthorized *App `yaml:"unauthorized"`
	// NoRights is an application without rights to batch tasks (100028).
	NoRights *App `yaml:"norights"`
	// Frozen is a frozen application (login 100247).
	Frozen *App `yaml:"frozen"`
	// Load is an application the suite's quick throttle and task-limit checks, and the load
	// probes, may use up: bursts and races there leave the primary application's quota and task
	// slots to the rest of the suite. Without it they use primary.
	Load *App `yaml:"load"`
	// Pool are applications the capacity step loads together: the throttle is per app, so a
	// rate above one app's declared throttle needs many apps. The step splits its rate across
	// them, none above its declared throttle (limits.throttle) unless -allow-over-throttle.
	// Without it the capacity step loads the load app, or primary.
	Pool []*App `yaml:"pool"`
}

// Group is a device group fixture.
type Group struct {
	Name string `yaml:"name"`
	ID   string `yaml:"id"`
	Size int    `yaml:"size"`
}

// Tag is a (tagName, tagValue) pair.
type Tag struct {
	Name  string `yaml:"name"`
	Value string `yaml:"value"`
}

// Fixtures are the platform's resources the suite may use.
type Fixtures struct {
	DeviceIDs      []string `yaml:"deviceIds"`
	FailDevice     string   `yaml:"failDevice"`
	NoAnswerDevice string   `yaml:"noanswerDevice"`
	OfflineDevice  string   `yaml:"offlineDevice"`
	DeviceType     string   `yaml:"deviceType"`
	ManufacturerID string   `yaml:"manufacturerId"`
	Model          string   `yaml:"model"`
	Location       string   `yaml:"location"`
	ServiceID      string   `yaml:"serviceId"`
	Method         string   `yaml:"method"`
	TagName        string   `yaml:"tagName"`
	TagNames       []string `yaml:"tagNames"` // registered names for several tags on one task (at least 2)
	BoundTag       *Tag     `yaml:"boundTag"`
	Groups         struct {
		Small *Group `yaml:"small"` // a 3-device group with mixed outcomes
		Large *Group `yaml:"large"` // a 7-device group with mixed outcomes
	} `yaml:"groups"`
}

// Limits are the target's declared limits.
type Limits struct {
	Throttle struct {
		Limit  int    `yaml:"limit"`
		Window string `yaml:"window"`
	} `yaml:"throttle"`
	TaskLimit int `yaml:"taskLimit"`
	// TimeScale is how many platform seconds pass per real second: 1 (the default) for every
	// real platform; a test platform such as the reference served with -time-scale 600 runs
	// faster, and the run's waits (throttle windows, task timeouts, real-time steps) shrink
	// with it.
	TimeScale float64 `yaml:"timeScale"`
	// ClockOffset is the platform's clock minus the harness's ("-2s", "8h"), for a platform
	// whose answers carry no Date header; ClockSkew widens how far startTime may lie from the
	// window around its create (INV.startTime-created; formats.go).
	ClockOffset string `yaml:"clockOffset"`
	ClockSkew   string `yaml:"clockSkew"`
}

// ThrottleWindow is the declared throttle window.
func (l Limits) ThrottleWindow() time.Duration {
	d, err := time.ParseDuration(l.Throttle.Window)
	if err != nil {
		return time.Minute
	}
	return d
}

// KnownFailure is a check the target is known to fail; it reports KNOWN-FAIL instead of FAIL.
type KnownFailure struct {
	Check  string `yaml:"check"` // a check id, or a regular expression matching check ids
	Reason string `yaml:"reason"`
}

// GraphQLEndpoint is a target's GraphQL facade (contracts/batchtask.graphqls).
type GraphQLEndpoint struct {
	// URL is a path joined to baseURL's path, as the REST paths are ("/graphql"), or an
	// absolute URL.
	URL string `yaml:"url"`
}

// Control is the reference platform's control API (clock, faults, reset).
type Control struct {
	URL string `yaml:"url"`
}

// LoadTarget reads and validates a target profile. Errors name the file and the field.
func LoadTarget(path string) (*Target, error) {
	data, err := readTargetFile(path)
	if err != nil {
		return nil, fmt.Errorf("read target: %w", err)
	}
	t, err := ParseTarget(path, data)
	if err != nil {
		return nil, err
	}
	t.resolvePaths(filepath.Dir(path))
	return t, nil
}

// resolvePaths makes the profile's relative file paths (tls.caFile, certFile, keyFile)
// relative to the profile's own directory, not to wherever batchcert was started.
func (t *Target) resolvePaths(dir string) {
	for _, p := range []*string{&t.TLS.CAFile, &t.TLS.CertFile, &t.TLS.KeyFile} {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
}

// ParseTarget validates data against target.schema.json and decodes it; file names it in errors.
func ParseTarget(file string, data []byte) (*Target, error) {
	var t Target
	if err := validateYAML(file, data, targetSchema(), &t); err != nil {
		return nil, err
	}
	if _, err := time.ParseDuration(t.Limits.Throttle.Window); err != nil {
		return nil, &FileError{File: file, Field: "limits.throttle.window", Err: err}
	}
	for i, k := range t.KnownFailures {
		if _, err := regexp.Compile("^(?:" + k.Check + ")$"); err != nil {
			return nil, &FileError{File: file, Field: fmt.Sprintf("knownFailures.%d.check", i), Err: err}
		}
	}
	if err := t.applyReadings(file); err != nil {
		return nil, err
	}
	t.File = file
	return &t, nil
}

// ReferenceTarget returns the embedded profile of the reference platform. Its BaseURL and
// Control URL are empty: the caller sets them to where it started the platform.
func ReferenceTarget() *Target {
	t, err := ParseTarget("targets/reference.yaml", referenceTargetYAML)
	if err != nil {
		panic(fmt.Sprintf("embedded reference target: %v", err))
	}
	return t
}

// apps returns the configured applications by alias.
func (t *Target) apps() map[string]*App {
	m := map[string]*App{}
	for alias, a := range map[string]*App{
		"primary": t.Apps.Primary, "secondary": t.Apps.Secondary, "unauthorized": t.Apps.Unauthorized,
		"norights": t.Apps.NoRights, "frozen": t.Apps.Frozen, "load": t.Apps.Load,
	} {
		if a != nil {
			m[alias] = a
		}
	}
	return m
}

var secretRef = regexp.MustCompile(`^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$`)

// SecretName returns the environment name an app's secret refers to ("${NAME}"), or "" when
// the secret is not such a reference.
func (a *App) SecretName() string {
	if m := secretRef.FindStringSubmatch(a.Secret); m != nil {
		return m[1]
	}
	return ""
}

// secretName returns the environment name an app's secret refers to.
func secretName(a *App) string { return a.SecretName() }

// knownFailure returns the reason a check is a known failure of the target, if it is.
func (t *Target) knownFailure(checkID string) (string, bool) {
	for _, k := range t.KnownFailures {
		if k.Check == checkID {
			return k.Reason, true
		}
		if re, err := regexp.Compile("^(?:" + k.Check + ")$"); err == nil && re.MatchString(checkID) {
			return k.Reason, true
		}
	}
	return "", false
}
