package refplatform

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"gopkg.in/yaml.v3"
)

//go:embed world.yaml
var defaultWorldYAML []byte

// Device behaviours: how an online device answers a delivered command.
const (
	BehaviourSuccess  = "success"
	BehaviourFail     = "fail"
	BehaviourNoAnswer = "noanswer"
)

// World is everything the platform knows before any call: applications, devices (with their
// groups and locations) and the tag registry. It is read-only once built.
type World struct {
	Apps    []App
	Devices []Device
	// TagNames are the registered tag names (AMB.R4: others answer 404/105202).
	TagNames []string
	// BoundTags are (tagName, tagValue) pairs already bound on the platform (400/105201).
	BoundTags []Tag

	apps     map[string]*App
	devices  map[string]*Device
	tagNames map[string]bool
}

// App is one northbound application.
type App struct {
	ID     string
	Secret string
	// ActsFor lists the other applications this one may create and query tasks for.
	ActsFor []string
	// BatchRights is false for an application with no right to batch tasks (401/100028).
	BatchRights bool
	// Frozen applications cannot log in (400/100247).
	Frozen bool
}

// Device is one device and how it behaves when it gets a command.
type Device struct {
	ID             string
	DeviceType     string
	ManufacturerID string
	Model          string
	Location       string
	Groups         []string // group names (GroupList)
	GroupIDs       []string // group ids (GroupIdList)
	Online         bool
	Behaviour      string        // success, fail or noanswer
	Latency        time.Duration // from delivery to answer
	DropFirst      int           // deliveries the device drops before one reaches it
}

// Tag is a TagDTO2.
type Tag struct {
	Name  string `json:"tagName" yaml:"tagName"`
	Value string `json:"tagValue" yaml:"tagValue"`
}

// The YAML shapes; decoded strictly (unknown fields are errors).
type worldFile struct {
	Apps    []appFile    `yaml:"apps"`
	Devices []deviceFile `yaml:"devices"`
	Tags    struct {
		Names []string `yaml:"names"`
		Bound []Tag    `yaml:"bound"`
	} `yaml:"tags"`
}

type appFile struct {
	ID          string   `yaml:"id"`
	Secret      string   `yaml:"secret"`
	ActsFor     []string `yaml:"actsFor"`
	BatchRights *bool    `yaml:"batchRights"`
	Frozen      bool     `yaml:"frozen"`
}

type deviceFile struct {
	ID             string   `yaml:"id"`
	DeviceType     string   `yaml:"deviceType"`
	ManufacturerID string   `yaml:"manufacturerId"`
	Model          string   `yaml:"model"`
	Location       string   `yaml:"location"`
	Groups         []string `yaml:"groups"`
	GroupIDs       []string `yaml:"groupIds"`
	Online         bool     `yaml:"online"`
	Behaviour      string   `yaml:"behaviour"`
	Latency        string   `yaml:"latency"`
	DropFirst      int      `yaml:"dropFirst"`
}

var (
	defaultWorldOnce sync.Once
	defaultWorld     *World
	errDefaultWorld  error
)

// DefaultWorld returns the embedded default world (world.yaml; its top comment describes it).
// It panics only if the embedded file is broken, which TestDefaultWorld rules out.
func DefaultWorld() *World {
	defaultWorldOnce.Do(func() {
		defaultWorld, errDefaultWorld = ParseWorld(defaultWorldYAML, "world.yaml (embedded)")
	})
	if errDefaultWorld != nil {
		panic(errDefaultWorld)
	}
	return defaultWorld
}

// LoadWorld reads a world from a YAML file. Errors name the file and the offending field.
func LoadWorld(path string) (*World, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read world: %w", err)
	}
	return ParseWorld(data, path)
}

// ParseWorld parses a world from YAML; name (a file name) prefixes every error.
func ParseWorld(data []byte, name string) (*World, error) {
	var f worldFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	w, err := f.build()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return w, nil
}

