package info

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
)

func TestParseSplitsOnTheFirstColonOnly(t *testing.T) {
	parsed := Parse("# Server\r\nexecutable:/usr/bin/redis-server\r\nmaster_host:fe80::1\r\n")
	for key, want := range map[string]string{"executable": "/usr/bin/redis-server", "master_host": "fe80::1"} {
		if got, ok := parsed.String(key); !ok || got != want {
			t.Errorf("%s = %q, %v; want %q", key, got, ok, want)
		}
	}
}

func TestParseKeepsSectionsAndOrder(t *testing.T) {
	parsed := Parse("# Persistence\r\naof_enabled:1\r\n\r\n# Replication\r\nrole:master\r\n")
	if !parsed.HasSection("persistence") || !parsed.HasSection("Replication") || parsed.HasSection("server") {
		t.Fatal("HasSection does not follow the headers")
	}
	persistence := parsed.Section("Persistence")
	if len(persistence) != 1 || persistence[0].Key != "aof_enabled" {
		t.Fatalf("Section(persistence) = %+v", persistence)
	}
	if got := parsed.Fields(); len(got) != 2 || got[1] != (Field{Section: "replication", Key: "role", Value: "master"}) {
		t.Fatalf("Fields() = %+v", got)
	}
}

func TestParseKeepsRepeatedKeysAndLooksUpTheFirst(t *testing.T) {
	parsed := Parse("# Modules\nmodule:name=search,ver=1\nmodule:name=json,ver=2\n")
	if n := len(parsed.Section("modules")); n != 2 {
		t.Fatalf("kept %d module lines, want 2", n)
	}
	if got, _ := parsed.String("module"); got != "name=search,ver=1" {
		t.Fatalf("String(module) = %q, want the first line", got)
	}
}

func TestParseSkipsWhatItDoesNotUnderstand(t *testing.T) {
	parsed := Parse("garbage without colon\n:no key\n\x00\xff\n   \naof_enabled:1\n")
	if got := len(parsed.Fields()); got != 1 {
		t.Fatalf("kept %d fields, want only aof_enabled: %+v", got, parsed.Fields())
	}
}

func TestAbsentIsNotZero(t *testing.T) {
	parsed := Parse("aof_rewrites_consecutive_failures:0\n")
	if v, ok := parsed.Int("aof_rewrites_consecutive_failures"); !ok || v != 0 {
		t.Fatalf("present zero: got %d, %v", v, ok)
	}
	if _, ok := parsed.Int("aof_base_size"); ok {
		t.Fatal("absent field reported as present")
	}
	if _, ok := parsed.Float("aof_base_size"); ok {
		t.Fatal("absent field reported as present")
	}
}

func TestTypedValues(t *testing.T) {
	type typed struct {
		raw       string
		wantKind  Kind
		wantInt   int64
		wantFloat float64
	}
	tests := []typed{
		{"0", KindInt, 0, 0},
		{"-1", KindInt, -1, -1},
		{"67108864", KindInt, 67108864, 67108864},
		{"0.00", KindFloat, 0, 0},
		{"7.76", KindFloat, 0, 7.76},
		{"1e3", KindFloat, 0, 1000},
		{"99999999999999999999999", KindFloat, 0, 1e23},
	}
	// Anything else stays text, with no number beside it.
	for _, raw := range []string{"ok", "err", "inf", "nan", "", "-", "1.2.3", "name=search,ver=1"} {
		tests = append(tests, typed{raw, KindString, 0, 0})
	}
	for _, tt := range tests {
		got := Type(tt.raw)
		if got.Kind != tt.wantKind || got.Int != tt.wantInt || got.Float != tt.wantFloat || got.Raw != tt.raw {
			t.Errorf("Type(%q) = %+v; want kind %d int %d float %g", tt.raw, got, tt.wantKind, tt.wantInt, tt.wantFloat)
		}
	}
}

