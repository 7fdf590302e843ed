package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/certify"
	"github.com/batchcert/batchcert/refplatform"
)

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// referenceFlags binds the reference platform's configuration to flags, with the package's
// defaults as flag defaults.
func referenceFlags(fs *flag.FlagSet, c *refplatform.Config) (faults *stringList) {
	fs.StringVar(&c.WorldFile, "world", "", "fixture world YAML `file` (default: the embedded world)")
	fs.Float64Var(&c.TimeScale, "time-scale", c.TimeScale, "clock speed-up: 600 makes a minute pass in 0.1 s")
	fs.IntVar(&c.Throttle.Limit, "throttle-limit", c.Throttle.Limit, "calls per window per app")
	fs.DurationVar(&c.Throttle.Window, "throttle-window", c.Throttle.Window, "throttle window (platform time)")
	fs.StringVar(&c.Throttle.Type, "throttle-type", c.Throttle.Type, "throttle window type: fixed or sliding")
	fs.BoolVar(&c.Throttle.RejectedCount, "throttle-rejected-count", c.Throttle.RejectedCount, "throttled calls count against the quota")
	fs.IntVar(&c.TaskLimit, "task-limit", c.TaskLimit, "unfinished tasks per app")
	fs.DurationVar(&c.TokenLifetime, "token-lifetime", refplatform.AccessTokenLifetime, "access token lifetime, answered as expiresIn (platform time)")
	faults = &stringList{}
	fs.Var(faults, "fault", "switch on a named fault of the reference (repeatable; batchcert serve -list-faults lists them)")
	fs.Var(readingList{&c.Readings}, "reading", "serve another reading of the docs, `NAME=VALUE` (repeatable; batchcert serve -list-readings lists them)")
	return faults
}

// readingList is the repeatable -reading flag; a value the reference cannot serve is a usage
// error naming the known ones.
type readingList struct{ to *[]string }

func (l readingList) String() string {
	if l.to == nil {
		return ""
	}
	return strings.Join(*l.to, ",")
}

func (l readingList) Set(v string) error {
	if _, _, err := refplatform.ParseReading(v); err != nil {
		return err
	}
	*l.to = append(*l.to, v)
	return nil
}

func runServe(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	c := refplatform.DefaultConfig()
	c.Addr, c.ControlAddr = "127.0.0.1:8743", "127.0.0.1:8744"
	fs := newFlagSet("serve", "serve [flags]", stdout)
	fs.StringVar(&c.Addr, "addr", c.Addr, "platform listen address")
	fs.StringVar(&c.ControlAddr, "control-addr", c.ControlAddr, "control API listen address (\"\" disables it)")
	fs.StringVar(&c.TLSDir, "tls", "", "serve HTTPS with the self-signed certificate in `dir` (made there on the first start, reused after)")
	profileOut := fs.String("profile-out", "", "write the target profile of the platform served to `file` (secrets as ${VAR} references; control only when the control API is on)")
	fs.StringVar(&c.ClientCA, "client-ca", "", "PEM `file` of CAs for client certificates (two-way TLS; needs -tls)")
	fs.BoolVar(&c.RequireCert, "require-client-cert", false, "reject clients without a certificate (with -client-ca)")
	fs.BoolVar(&c.CallbackAnyHost, "callback-any-host", false, "let task callbacks go to hosts off this machine (default: loopback only)")
	listFaults := fs.Bool("list-faults", false, "list the named faults and exit")
	listReadings := fs.Bool("list-readings", false, "list the readings -reading can serve and exit")
	faults := referenceFlags(fs, &c)
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if err := validServe(c); err != nil {
		return err
	}
	if *listFaults {
		for _, f := range refplatform.Faults() {
			fmt.Fprintf(stdout, "%-32s %s\n", f.Name, f.Description)
		}
		return nil
	}
	if *listReadings {
		for _, m := range refplatform.ReadingModes() {
			fmt.Fprintf(stdout, "%-32s %s\n", m.ID+"="+m.Value, m.Description)
		}
		return nil
	}
	c.Faults = *faults
	srv, world, err := certify.NewReference(c)
	if err != nil {
		return err
	}
	if err := srv.Open(); err != nil {
		return &batchcert.ExitError{Code: batchcert.ExitUnreachable, Err: err}
	}
	fmt.Fprintf(stdout, "reference platform: %s\n", srv.URL())
	if *profileOut != "" {
		p := servedProfile{world: world, cfg: c, url: srv.URL(), control: srv.ControlURL(), caFile: srv.CertFile()}
		if err := p.write(*profileOut); err != nil {
			_ = srv.Close()
			return &batchcert.ExitError{Code: batchcert.ExitUsage, Err: err}
		}
		fmt.Fprintf(stdout, "target profile:     %s\n", *profileOut)
	}
	if u := srv.ControlURL(); u != "" {
		fmt.Fprintf(stdout, "control API:        %s\n", u)
	}
	if f := srv.CertFile(); f != "" {
		how := "new: clients that verify strictly must import it"
		if srv.CertReused() {
			how = "reused from an earlier start"
		}
		fmt.Fprintf(stdout, "certificate:        %s (%s)\n", f, how)
	}
	ids := make([]string, 0, len(world.Apps))
	for _, a := range world.Apps {
		ids = append(ids, a.ID) // ids only: secrets are never printed
	}
	fmt.Fprintf(stdout, "apps:               %s (secrets in the world file)\n", strings.Join(ids, ", "))
	if len(c.Faults) > 0 {
		fmt.Fprintf(stdout, "faults:             %s\n", strings.Join(c.Faults, ", "))
	}
	if len(c.Readings) > 0 {
		fmt.Fprintf(stdout, "readings:           %s\n", strings.Join(c.Readings, ", "))
	}
	fmt.Fprintln(stdout, "Ctrl-C stops it.")
	<-ctx.Done()
	fmt.Fprintln(stderr, "stopping")
	done := make(chan error, 1)
	go func() { done <- srv.Close() }()
	select {
	case err := <-done:
		return err
	case <-time.After(15 * time.Second):
		return &batchcert.ExitError{Code: batchcert.ExitUnreachable, Err: fmt.Errorf("reference platform did not stop in 15 s")}
	}
}
