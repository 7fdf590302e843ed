package scenarios

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"

	"github.com/batchcert/batchcert/apiclient"
)

// TestRaceHoldsItsApp: in real-time mode scenarios run in parallel; a burst that took every
// task slot of an app (acquire 0) holds the app until its creates are in the ledger (raced),
// so that another scenario's create cannot take a slot the race counts on; after it, that
// create goes on.
func TestRaceHoldsItsApp(t *testing.T) {
	t.Parallel()
	b := &budget{limit: 10, tasks: map[string]*ledgerTask{}, clock: apiclient.RealClock{}, say: func(string, ...any) {}, maxWait: time.Minute}
	ctx := context.Background()
	if err := b.acquire(ctx, "app", 0); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- b.acquire(ctx, "app", 1) }()
	select {
	case err := <-done:
		t.Fatalf("a create went on during the race on its app (err %v)", err)
	case <-time.After(200 * time.Millisecond):
	}
	if err := b.acquire(ctx, "other", 1); err != nil {
		t.Fatalf("another app's create: %v", err)
	}
	b.raced("app")
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the create still waits after the race")
	}
}

// TestRecordOutsideCalls: the probes' spent quotas are in the state the next run takes over,
// beside the suite's own calls and tasks.
func TestRecordOutsideCalls(t *testing.T) {
	t.Parallel()
	st := &memStore{}
	now := time.Now()
	due := now.Add(10 * time.Minute)
	st.data = []byte(`{"version":1,"target":"http://t","calls":{"a":["` + now.Format(time.RFC3339Nano) + `"]},"tasks":[{"id":"x","app":"a","alias":"load","due":"` + due.Format(time.RFC3339Nano) + `"}]}`)
	if err := RecordOutsideCalls(st, "http://t", 5, now, "a", "b"); err != nil {
		t.Fatal(err)
	}
	got, err := loadState(st.reader(), "http://t")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Calls["a"]) != 6 || len(got.Calls["b"]) != 5 || len(got.Tasks) != 1 {
		t.Errorf("calls %d and %d, tasks %d: want 6, 5 and the 1 task kept", len(got.Calls["a"]), len(got.Calls["b"]), len(got.Tasks))
	}
	n, until, err := HeldSlots(st, "http://t", "a")
	if err != nil || n != 1 || !until.Equal(due) {
		t.Errorf("HeldSlots: %d until %s (%v), want 1 until %s", n, until, err, due)
	}
	if n, _, _ := HeldSlots(st, "http://other", "a"); n != 0 {
		t.Errorf("another target's state holds %d of its slots", n)
	}
}

// memStore is a StateStore in memory.
type memStore struct{ data []byte }

func (m *memStore) Load() (io.ReadCloser, error) {
	if m.data == nil {
		return nil, nil
	}
	return m.reader(), nil
}

func (m *memStore) Save(data []byte) error { m.data = append([]byte(nil), data...); return nil }

func (m *memStore) reader() io.ReadCloser { return io.NopCloser(bytes.NewReader(m.data)) }
