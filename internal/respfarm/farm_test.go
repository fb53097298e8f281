package respfarm

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// What go-redis sends for HELLO 2 and INFO persistence, and replies as a real server would give
// them; the INFO text has bytes a re-encoding would change (a bare LF, a NUL, a non-UTF-8 byte).
var (
	helloRequest = []byte("*2\r\n$5\r\nhello\r\n$1\r\n2\r\n")
	helloReply   = []byte("*4\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n")
	infoRequest  = []byte("*2\r\n$4\r\ninfo\r\n$11\r\npersistence\r\n")
	infoText     = "# Persistence\r\naof_enabled:1\r\nodd:\n\x00\xff\r\n"
	infoReply    = []byte("$" + "39" + "\r\n" + infoText + "\r\n")
	configReq    = []byte("*3\r\n$6\r\nconfig\r\n$3\r\nget\r\n$4\r\nsave\r\n")
	configReply  = []byte("*2\r\n$4\r\nsave\r\n$0\r\n\r\n")
)

func startFarm(t *testing.T, pairs ...Pair) (*Farm, string) {
	t.Helper()
	farm, err := New(pairs)
	if err != nil {
		t.Fatal(err)
	}
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- farm.Serve(listener) }()
	t.Cleanup(func() {
		_ = listener.Close()
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return farm, listener.Addr().String()
}

func all() []Pair {
	return []Pair{{helloRequest, helloReply}, {infoRequest, infoReply}, {configReq, configReply}}
}

// client is set up as the plugin sets up its clients: RESP2, no identity, one connection.
func client(t *testing.T, addr string) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{
		Addr: addr, Protocol: 2, DisableIdentity: true, PoolSize: 1, MaxRetries: -1,
		MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled},
	})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func TestInfoReplyIsByteIdentical(t *testing.T) {
	if len(infoText) != 39 {
		t.Fatalf("infoReply's length prefix is wrong: the text has %d bytes", len(infoText))
	}
	farm, addr := startFarm(t, all()...)

	// On the wire: exactly the recorded bytes, nothing more.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write(infoRequest); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(infoReply))
	if _, err := io.ReadFull(conn, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, infoReply) {
		t.Errorf("reply %q, want %q", got, infoReply)
	}

	// Through go-redis, HELLO included.
	text, err := client(t, addr).Info(context.Background(), "persistence").Result()
	if err != nil {
		t.Fatal(err)
	}
	if text != infoText {
		t.Errorf("go-redis INFO %q, want %q", text, infoText)
	}
	counts := farm.Counts()
	if counts.Commands["INFO"] != 2 || counts.Commands["HELLO"] != 1 || len(counts.Unmatched) != 0 {
		t.Errorf("counts %+v, want INFO 2, HELLO 1, nothing unmatched", counts)
	}
}

func TestUnmatchedRequestIsAnErrorAndCounted(t *testing.T) {
	farm, addr := startFarm(t, all()...)
	c := client(t, addr)
	err := c.Get(context.Background(), "key").Err()
	if err == nil || !strings.Contains(err.Error(), `no recorded reply for this "GET" request`) {
		t.Fatalf("GET with no recording: %v, want the farm's error naming GET", err)
	}
	// Same command, other bytes: INFO of another section is not the recorded INFO.
	if err := c.Info(context.Background(), "memory").Err(); err == nil {
		t.Fatal("INFO memory was answered from the recording of INFO persistence")
	}
	// The connection is still good.
	if text, err := c.Info(context.Background(), "persistence").Result(); err != nil || text != infoText {
		t.Fatalf("INFO persistence after misses: %q, %v", text, err)
	}
	counts := farm.Counts()
	if counts.Unmatched["GET"] != 1 || counts.Unmatched["INFO"] != 1 || counts.Commands["INFO"] != 1 {
		t.Errorf("counts %+v, want unmatched GET 1 and INFO 1, INFO answered 1", counts)
	}
	if !strings.Contains(counts.FirstMiss, "key") {
		t.Errorf("first miss %q, want the GET request", counts.FirstMiss)
	}
}