func TestParseRealRedis70Reply(t *testing.T) {
	raw, err := os.ReadFile("testdata/redis-7.0.15-server-memory-persistence-replication.txt")
	if err != nil {
		t.Fatal(err)
	}
	parsed := Parse(string(raw))
	for _, section := range []string{"server", "memory", "persistence", "replication"} {
		if !parsed.HasSection(section) {
			t.Errorf("section %s missing", section)
		}
	}
	if v, _ := parsed.String("aof_last_bgrewrite_status"); v != "ok" {
		t.Errorf("aof_last_bgrewrite_status = %q", v)
	}
	if v, ok := parsed.Int("aof_enabled"); !ok || v != 1 {
		t.Errorf("aof_enabled = %d, %v", v, ok)
	}
	if v, ok := parsed.Float("current_fork_perc"); !ok || v != 0 {
		t.Errorf("current_fork_perc = %g, %v", v, ok)
	}
	if v, _ := parsed.String("role"); v != "master" {
		t.Errorf("role = %q", v)
	}
	if v, _ := parsed.String("redis_version"); v != "7.0.15" {
		t.Errorf("redis_version = %q (a version is a string, not a float)", v)
	}
}

// FuzzParse checks the parser's promises on any input: no panic, every field has a key without
// colon or CR, the first-colon rule holds, and lookups give the first line of each key in Fields.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"redis-7.0.15-persistence.txt", "redis-7.0.15-server-memory-persistence-replication.txt"} {
		raw, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(raw))
	}
	f.Fuzz(func(t *testing.T, text string) {
		parsed := Parse(text)
		first := map[string]string{}
		for _, field := range parsed.Fields() {
			if _, seen := first[field.Key]; !seen {
				first[field.Key] = field.Value
			}
		}
		for _, field := range parsed.Fields() {
			if field.Key == "" {
				t.Fatalf("empty key in %+v", field)
			}
			for _, r := range field.Key {
				if r == ':' || r == '\r' || r == '\n' {
					t.Fatalf("key %q holds a separator", field.Key)
				}
			}
			got, ok := parsed.String(field.Key)
			if !ok || got != first[field.Key] {
				t.Fatalf("String(%q) = %q, %v; the first line with that key says %q", field.Key, got, ok, first[field.Key])
			}
			if typed := Type(got); typed.Kind == KindInt && float64(typed.Int) != typed.Float {
				t.Fatalf("int %q has float %g", got, typed.Float)
			}
		}
	})
}

// Values Redis cannot print still parse as what they are; judging them is the state package's.
func TestValuesRedisCannotPrintKeepTheirType(t *testing.T) {
	parsed := Parse("aof_enabled:2\r\naof_current_size:-9223372036854775808\r\naof_base_size:99999999999999999999\r\n")
	if v, ok := parsed.Int("aof_enabled"); !ok || v != 2 {
		t.Fatalf("aof_enabled = %d, %v", v, ok)
	}
	if v, ok := parsed.Int("aof_current_size"); !ok || v != -1<<63 {
		t.Fatalf("aof_current_size = %d, %v", v, ok)
	}
	if _, ok := parsed.Int("aof_base_size"); ok {
		t.Fatal("a value past int64 read as an integer")
	}
	if typed, _ := parsed.Typed("aof_base_size"); typed.Kind != KindFloat {
		t.Fatalf("a value past int64 typed %v, want a float", typed.Kind)
	}
}

// A reply of nothing but line breaks or section headers (4 MiB passes the reply guard) reserves
// no room for millions of fields or sections.
func TestParseOfBlankLinesReservesLittle(t *testing.T) {
	for _, line := range []string{"\n", "#\n", "# Server\r\n"} {
		text := strings.Repeat(line, (4<<20)/len(line))
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		parsed := Parse(text)
		runtime.ReadMemStats(&after)
		if grown := after.TotalAlloc - before.TotalAlloc; grown > 1<<20 {
			t.Errorf("parsing 4 MiB of %q allocated %d KiB, want under 1 MiB", line, grown>>10)
		}
		if _, ok := parsed.String("anything"); ok {
			t.Errorf("lines of %q gave a field", line)
		}
	}
}

// A key after white space that is not valid UTF-8 is found where Fields lists it.
func TestKeyAfterOddWhiteSpace(t *testing.T) {
	parsed := Parse("\xc2\xa0\xa0\xa0:1\r\n \u00a0aof_enabled :1\r\n")
	for _, field := range parsed.Fields() {
		if value, ok := parsed.String(field.Key); !ok || value != field.Value {
			t.Errorf("Fields lists %q = %q, String gives %q, %v", field.Key, field.Value, value, ok)
		}
	}
	if v, ok := parsed.Int("aof_enabled"); !ok || v != 1 {
		t.Errorf("aof_enabled = %d, %v", v, ok)
	}
}

