// Package info parses the text reply of the Redis INFO command. It does no I/O: the bytes come
// from the node package, and the state package reads the typed values.
package info

import (
	"slices"
	"strconv"
	"strings"
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
type Info struct {
	fields   []Field
	first    map[string]int
	sections []string
}

// maxSizedLines bounds the room Parse reserves up front; longer replies grow as they parse.
const maxSizedLines = 2048

// Parse reads an INFO reply. It never fails: blank lines, lines without a colon and anything else
// it does not understand are skipped, so a server that prints more, fewer or odd lines still
// yields the fields it did print.
func Parse(text string) Info {
	// Sized from the line count: the card's reply is parsed on every poll, so growing the slice
	// and map line by line would cost more than the scan itself. Capped: a reply of nothing but
	// line breaks must not reserve room for millions of fields (a real INFO has a few hundred).
	lines := min(strings.Count(text, "\n")+1, maxSizedLines)
	parsed := Info{fields: make([]Field, 0, lines)}
	section := ""
	for text != "" {
		// Redis ends lines with CRLF; a lone CR or LF also ends a line rather than hiding in a key.
		// Two IndexByte calls (vectorised) beat one IndexAny (byte by byte) on every reply; the LF
		// of a CRLF then ends an empty line, which is skipped.
		end := strings.IndexByte(text, '\n')
		if end < 0 {
			end = len(text)
		}
		if cr := strings.IndexByte(text[:end], '\r'); cr >= 0 {
			end = cr
		}
		line := text[:end]
		text = text[min(end+1, len(text)):]
		if line == "" {
			continue
		}
		if line[0] == '#' {
			section = strings.ToLower(strings.TrimSpace(line[1:]))
			parsed.sections = append(parsed.sections, section)
			continue
		}
		key, value, found := strings.Cut(line, ":")
		key = strings.TrimSpace(key)
		if !found || key == "" {
			continue
		}
		parsed.fields = append(parsed.fields, Field{Section: section, Key: key, Value: value})
	}
	// Indexed last to first, so that a repeated key points at its first line with one map write
	// per line instead of a lookup and a write.
	parsed.first = make(map[string]int, len(parsed.fields))
	for i := len(parsed.fields) - 1; i >= 0; i-- {
		parsed.first[parsed.fields[i].Key] = i
	}
	return parsed
}

// Fields returns every parsed line in reply order.
func (i Info) Fields() []Field { return i.fields }

// HasSection reports whether the reply had a `# Name` header (case-insensitive).
func (i Info) HasSection(name string) bool { return slices.Contains(i.sections, strings.ToLower(name)) }

// Section returns the lines under one header, in order.
func (i Info) Section(name string) []Field {
	name = strings.ToLower(name)
	var lines []Field
	for _, field := range i.fields {
		if field.Section == name {
			lines = append(lines, field)
		}
	}
	return lines
}

// String returns a field's raw value; ok is false when the server did not print the key.
func (i Info) String(key string) (value string, ok bool) {
	index, ok := i.first[key]
	if !ok {
		return "", false
	}
	return i.fields[index].Value, true
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
