package contracts

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// decodeValue decodes raw into what encoding/json's Decoder with UseNumber makes of it, and
// rejects data after the value. A hand-written parser takes the plain case (no backslash
// escape, valid UTF-8, moderate depth): it is several times cheaper than encoding/json's,
// mostly because it sizes every map once. Anything else, and every malformed body, goes to
// encoding/json, so values and errors are exactly its. FuzzDecodeBody compares the two.
func decodeValue(raw []byte) (any, error) {
	p := parser{buf: raw}
	if v, ok := p.value(0); ok {
		p.space()
		if p.i == len(p.buf) {
			return v, nil
		}
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(raw[dec.InputOffset():])) > 0 {
		return nil, errTrailing
	}
	return v, nil
}

type parser struct {
	buf []byte
	i   int
}

// maxDepth keeps the parser's recursion shallow; deeper bodies go to encoding/json.
const maxDepth = 64

func (p *parser) space() {
	for p.i < len(p.buf) {
		switch p.buf[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// value parses one value; ok false means "not the plain case", never a verdict.
func (p *parser) value(depth int) (any, bool) {
	p.space()
	if p.i >= len(p.buf) || depth > maxDepth {
		return nil, false
	}
	switch c := p.buf[p.i]; {
	case c == '{':
		return p.object(depth)
	case c == '[':
		return p.array(depth)
	case c == '"':
		s, ok := p.str()
		return s, ok
	case c == 't':
		return true, p.lit("true")
	case c == 'f':
		return false, p.lit("false")
	case c == 'n':
		return nil, p.lit("null")
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	}
	return nil, false
}

func (p *parser) lit(word string) bool {
	if !bytes.HasPrefix(p.buf[p.i:], []byte(word)) {
		return false
	}
	p.i += len(word)
	return true
}

type member struct {
	k string
	v any
}

func (p *parser) object(depth int) (any, bool) {
	p.i++ // {
	var small [24]member
	ms := small[:0]
	p.space()
	if p.i < len(p.buf) && p.buf[p.i] == '}' {
		p.i++
		return map[string]any{}, true
	}
	for {
		p.space()
		if p.i >= len(p.buf) || p.buf[p.i] != '"' {
			return nil, false
		}
		k, ok := p.str()
		if !ok {
			return nil, false
		}
		p.space()
		if p.i >= len(p.buf) || p.buf[p.i] != ':' {
			return nil, false
		}
		p.i++
		v, ok := p.value(depth + 1)
		if !ok {
			return nil, false
		}
		ms = append(ms, member{k, v})
		p.space()
		if p.i >= len(p.buf) {
			return nil, false
		}
		switch p.buf[p.i] {
		case ',':
			p.i++
		case '}':
			p.i++
			m := make(map[string]any, len(ms))
			for _, e := range ms {
				m[e.k] = e.v // a repeated name: the last wins, as in encoding/json
			}
			return m, true
		default:
			return nil, false
		}
	}
}

func (p *parser) array(depth int) (any, bool) {
	p.i++ // [
	out := []any{}
	p.space()
	if p.i < len(p.buf) && p.buf[p.i] == ']' {
		p.i++
		return out, true
	}
	for {
		v, ok := p.value(depth + 1)
		if !ok {
			return nil, false
		}
		out = append(out, v)
		p.space()
		if p.i >= len(p.buf) {
			return nil, false
		}
		switch p.buf[p.i] {
		case ',':
			p.i++
		case ']':
			p.i++
			return out, true
		default:
			return nil, false
		}
	}
}

// str parses a string without escapes whose bytes are valid UTF-8 and free of control
// characters; others (which encoding/json unescapes or repairs) are not the plain case.
func (p *parser) str() (string, bool) {
	start := p.i + 1
	ascii := true
	for j := start; j < len(p.buf); j++ {
		switch c := p.buf[j]; {
		case c == '"':
			s := p.buf[start:j]
			if !ascii && !utf8.Valid(s) {
				return "", false
			}
			p.i = j + 1
			return string(s), true
		case c == '\\' || c < 0x20:
			return "", false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return "", false
}

// number parses a JSON number literal into a json.Number.
func (p *parser) number() (any, bool) {
	b, start := p.buf, p.i
	j := p.i
	digits := func() int {
		n := 0
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
			n++
		}
		return n
	}
	if b[j] == '-' {
		j++
	}
	switch {
	case j < len(b) && b[j] == '0':
		j++
	case digits() == 0:
		return nil, false
	}
	if j < len(b) && b[j] == '.' {
		j++
		if digits() == 0 {
			return nil, false
		}
	}
	if j < len(b) && (b[j] == 'e' || b[j] == 'E') {
		j++
		if j < len(b) && (b[j] == '+' || b[j] == '-') {
			j++
		}
		if digits() == 0 {
			return nil, false
		}
	}
	p.i = j
	return json.Number(b[start:j]), true
}