func (f *worldFile) build() (*World, error) {
	w := &World{
		apps:     map[string]*App{},
		devices:  map[string]*Device{},
		tagNames: map[string]bool{},
	}
	if len(f.Apps) == 0 {
		return nil, errors.New("apps: at least one application is needed")
	}
	for i, a := range f.Apps {
		at := fmt.Sprintf("apps[%d]", i)
		if a.ID == "" || len(a.ID) > 64 {
			return nil, fmt.Errorf("%s.id: must be 1..64 characters", at)
		}
		if a.Secret == "" {
			return nil, fmt.Errorf("%s.secret: must not be empty", at)
		}
		rights := true
		if a.BatchRights != nil {
			rights = *a.BatchRights
		}
		w.Apps = append(w.Apps, App{ID: a.ID, Secret: a.Secret, ActsFor: a.ActsFor,
			BatchRights: rights, Frozen: a.Frozen})
	}
	for i := range w.Apps {
		a := &w.Apps[i]
		if w.apps[a.ID] != nil {
			return nil, fmt.Errorf("apps[%d].id: duplicate id %q", i, a.ID)
		}
		w.apps[a.ID] = a
	}
	for i, a := range w.Apps {
		for j, other := range a.ActsFor {
			if w.apps[other] == nil {
				return nil, fmt.Errorf("apps[%d].actsFor[%d]: unknown application %q", i, j, other)
			}
		}
	}
	for i, d := range f.Devices {
		at := fmt.Sprintf("devices[%d]", i)
		if d.ID == "" {
			return nil, fmt.Errorf("%s.id: must not be empty", at)
		}
		switch d.Behaviour {
		case BehaviourSuccess, BehaviourFail, BehaviourNoAnswer:
		case "":
			d.Behaviour = BehaviourSuccess
		default:
			return nil, fmt.Errorf("%s.behaviour: unknown value %q (want success, fail or noanswer)", at, d.Behaviour)
		}
		var lat time.Duration
		if d.Latency != "" {
			var err error
			if lat, err = time.ParseDuration(d.Latency); err != nil || lat < 0 {
				return nil, fmt.Errorf("%s.latency: %q is not a non-negative duration", at, d.Latency)
			}
		}
		if d.DropFirst < 0 {
			return nil, fmt.Errorf("%s.dropFirst: must be >= 0", at)
		}
		w.Devices = append(w.Devices, Device{ID: d.ID, DeviceType: d.DeviceType,
			ManufacturerID: d.ManufacturerID, Model: d.Model, Location: d.Location,
			Groups: d.Groups, GroupIDs: d.GroupIDs, Online: d.Online, Behaviour: d.Behaviour,
			Latency: lat, DropFirst: d.DropFirst})
	}
	for i := range w.Devices {
		d := &w.Devices[i]
		if w.devices[d.ID] != nil {
			return nil, fmt.Errorf("devices[%d].id: duplicate id %q", i, d.ID)
		}
		w.devices[d.ID] = d
	}
	for i, n := range f.Tags.Names {
		if n == "" || len(n) > 128 {
			return nil, fmt.Errorf("tags.names[%d]: must be 1..128 characters", i)
		}
		w.tagNames[n] = true
	}
	w.TagNames = f.Tags.Names
	for i, t := range f.Tags.Bound {
		if !w.tagNames[t.Name] {
			return nil, fmt.Errorf("tags.bound[%d].tagName: %q is not in tags.names", i, t.Name)
		}
		if t.Value == "" {
			return nil, fmt.Errorf("tags.bound[%d].tagValue: must not be empty", i)
		}
	}
	w.BoundTags = f.Tags.Bound
	return w, nil
}

// App returns the application with id, or nil.
func (w *World) App(id string) *App { return w.apps[id] }

// Device returns the device with id, or nil.
func (w *World) Device(id string) *Device { return w.devices[id] }

// mayActFor reports whether caller may create and query tasks for app (AMB.R7).
func (w *World) mayActFor(caller, app string) bool {
	if caller == app {
		return true
	}
	a := w.apps[caller]
	if a == nil {
		return false
	}
	for _, o := range a.ActsFor {
		if o == app {
			return true
		}
	}
	return false
}
