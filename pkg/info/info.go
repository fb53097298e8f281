// Package info parses the text reply of the Redis INFO command. It does no I/O: the bytes come
// from the node package, and the state package reads the typed values.
package info

import (
	"hash/maphash"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Field is one `key:value` line of an INFO reply.
type Field struct {
	// Section is the lower-cased name of the `# Section` header above the line ("" before any).
	Section string
	Key     string
	// Value is everything after the FIRST colon: values such as `executable:/usr/bin/redis-server`
	// or IPv6 addresses contain colons themselves.
	Value string
}

// Info is a parsed INFO reply. Lines keep their order; repeated keys (for example `module:` lines)
// are all kept in Fields, and the lookups return the first one.
//
// It keeps the reply's text and, per line, where the key and value are in it, with a small index
// of its own: a fleet's poll holds every node's reading at once, so a reading should cost little
// more than its text, and a lookup no more than a hash and a compare.
type Info struct {
	text     string
	lines    []line
	sections []string
	// slots index the first line of each key by its hash, open addressing: line number + 1, 0 for
	// an empty slot. Its length is a power of two, at least twice the lines.
	slots []uint32
}

// line is one key:value line: offsets into the text, and its section's number + 1 (0 before any
// header).
type line struct {
	keyStart, keyEnd, valueStart, valueEnd uint32
	section                                uint32
}

// maxSizedLines bounds the room Parse reserves up front; longer replies grow as they parse.
const maxSizedLines = 2048

var hashSeed = maphash.MakeSeed()

// Parse reads an INFO reply. It never fails: blank lines, lines without a colon and anything else
// it does not understand are skipped, so a server that prints more, fewer or odd lines still
// yields the fields it did print.
func Parse(text string) Info {
	if len(text) > math.MaxUint32 { // far past any reply the node guard lets through
		text = text[:math.MaxUint32]
	}
	// Sized from the line count: the card's reply is parsed on every poll, so growing the slice
	// line by line would cost more than the scan itself. Capped: a reply of nothing but line
	// breaks must not reserve room for millions of fields (a real INFO has a few hundred).
	parsed := Info{text: text, lines: make([]line, 0, min(strings.Count(text, "\n")+1, maxSizedLines))}
	section := uint32(0)
	for at := 0; at < len(text); {
		// Redis ends lines with CRLF; a lone CR or LF also ends a line rather than hiding in a key.
		// Two IndexByte calls (vectorised) beat one IndexAny (byte by byte) on every reply; the LF
		// of a CRLF then ends an empty line, which is skipped.
		end := strings.IndexByte(text[at:], '\n')
		if end < 0 {
			end = len(text) - at
		}
		if cr := strings.IndexByte(text[at:at+end], '\r'); cr >= 0 {
			end = cr
		}
		start, stop := at, at+end
		at = min(stop+1, len(text))
		if start == stop {
			continue
		}
		if text[start] == '#' {
			parsed.sections = append(parsed.sections, strings.ToLower(strings.TrimSpace(text[start+1:stop])))
			section = uint32(len(parsed.sections))
			continue
		}
		colon := strings.IndexByte(text[start:stop], ':')
		if colon < 0 {
			continue
		}
		keyStart, keyEnd := trimmed(text, start, start+colon)
		if keyStart == keyEnd {
			continue
		}
		parsed.lines = append(parsed.lines, line{uint32(keyStart), uint32(keyEnd), uint32(start + colon + 1), uint32(stop), section})
	}
	parsed.index()
	return parsed
}

// trimmed narrows text[start:end] to its part without surrounding white space.
func trimmed(text string, start, end int) (int, int) {
	if start < end && text[start] > ' ' && text[start] < utf8.RuneSelf && text[end-1] > ' ' && text[end-1] < utf8.RuneSelf {
		return start, end // what Redis prints: nothing to trim
	}
	kept := strings.TrimSpace(text[start:end])
	if kept == "" {
		return start, start
	}
	start += strings.Index(text[start:end], kept)
	return start, start + len(kept)
}

func (i *Info) index() {
	if len(i.lines) == 0 {
		return
	}
	size := 8
	for size < 2*len(i.lines) {
		size *= 2
	}
	i.slots = make([]uint32, size)
	mask := uint64(size - 1)
	for n := range i.lines {
		key := i.key(n)
		for slot := maphash.String(hashSeed, key) & mask; ; slot = (slot + 1) & mask {
			if i.slots[slot] == 0 {
				i.slots[slot] = uint32(n + 1)
				break
			}
			if i.key(int(i.slots[slot]-1)) == key { // a repeated key: the first line keeps it
				break
			}
		}
	}
}

func (i Info) key(n int) string { return i.text[i.lines[n].keyStart:i.lines[n].keyEnd] }

func (i Info) field(n int) Field {
	l := i.lines[n]
	section := ""
	if l.section > 0 {
		section = i.sections[l.section-1]
	}
	return Field{Section: section, Key: i.key(n), Value: i.text[l.valueStart:l.valueEnd]}
}

// Fields returns every parsed line in reply order.
func (i Info) Fields() []Field {
	fields := make([]Field, len(i.lines))
	for n := range i.lines {
		fields[n] = i.field(n)
	}
	return fields
}

// HasSection reports whether the reply had a `# Name` header (case-insensitive).
func (i Info) HasSection(name string) bool { return slices.Contains(i.sections, strings.ToLower(name)) }

// Section returns the lines under one header, in order.
func (i Info) Section(name string) []Field {
	name = strings.ToLower(name)
	var fields []Field
	for n := range i.lines {
		if field := i.field(n); field.Section == name {
			fields = append(fields, field)
		}
	}
	return fields
}

// String returns a field's raw value; ok is false when the server did not print the key.
func (i Info) String(key string) (value string, ok bool) {
	if len(i.slots) == 0 {
		return "", false
	}
	mask := uint64(len(i.slots) - 1)
	for slot := maphash.String(hashSeed, key) & mask; i.slots[slot] != 0; slot = (slot + 1) & mask {
		if n := int(i.slots[slot] - 1); i.key(n) == key {
			return i.text[i.lines[n].valueStart:i.lines[n].valueEnd], true
		}
	}
	return "", false
}

// Int returns a field as an integer; ok is false when it is absent or not an integer, so a
// missing field is never mistaken for zero.
func (i Info) Int(key string) (value int64, ok bool) {
	typed, ok := i.Typed(key)
	if !ok || typed.Kind != KindInt {
		return 0, false
	}
	return typed.Int, true
}

// Float returns a numeric field (integer or decimal) as a float64; ok is false when it is absent
// or not a number.
func (i Info) Float(key string) (value float64, ok bool) {
	typed, ok := i.Typed(key)
	if !ok || typed.Kind == KindString {
		return 0, false
	}
	return typed.Float, true
}

// Typed returns a field with its value typed; ok is false when the key is absent.
func (i Info) Typed(key string) (value Value, ok bool) {
	raw, ok := i.String(key)
	if !ok {
		return Value{}, false
	}
	return Type(raw), true
}

// Kind says how a value was typed.
type Kind int

const (
	KindString Kind = iota
	KindInt
	KindFloat
)

// Value is a typed INFO value. Int is set for KindInt, Float for KindInt and KindFloat.
type Value struct {
	Raw   string
	Kind  Kind
	Int   int64
	Float float64
}

// Type types one raw value: plain decimal integers and decimals become numbers; anything else,
// including words such as `inf` or `nan` that strconv would accept, stays a string.
func Type(raw string) Value {
	if !looksNumeric(raw) {
		return Value{Raw: raw, Kind: KindString}
	}
	if whole, err := strconv.ParseInt(raw, 10, 64); err == nil {
		return Value{Raw: raw, Kind: KindInt, Int: whole, Float: float64(whole)}
	}
	if decimal, err := strconv.ParseFloat(raw, 64); err == nil {
		return Value{Raw: raw, Kind: KindFloat, Float: decimal}
	}
	return Value{Raw: raw, Kind: KindString}
}

// looksNumeric accepts optional sign, digits, one dot and an exponent: the shapes Redis prints.
func looksNumeric(raw string) bool {
	digits := strings.TrimPrefix(raw, "-")
	if digits == "" || digits[0] < '0' || digits[0] > '9' {
		return false
	}
	for _, r := range digits {
		if !strings.ContainsRune("0123456789.eE+-", r) {
			return false
		}
	}
	return true
}