// Repeated keys after a long value keep the first line's value; each repeat is compared by its
// key alone, never by scanning that value again.
func TestRepeatedKeysAfterALongValue(t *testing.T) {
	long := strings.Repeat("x", 1<<20)
	parsed := Parse("k:" + long + "\r\n" + strings.Repeat("k:\r\n", 200_000) + "k" + strings.Repeat(" ", 1<<20) + ":y\r\n")
	if value, ok := parsed.String("k"); !ok || value != long {
		t.Fatalf("k = %d bytes, %v; want the first line's %d", len(value), ok, len(long))
	}
	if n := len(parsed.Fields()); n != 200_002 {
		t.Fatalf("%d fields, want 200002", n)
	}
}

// Every key of a long reply is found, and a key that is not there is not, whatever the index's
// collisions.
func TestLookupsOfALongReply(t *testing.T) {
	var text strings.Builder
	for n := range 5000 {
		fmt.Fprintf(&text, "key_%d:%d\r\n", n, n)
	}
	parsed := Parse(text.String())
	for n := range 5000 {
		if v, ok := parsed.Int(fmt.Sprintf("key_%d", n)); !ok || v != int64(n) {
			t.Fatalf("key_%d = %d, %v", n, v, ok)
		}
	}
	if _, ok := parsed.String("key_5000"); ok {
		t.Fatal("found a key the reply does not have")
	}
}

// A reply whose lines end in lone CRs (a server that is not Redis) parses line by line, each line
// read once, like a CRLF one.
func TestLoneCRLineEnds(t *testing.T) {
	text := "# Persistence\raof_enabled:1\r" + strings.Repeat("k:v\r", (4<<20)/4) + "last:x"
	parsed := Parse(text)
	if v, ok := parsed.Int("aof_enabled"); !ok || v != 1 {
		t.Errorf("aof_enabled = %d, %v", v, ok)
	}
	if v, ok := parsed.String("k"); !ok || v != "v" {
		t.Errorf("k = %q, %v", v, ok)
	}
	if v, ok := parsed.String("last"); !ok || v != "x" {
		t.Errorf("last = %q, %v", v, ok)
	}
	if !parsed.HasSection("persistence") || len(parsed.Section("persistence")) != 2+(4<<20)/4 {
		t.Error("the lines after a lone-CR header are not under it")
	}
}

// cardReply is a real reply to the card query's sections (server, persistence, replication).
func cardReply(b *testing.B) string {
	b.Helper()
	raw, err := os.ReadFile("testdata/redis-7.0.15-server-memory-persistence-replication.txt")
	if err != nil {
		b.Fatal(err)
	}
	memory := strings.Index(string(raw), "# Memory\r\n")
	return string(raw[:memory]) + string(raw[memory+strings.Index(string(raw[memory:]), "\r\n\r\n")+4:])
}

// BenchmarkParse parses the card's reply, as every poll does for every node, and looks up one key.
func BenchmarkParse(b *testing.B) {
	text := cardReply(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := Parse(text).Int("aof_enabled"); !ok {
			b.Fatal("no aof_enabled")
		}
	}
}

// BenchmarkCardLookups types the fields the card's rules read (package card, factsOf) from a
// parsed reply.
func BenchmarkCardLookups(b *testing.B) {
	parsed := Parse(cardReply(b))
	keys := []string{"aof_enabled", "aof_last_bgrewrite_status", "aof_rewrite_in_progress", "aof_rewrite_scheduled",
		"aof_current_rewrite_time_sec", "aof_rewrites_consecutive_failures", "aof_last_write_status", "aof_current_size",
		"aof_base_size", "aof_last_cow_size", "aof_last_rewrite_time_sec", "aof_delayed_fsync", "loading", "async_loading",
		"loading_loaded_perc", "loading_eta_seconds", "role"}
	b.ReportAllocs()
	for b.Loop() {
		for _, key := range keys {
			if _, ok := parsed.Typed(key); !ok && key != "loading_loaded_perc" && key != "loading_eta_seconds" {
				b.Fatalf("no %s", key)
			}
		}
	}
}
