package scenarios

import "sync"

// memo remembers what was decoded from a body, so the layers that judge one answer (and the
// next answer's comparison with it) decode it once. It is keyed by the body's identity (its
// slice's first byte and length), which costs no hashing of the bytes: an exchange's bodies
// are never written after they are read, and an entry keeps its body alive, so an identity
// cannot be reused while it is remembered. Another slice with the same bytes is simply decoded
// again. The memo is bounded: it starts over past memoMaxBytes.
type memo[T any] struct {
	mu    sync.Mutex
	m     map[bodyID]memoEntry[T]
	bytes int
}

type bodyID struct {
	first *byte
	n     int
}

type memoEntry[T any] struct {
	body []byte // keeps the identity's memory from being reused while remembered
	v    T
}

const memoMaxBytes = 8 << 20

// get returns the value for body, computing it with decode on a miss.
func (c *memo[T]) get(body []byte, decode func([]byte) T) T {
	if len(body) == 0 {
		return decode(body)
	}
	id := bodyID{&body[0], len(body)}
	c.mu.Lock()
	e, ok := c.m[id]
	c.mu.Unlock()
	if ok {
		return e.v
	}
	v := decode(body)
	c.mu.Lock()
	if c.m == nil || c.bytes+len(body) > memoMaxBytes {
		c.m, c.bytes = map[bodyID]memoEntry[T]{}, 0
	}
	c.m[id] = memoEntry[T]{body, v}
	c.bytes += len(body)
	c.mu.Unlock()
	return v
}
