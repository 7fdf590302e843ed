package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/batchcert/batchcert/scenarios"
)

// stateFile is where a run against a target keeps its budget between processes: its calls of
// the last throttle window and its unfinished tasks (scenarios.Config.State). The flag -state
// names the file; "" picks one per target under the user's cache directory; "none" keeps no
// state. The embedded reference keeps none: it is reset for every scenario.
type stateFile struct {
	flag   string
	target *scenarios.Target
}

var _ scenarios.StateStore = (*stateFile)(nil)

// path is the file's path, "" for none.
func (s *stateFile) path() (string, error) {
	switch s.flag {
	case "none":
		return "", nil
	case "":
		dir, err := os.UserCacheDir()
		if err != nil {
			return "", fmt.Errorf("-state: no cache directory (%v): name a file with -state FILE or give -state none", err)
		}
		sum := sha256.Sum256([]byte(s.target.BaseURL))
		return filepath.Join(dir, "batchcert", "state-"+hex.EncodeToString(sum[:8])+".json"), nil
	}
	return s.flag, nil
}

func (s *stateFile) Load() (io.ReadCloser, error) {
	p, err := s.path()
	if err != nil || p == "" {
		return nil, err
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("-state %s: %w", p, err)
	}
	return f, nil
}

// Save writes the state atomically (a temporary file renamed over the old one), so a run cut
// off mid-write leaves the previous state whole.
func (s *stateFile) Save(data []byte) error {
	p, err := s.path()
	if err != nil || p == "" {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return fmt.Errorf("-state %s: %w", p, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".state-*")
	if err != nil {
		return fmt.Errorf("-state %s: %w", p, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("-state %s: %w", p, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("-state %s: %w", p, err)
	}
	return os.Rename(tmp.Name(), p)
}
