// Package info parses the text reply of the Redis INFO command. It does no I/O: the bytes come
// from the node package, and the state package reads the typed values.
package info

import (
	"hash/maphash"
	"math"
	"strconv"
	"strings"
	"unicode"
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
// It keeps the reply's text and a small hash index of where each key's first line starts: a
// fleet's poll holds every node's reading at once, so a reading costs little more than its text,
// and a lookup a hash and a compare. Fields, Section and HasSection, which only the raw table and
// tests ask for, read the text again.
type Info struct {
	text string
	// slots index the first line of each key by the key's hash, open addressing: the key's offset
	// in text + 1 in the high 32 bits and its length in the low ones, 0 for an empty slot. Its
	// length is a power of two, at least 3/2 the keys: at most two thirds full, a probe is short,
	// and the card's reply (about 80 lines) fits 128 slots.
	slots []uint64
	keys  int
}

// maxSizedLines bounds the room Parse reserves up front; longer replies grow the index as they
// parse.
const maxSizedLines = 2048

// maxIndexedText is as far into a reply as offsets reach, far past any reply the node guard lets
// through; it fits an int on every platform the plugin is built for.
const maxIndexedText = math.MaxInt32

var hashSeed = maphash.MakeSeed()

// Parse reads an INFO reply. It never fails: blank lines, lines without a colon and anything else
// it does not understand are skipped, so a server that prints more, fewer or odd lines still
// yields the fields it did print.
func Parse(text string) Info {
	if len(text) > maxIndexedText {
		text = text[:maxIndexedText]
	}
	// Sized from the line count, so that the card's reply, parsed on every poll, is indexed without
	// growing. Capped: a reply of nothing but line breaks must not reserve room for millions of
	// fields (a real INFO has a few hundred).
	parsed := Info{text: text}
	parsed.slots = make([]uint64, tableSize(min(strings.Count(text, "\n")+1, maxSizedLines)))
	scan(text, nil, func(_, key, _ string, keyAt int) { parsed.add(key, keyAt) })
	return parsed
}

// scan calls field for each key:value line with its section (lower-cased; "" before any header),
// key, value and where the key starts in text. With header nil, section names are not worked out.
func scan(text string, header func(name string), field func(section, key, value string, keyAt int)) {
	section := ""
	nextLF := -1 // the next '\n' at or after at; len(text) when there is none
	for at := 0; at < len(text); {
		// Redis ends lines with CRLF; a lone CR or LF also ends a line rather than hiding in a key.
		// Two IndexByte calls (vectorised) beat one IndexAny (byte by byte) on every reply; the LF
		// of a CRLF then ends an empty line, which is skipped. The next LF is looked for again only
		// once passed: a reply of lone CRs would otherwise be scanned to its end for every line.
		if nextLF < at {
			nextLF = len(text)
			if lf := strings.IndexByte(text[at:], '\n'); lf >= 0 {
				nextLF = at + lf
			}
		}
		start, stop := at, nextLF
		if cr := strings.IndexByte(text[start:stop], '\r'); cr >= 0 {
			stop = start + cr
		}
		at = min(stop+1, len(text))
		if start == stop {
			continue
		}
		if text[start] == '#' {
			if header != nil {
				section = strings.ToLower(strings.TrimSpace(text[start+1 : stop]))
				header(section)
			}
			continue
		}
		colon := strings.IndexByte(text[start:stop], ':')
		if colon < 0 {
			continue
		}
		keyAt, key := trimmedKey(text, start, start+colon)
		if key == "" {
			continue
		}
		field(section, key, text[start+colon+1:stop], keyAt)
	}
}

// trimmedKey is text[start:end] without surrounding white space, and where it starts.
func trimmedKey(text string, start, end int) (int, string) {
	raw := text[start:end]
	if raw != "" && raw[0] > ' ' && raw[0] < utf8.RuneSelf && raw[len(raw)-1] > ' ' && raw[len(raw)-1] < utf8.RuneSelf {
		return start, raw // what Redis prints: nothing to trim
	}
	left := strings.TrimLeftFunc(raw, unicode.IsSpace)
	return start + len(raw) - len(left), strings.TrimRightFunc(left, unicode.IsSpace)
}

func tableSize(keys int) int {
	size := 8
	for 2*size < 3*keys {
		size *= 2
	}
	return size
}

func slotOf(keyAt, keyLen int) uint64 { return uint64(keyAt+1)<<32 | uint64(keyLen) }

// keyIn is the key a slot points at.
func (i Info) keyIn(slot uint64) (key string, keyAt int) {
	keyAt = int(slot>>32) - 1
	return i.text[keyAt : keyAt+int(uint32(slot))], keyAt
}

// add indexes a key's line unless an earlier line has the key.
func (i *Info) add(key string, keyAt int) {
	if 3*(i.keys+1) > 2*len(i.slots) {
		i.grow()
	}
	mask := uint64(len(i.slots) - 1)
	for slot := maphash.String(hashSeed, key) & mask; ; slot = (slot + 1) & mask {
		if i.slots[slot] == 0 {
			i.slots[slot] = slotOf(keyAt, len(key))
			i.keys++
			return
		}
		if seen, _ := i.keyIn(i.slots[slot]); seen == key {
			return
		}
	}
}

// grow doubles the index: only replies of more than maxSizedLines lines get here.
func (i *Info) grow() {
	old := i.slots
	i.slots, i.keys = make([]uint64, 2*len(old)), 0
	for _, slot := range old {
		if slot != 0 {
			key, keyAt := i.keyIn(slot)
			i.add(key, keyAt)
		}
	}
}

// valueAfter is the value of the line whose key ends at keyEnd: from the line's first colon on to
// its end.
func (i Info) valueAfter(keyEnd int) string {
	value := i.text[keyEnd:]
	value = value[strings.IndexByte(value, ':')+1:] // an indexed key has one before its line ends
	// The line ends at its CR or LF, wherever the next LF is. A byte loop: IndexAny would build
	// its byte set on each of the card's many lookups, to scan a short value.
	end := 0
	for end < len(value) && value[end] != '\r' && value[end] != '\n' {
		end++
	}
	return value[:end]
}

// Fields returns every parsed line in reply order.
func (i Info) Fields() []Field {
	fields := make([]Field, 0, i.keys)
	scan(i.text, func(string) {}, func(section, key, value string, _ int) {
		fields = append(fields, Field{Section: section, Key: key, Value: value})
	})
	return fields
}

// HasSection reports whether the reply had a `# Name` header (case-insensitive).
func (i Info) HasSection(name string) bool {
	name = strings.ToLower(name)
	found := false
	scan(i.text, func(section string) { found = found || section == name }, func(string, string, string, int) {})
	return found
}

// Section returns the lines under one header, in order.
func (i Info) Section(name string) []Field {
	name = strings.ToLower(name)
	var fields []Field
	scan(i.text, func(string) {}, func(section, key, value string, _ int) {
		if section == name {
			fields = append(fields, Field{Section: section, Key: key, Value: value})
		}
	})
	return fields
}

// String returns a field's raw value; ok is false when the server did not print the key.
func (i Info) String(key string) (value string, ok bool) {
	if i.keys == 0 {
		return "", false
	}
	mask := uint64(len(i.slots) - 1)
	for slot := maphash.String(hashSeed, key) & mask; i.slots[slot] != 0; slot = (slot + 1) & mask {
		if found, keyAt := i.keyIn(i.slots[slot]); found == key {
			return i.valueAfter(keyAt + len(key)), true
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
	for i := 0; i < len(digits); i++ { // bytewise: a byte of a multi-byte rune is none of these
		switch c := digits[i]; {
		case c >= '0' && c <= '9', c == '.', c == 'e', c == 'E', c == '+', c == '-':
		default:
			return false
		}
	}
	return true
}