func TestPipelineIsAnsweredInOrder(t *testing.T) {
	farm, addr := startFarm(t, all()...)
	ctx := context.Background()
	c := client(t, addr)
	var first, third *redis.StringCmd
	var second *redis.MapStringStringCmd
	var missing *redis.StringCmd
	if _, err := c.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		first = pipe.Info(ctx, "persistence")
		second = pipe.ConfigGet(ctx, "save")
		missing = pipe.Get(ctx, "key")
		third = pipe.Info(ctx, "persistence")
		return nil
	}); err == nil {
		t.Fatal("the pipeline with an unrecorded GET has no error")
	}
	if first.Val() != infoText || third.Val() != infoText {
		t.Errorf("INFO replies %q and %q, want %q", first.Val(), third.Val(), infoText)
	}
	if save, ok := second.Val()["save"]; !ok || save != "" {
		t.Errorf("CONFIG GET save %v, want save empty", second.Val())
	}
	if missing.Err() == nil || !strings.Contains(missing.Err().Error(), "GET") {
		t.Errorf("GET in the pipeline: %v, want the farm's error", missing.Err())
	}

	// Raw: three requests in one write get the three replies back to back.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write(bytes.Join([][]byte{configReq, infoRequest, configReq}, nil)); err != nil {
		t.Fatal(err)
	}
	want := bytes.Join([][]byte{configReply, infoReply, configReply}, nil)
	got := make([]byte, len(want))
	if _, err := io.ReadFull(conn, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("pipelined replies %q, want %q", got, want)
	}
	if n := farm.Counts().Commands["CONFIG"]; n != 3 {
		t.Errorf("CONFIG answered %d times, want 3", n)
	}
}

func TestConnectionsAreCounted(t *testing.T) {
	farm, addr := startFarm(t, all()...)
	ctx := context.Background()
	c := client(t, addr)
	for range 5 {
		if err := c.Info(ctx, "persistence").Err(); err != nil {
			t.Fatal(err)
		}
	}
	if n := farm.Counts().Connections; n != 1 {
		t.Errorf("one pooled client, 5 commands: %d connections, want 1", n)
	}

	// A client that hangs up in the middle of a request: the farm counts it as a miss and goes on.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Write(infoRequest[:10]); err != nil {
		t.Fatal(err)
	}
	_ = conn.Close()

	second := client(t, addr)
	if err := second.Info(ctx, "persistence").Err(); err != nil {
		t.Fatal(err)
	}
	counts := farm.Counts()
	if counts.Connections != 3 {
		t.Errorf("%d connections, want 3", counts.Connections)
	}
	// The half request is counted once its connection ends, which may be after the second client's INFO.
	deadline := time.Now().Add(10 * time.Second)
	for farm.Counts().Unmatched[cutShort] != 1 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := farm.Counts().Unmatched[cutShort]; n != 1 {
		t.Errorf("the half INFO request was counted %d times as unmatched, want 1", n)
	}
}

func TestReadFrame(t *testing.T) {
	for _, frame := range []string{
		"+OK\r\n", "-ERR x\r\n", ":12\r\n", "$-1\r\n", "$0\r\n\r\n", "*-1\r\n", "*0\r\n", "_\r\n", "#t\r\n", ",1.5\r\n",
		"(123\r\n", "=7\r\ntxt:a\nb\r\n", "*2\r\n$1\r\n\r\r\n*1\r\n:1\r\n", "%1\r\n+k\r\n+v\r\n", "~1\r\n+a\r\n",
		">2\r\n+p\r\n+q\r\n", "|1\r\n+a\r\n+b\r\n:5\r\n", string(infoReply), string(helloReply),
	} {
		// Each frame followed by another: exactly the first is read.
		r := bufio.NewReaderSize(strings.NewReader(frame+"+next\r\n"), 16)
		got, err := ReadFrame(r, nil)
		if err != nil || string(got) != frame {
			t.Errorf("ReadFrame(%q) = %q, %v", frame, got, err)
		}
	}
	for _, bad := range []string{"\r\n", "x\r\n", "$3\r\nab\r\n", "$2\r\nabcd", "*1\r\n", "+no crlf\n", "$-2\r\n"} {
		if got, err := ReadFrame(bufio.NewReader(strings.NewReader(bad)), nil); err == nil {
			t.Errorf("ReadFrame(%q) = %q, want an error", bad, got)
		}
	}
	if name := CommandName(infoRequest); name != "INFO" {
		t.Errorf("CommandName = %q, want INFO", name)
	}
}
