package node

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/persistwatch/redis-persistence-datasource/internal/resptest"
	"github.com/persistwatch/redis-persistence-datasource/pkg/nodeinfo"
	"github.com/persistwatch/redis-persistence-datasource/pkg/settings"
)

// legacyServer speaks just enough RESP to play a Redis 6.2 that rejects multi-section INFO. Real
// servers are used everywhere else; no 6.2 is installable here.
type legacyServer struct {
	mu       sync.Mutex
	commands []string
	// padding is extra INFO text before the AOF fields, for replies longer than the buffers.
	padding string
	// delay holds every INFO answer back, for a slow server.
	delay time.Duration
}

func (s *legacyServer) serve(t *testing.T) string {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { listener.Close() })
	go func() {
		for {
			conn, err := listener.Accept()
			if err != nil {
				return
			}
			go s.answer(conn)
		}
	}()
	return listener.Addr().String()
}

func (s *legacyServer) answer(conn net.Conn) {
	defer conn.Close()
	reader := bufio.NewReader(conn)
	for {
		args, err := resptest.ReadCommand(reader)
		if err != nil {
			return
		}
		command := strings.ToUpper(strings.Join(args, " "))
		s.mu.Lock()
		s.commands = append(s.commands, command)
		s.mu.Unlock()
		var out string
		switch {
		case command == "INFO":
			time.Sleep(s.delay)
			body := s.padding + "# Persistence\r\naof_enabled:1\r\naof_last_bgrewrite_status:ok\r\n# Replication\r\nrole:master\r\n"
			out = fmt.Sprintf("$%d\r\n%s\r\n", len(body), body)
		case strings.HasPrefix(command, "INFO "):
			out = "-ERR syntax error\r\n"
		case strings.HasPrefix(command, "CONFIG GET"):
			out = "*4\r\n$27\r\nauto-aof-rewrite-percentage\r\n$3\r\n100\r\n$25\r\nauto-aof-rewrite-min-size\r\n$8\r\n67108864\r\n"
		default:
			out = fmt.Sprintf("-ERR unknown command '%s'\r\n", args[0])
		}
		if _, err := conn.Write([]byte(out)); err != nil {
			return
		}
	}
}

func (s *legacyServer) sent(prefix string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var matching []string
	for _, c := range s.commands {
		if strings.HasPrefix(c, prefix) {
			matching = append(matching, c)
		}
	}
	return matching
}

func TestPreSevenServersGetPlainInfoAfterOneRejection(t *testing.T) {
	server := &legacyServer{}
	address := server.serve(t)
	pool := NewPool(settings.Settings{
		Nodes:          []nodeinfo.Node{{Name: "legacy", Address: address, Network: "tcp", Dial: address}},
		ConnectTimeout: time.Second, ReadTimeout: time.Second, MaxConcurrency: 1,
	})
	t.Cleanup(func() { pool.Close() })
	request := Request{Sections: []string{"persistence", "replication"}, RewriteTrigger: true}
	everyNode, err := pool.Select(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		reading := pool.Read(context.Background(), everyNode, request)[0]
		if reading.Err != nil {
			t.Fatalf("read failed: %v", reading.Err)
		}
		if status, _ := reading.Info.String("aof_last_bgrewrite_status"); status != "ok" || !reading.Trigger.Known || reading.Trigger.Percent != 100 {
			t.Fatalf("reading = %+v", reading)
		}
	}
	want := []string{"INFO PERSISTENCE REPLICATION", "INFO", "INFO"}
	if got := server.sent("INFO"); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("INFO commands sent = %q, want %q: one rejection, then plain INFO only", got, want)
	}
	if got := server.sent("CONFIG"); len(got) != len(configPatterns) {
		t.Fatalf("CONFIG sent %q, want one CONFIG GET per pattern once: the configuration is cached for %v", got, triggerTTL)
	}
}

