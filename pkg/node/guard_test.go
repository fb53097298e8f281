package node

import (
	"strconv"
	"strings"
	"testing"

	"github.com/persistwatch/redis-persistence-datasource/pkg/nodeinfo"
)

func TestGuardPassesRealRepliesAndStopsHostileOnesAtTheirHeader(t *testing.T) {
	info := "$" + strconv.Itoa(len(strings.Repeat("a", 300<<10))) + "\r\n" + strings.Repeat("a", 300<<10) + "\r\n"
	cases := []struct {
		name, stream string
		kind         nodeinfo.Kind // "" for a stream that passes
		detail       string
	}{
		{"simple, error, integer, null", "+OK\r\n-ERR unknown command 'HELLO'\r\n:12\r\n$-1\r\n*-1\r\n", "", ""},
		{"a 300 KiB INFO", info, "", ""},
		{"CONFIG GET", "*4\r\n$3\r\nabc\r\n$1\r\n1\r\n$3\r\ndef\r\n$2\r\n\r\n\r\n", "", ""},
		{"empty arrays", "*0\r\n*1\r\n*0\r\n:1\r\n", "", ""},
		{"a RESP3 map to a RESP2 client", "+OK\r\n%2\r\n+a\r\n", nodeinfo.KindProtocol, "RESP2 reply type"},
		{"chained empty attributes", strings.Repeat("|0\r\n", 100), nodeinfo.KindProtocol, "RESP2 reply type"},
		{"a RESP3 big number", "(" + strings.Repeat("9", 1<<20) + "\r\n", nodeinfo.KindProtocol, "RESP2 reply type"},
		{"1 TiB bulk", "+OK\r\n$1099511627776\r\n", nodeinfo.KindOversized, "reply of 1099511627776 bytes over the limit of 4194304"},
		{"MaxInt64 bulk", "$9223372036854775807\r\n", nodeinfo.KindOversized, "reply of 9223372036854775807 bytes"},
		{"past MaxInt64", "$9223372036854775808\r\n", nodeinfo.KindOversized, "beyond"},
		{"20 digits", "$10000000000000000000\r\n", nodeinfo.KindOversized, "more than 19 digits"},
		{"two billion elements", "*2000000000\r\n", nodeinfo.KindOversized, "reply of 2000000000 elements over the limit of 262144"},
		{"elements add up", strings.Repeat("*200000\r\n", 2), nodeinfo.KindOversized, "reply of 400000 elements"},
		{"deep nesting", strings.Repeat("*1\r\n", MaxReplyDepth+1), nodeinfo.KindOversized, "deeper than the limit of 16"},
		{"negative length", "*-2\r\n", nodeinfo.KindProtocol, "length -2"},
		{"unknown type", "?\r\n", nodeinfo.KindProtocol, "where a RESP2 reply type is expected"},
		{"no length", "$\r\n", nodeinfo.KindProtocol, "without a length"},
		{"letters in a length", "$12a\r\n", nodeinfo.KindProtocol, "in the length"},
		{"LF without CR", "*1\n", nodeinfo.KindProtocol, "broken"},
		{"endless line", "+" + strings.Repeat("x", MaxReplyString), nodeinfo.KindOversized, "line of more than"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// Whole, and byte by byte: a header split across reads is judged the same way.
			for _, chunkSize := range []int{len(c.stream), 1} {
				var g respGuard
				var failure error
				delivered := 0
				for start := 0; start < len(c.stream) && failure == nil; start += chunkSize {
					chunk := c.stream[start:min(start+chunkSize, len(c.stream))]
					var passed int
					passed, failure = g.feed([]byte(chunk))
					delivered += passed
				}
				if c.kind == "" {
					if failure != nil || g.state != expectType || g.depth != 0 {
						t.Fatalf("chunks of %d: %v, state %d, depth %d; want a clean pass", chunkSize, failure, g.state, g.depth)
					}
					continue
				}
				got, ok := failure.(*nodeinfo.Failure)
				if !ok || got.Kind != c.kind || !strings.Contains(got.Detail, c.detail) {
					t.Fatalf("chunks of %d: got %v, want %s containing %q", chunkSize, failure, c.kind, c.detail)
				}
				if delivered == len(c.stream) {
					t.Fatalf("chunks of %d: %d bytes delivered: the offending header reached go-redis", chunkSize, delivered)
				}
			}
		})
	}
}

func TestGuardBudgetIsPerRoundTrip(t *testing.T) {
	var g respGuard
	size := MaxReplyBytes/2 - 64
	body := "$" + strconv.Itoa(size) + "\r\n" + strings.Repeat("a", size) + "\r\n"
	for range 2 {
		if _, err := g.feed([]byte(body)); err != nil {
			t.Fatalf("two strings of half the budget fit one round trip: %v", err)
		}
	}
	if _, err := g.feed([]byte(body)); err == nil || !strings.Contains(err.Error(), "runs past 8388608 bytes") {
		t.Fatalf("a third one is past the byte budget, got %v", err)
	}
	g.read, g.elements = 0, 0 // what a Write does
	if _, err := g.feed([]byte(body)); err != nil {
		t.Fatalf("the next command has a budget of its own: %v", err)
	}
}

func TestClipBoundsEchoedTextAtACharacterBoundary(t *testing.T) {
	if nodeinfo.Clip("short") != "short" {
		t.Fatal("a short text is kept as is")
	}
	long := strings.Repeat("é", 1000) // 2000 bytes
	clipped := nodeinfo.Clip(long)
	if len(clipped) > nodeinfo.MaxEchoed+32 || !strings.HasSuffix(clipped, "… (1488 more bytes)") {
		t.Fatalf("clipped to %d bytes: %q", len(clipped), clipped[len(clipped)-40:])
	}
	if !strings.HasPrefix(clipped, strings.Repeat("é", 256)+"…") {
		t.Fatal("the cut must fall between characters")
	}
}

// The guard's cost on a large real reply: one header parsed, the body skipped.
func BenchmarkGuardOnA220KiBInfo(b *testing.B) {
	body := strings.Repeat("field:value\r\n", (220<<10)/13)
	reply := []byte("$" + strconv.Itoa(len(body)) + "\r\n" + body + "\r\n")
	b.SetBytes(int64(len(reply)))
	for b.Loop() {
		var g respGuard
		for start := 0; start < len(reply); start += ReadBufferSize { // what one read brings
			if _, err := g.feed(reply[start:min(start+ReadBufferSize, len(reply))]); err != nil {
				b.Fatal(err)
			}
		}
	}
}
