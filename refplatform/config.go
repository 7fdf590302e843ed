package refplatform

import (
	"fmt"
	"time"
)

// Config is the flags-friendly form of the options, for `batchcert serve`. The zero values of
// optional fields mean "default".
type Config struct {
	Addr        string  // platform listen address
	ControlAddr string  // control API listen address ("" disables it)
	WorldFile   string  // YAML world; "" is the embedded default
	TimeScale   float64 // clock speed-up
	Throttle    ThrottleConfig
	TaskLimit   int
	// TokenLifetime is the access token's lifetime; 0 is AccessTokenLifetime.
	TokenLifetime time.Duration
	TLSDir        string // "" serves plain HTTP
	ClientCA      string // PEM bundle for client certificates
	RequireCert   bool   // client certificate mandatory
	Faults        []string
	// Readings are NAME=VALUE readings to serve (see ReadingModes and WithReading).
	Readings []string
	// CallbackAnyHost lets callbacks go to hosts off this machine.
	CallbackAnyHost bool
}

// DefaultConfig is the configuration New uses without options.
func DefaultConfig() Config {
	return Config{Addr: DefaultAddr, ControlAddr: DefaultControlAddr, TimeScale: DefaultTimeScale,
		Throttle: DefaultThrottle, TaskLimit: DefaultTaskLimit}
}

// Options turns c into options for New, loading the world file.
func (c Config) Options() ([]Option, error) {
	opts := []Option{WithAddr(c.Addr), WithControlAddr(c.ControlAddr), WithFaults(c.Faults...)}
	for _, r := range c.Readings {
		name, value, err := ParseReading(r)
		if err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
		opts = append(opts, WithReading(name, value))
	}
	if c.WorldFile != "" {
		w, err := LoadWorld(c.WorldFile)
		if err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
		opts = append(opts, WithWorld(w))
	}
	if c.TimeScale != 0 {
		opts = append(opts, WithTimeScale(c.TimeScale))
	}
	if c.Throttle != (ThrottleConfig{}) {
		opts = append(opts, WithThrottle(c.Throttle))
	}
	if c.CallbackAnyHost {
		opts = append(opts, WithCallbackAnyHost())
	}
	if c.TokenLifetime != 0 {
		opts = append(opts, WithTokenLifetime(c.TokenLifetime))
	}
	if c.TaskLimit != 0 {
		opts = append(opts, WithTaskLimit(c.TaskLimit))
	}
	if c.TLSDir != "" {
		opts = append(opts, WithTLS(c.TLSDir))
	}
	if c.ClientCA != "" {
		opts = append(opts, WithClientCA(c.ClientCA, c.RequireCert))
	}
	return opts, nil
}