func TestSelectOnlyReachesConfiguredNodes(t *testing.T) {
	pool := NewPool(settings.Settings{Nodes: []nodeinfo.Node{
		{Name: "a", Address: "10.0.0.1:6379", Network: "tcp", Dial: "10.0.0.1:6379"},
		{Name: "b", Address: "10.0.0.2:6379", Network: "tcp", Dial: "10.0.0.2:6379"},
	}, MaxConcurrency: 1})
	t.Cleanup(func() { pool.Close() })
	ctx := context.Background()
	if got, err := pool.Select(ctx, []string{"10.0.0.2:6379", "a", "b"}); err != nil || names(got.Nodes()) != "b a" {
		t.Fatalf("Select = %v, %v; want b a (by address or name, duplicates once)", got.Nodes(), err)
	}
	if got, _ := pool.Select(ctx, nil); names(got.Nodes()) != "a b" {
		t.Fatalf("empty filter = %v, want every node", got.Nodes())
	}
	if _, err := pool.Select(ctx, []string{"evil.example:6379"}); err == nil || !strings.Contains(err.Error(), `"evil.example:6379", which this data source does not configure`) {
		t.Fatalf("unconfigured node: %v", err)
	}
}

func names(nodes []nodeinfo.Node) string {
	var result []string
	for _, n := range nodes {
		result = append(result, n.Name)
	}
	return strings.Join(result, " ")
}

func TestRepliesLongerThanTheReadBufferAreReadWhole(t *testing.T) {
	server := &legacyServer{padding: "# Modules\r\n" + strings.Repeat("module:name=padding,ver=1,api=1,filters=0,usedby=[],using=[],options=[]\r\n", 3000)}
	address := server.serve(t)
	pool := NewPool(settings.Settings{
		Nodes:          []nodeinfo.Node{{Name: "big", Address: address, Network: "tcp", Dial: address}},
		ConnectTimeout: time.Second, ReadTimeout: time.Second, MaxConcurrency: 1,
	})
	t.Cleanup(func() { pool.Close() })
	everyNode, err := pool.Select(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	reading := pool.Read(context.Background(), everyNode, Request{Sections: []string{"persistence"}})[0]
	if reading.Err != nil {
		t.Fatalf("a %d KiB reply: %v", len(server.padding)>>10, reading.Err)
	}
	if status, _ := reading.Info.String("aof_last_bgrewrite_status"); status != "ok" || len(reading.Info.Section("modules")) != 3000 {
		t.Fatalf("a long reply was cut: status %q, %d module lines", status, len(reading.Info.Section("modules")))
	}
}

func legacyPool(t *testing.T, server *legacyServer, window time.Duration) (*Pool, Selection) {
	t.Helper()
	address := server.serve(t)
	pool := NewPool(settings.Settings{
		Nodes:          []nodeinfo.Node{{Name: "slow", Address: address, Network: "tcp", Dial: address}},
		ConnectTimeout: time.Second, ReadTimeout: time.Second, MaxConcurrency: 1, CoalesceWindow: window,
	})
	t.Cleanup(func() { pool.Close() })
	everyNode, err := pool.Select(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return pool, everyNode
}

func TestAReadCutShortByItsCallersDeadlineIsNotSharedWithTheNext(t *testing.T) {
	server := &legacyServer{delay: 200 * time.Millisecond}
	pool, everyNode := legacyPool(t, server, time.Hour)
	hurried, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if first := pool.Read(hurried, everyNode, Request{}); first[0].Err == nil || first[0].Err.Kind != nodeinfo.KindTimeout {
		t.Fatalf("a 20 ms deadline on a 200 ms server: %+v, want a timeout", first[0])
	}
	if second := pool.Read(context.Background(), everyNode, Request{}); second[0].Err != nil {
		t.Fatalf("the next caller, with time to wait, got the first caller's timeout: %v", second[0].Err)
	}
}

func TestACancelledQueryReadsNoNode(t *testing.T) {
	server := &legacyServer{}
	pool, everyNode := legacyPool(t, server, 0)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if reading := pool.Read(cancelled, everyNode, Request{})[0]; reading.Err == nil {
		t.Fatalf("a cancelled query got a reading: %+v", reading)
	}
	if sent := server.sent("INFO"); len(sent) != 0 {
		t.Fatalf("a cancelled query still sent %q", sent)
	}
}

func TestFreshReadsNeverRepeatAnEarlierAnswer(t *testing.T) {
	server := &legacyServer{}
	pool, everyNode := legacyPool(t, server, time.Hour)
	for range 3 {
		if reading := pool.Read(context.Background(), everyNode, Request{Fresh: true})[0]; reading.Err != nil {
			t.Fatal(reading.Err)
		}
	}
	if sent := server.sent("INFO"); len(sent) != 3 {
		t.Fatalf("3 fresh reads within the window sent %d INFO, want 3", len(sent))
	}
}

func TestAFreshReadingServesTheReadsAfterItWithinTheWindow(t *testing.T) {
	server := &legacyServer{}
	pool, everyNode := legacyPool(t, server, time.Hour)
	if reading := pool.Read(context.Background(), everyNode, Request{Fresh: true})[0]; reading.Err != nil {
		t.Fatal(reading.Err)
	}
	before := len(server.sent("INFO"))
	if reading := pool.Read(context.Background(), everyNode, Request{})[0]; reading.Err != nil {
		t.Fatal(reading.Err)
	}
	if after := len(server.sent("INFO")); after != before {
		t.Fatalf("a read within the window after a fresh one sent INFO again (%d, then %d): a live sample must serve the cards", before, after)
	}
}

func TestAReadWhoseCallerLeftIsStillShared(t *testing.T) {
	server := &legacyServer{delay: 100 * time.Millisecond}
	pool, everyNode := legacyPool(t, server, time.Hour)
	leaving, leave := context.WithCancel(context.Background())
	go func() {
		for deadline := time.Now().Add(10 * time.Second); len(server.sent("INFO")) == 0 && time.Now().Before(deadline); {
			runtime.Gosched()
		}
		leave() // the first caller goes away while its read is on the wire
	}()
	pool.Read(leaving, everyNode, Request{})
	if leaving.Err() == nil {
		t.Fatal("the first caller did not leave while its read was on the wire; nothing was tested")
	}
	before := len(server.sent("INFO"))
	if reading := pool.Read(context.Background(), everyNode, Request{})[0]; reading.Err != nil {
		t.Fatal(reading.Err)
	}
	if after := len(server.sent("INFO")); after != before {
		t.Fatalf("the read of a caller who left was not shared: INFO sent again (%d, then %d)", before, after)
	}
}

type panickingDiscovery struct{}

func (panickingDiscovery) discover(context.Context, *Topology) ([]nodeinfo.Node, []nodeinfo.Problem) {
	panic("index out of range [3] with length 3")
}
func (panickingDiscovery) dynamic() bool { return true }
func (panickingDiscovery) close() error  { return nil }

// A discovery that panics is a discovery problem: the query that waits on it gets an answer.
func TestADiscoveryThatPanicsIsAProblemNotAHang(t *testing.T) {
	pool := NewPool(settings.Settings{ConnectTimeout: time.Second, ReadTimeout: time.Second, MaxConcurrency: 1,
		Discovery: settings.DiscoveryCluster, DiscoveryInterval: time.Minute})
	t.Cleanup(func() { pool.Close() })
	pool.discoverer = panickingDiscovery{}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	topology := pool.Topology(ctx)
	if len(topology.Problems) != 1 || topology.Problems[0].Err.Kind != nodeinfo.KindPanic || !strings.Contains(topology.Problems[0].String(), "index out of range") {
		t.Fatalf("problems = %v, want the discovery's panic", topology.Problems)
	}
}
