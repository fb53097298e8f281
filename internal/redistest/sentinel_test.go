//go:build realredis

package redistest

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// sentinelsReport asserts what every sentinel says about the master.
func sentinelsReport(t *testing.T, g *SentinelGroup, master *Server) {
	t.Helper()
	for _, s := range g.Sentinels {
		addr, err := s.masterAddr(g.MasterName)
		if err != nil || addr != master.Addr {
			t.Errorf("sentinel %s: GET-MASTER-ADDR-BY-NAME = %s (%v), want %s", s.Addr, addr, err, master.Addr)
		}
		m, err := s.sentinelMap("MASTER", g.MasterName)
		if err != nil {
			t.Fatal(err)
		}
		wantFields(t, m, map[string]string{
			"name":                    g.MasterName,
			"ip":                      "127.0.0.1",
			"port":                    port(master),
			"flags":                   "master",
			"num-slaves":              "2",
			"num-other-sentinels":     "2",
			"quorum":                  "2",
			"down-after-milliseconds": strconv.Itoa(sentinelDownAfterMS),
		})
	}
}

func TestStartSentinelGroup(t *testing.T) {
	t.Parallel()
	var pids []int
	t.Run("inner", func(t *testing.T) {
		start := time.Now()
		g := StartSentinelGroup(t, SentinelOptions{MasterName: "mymaster", Replicas: 2, Sentinels: 3})
		t.Logf("sentinel group (1 master, %d replicas, %d sentinels) settled in %v",
			len(g.Replicas), len(g.Sentinels), time.Since(start).Round(time.Millisecond))
		for _, s := range append(append([]*Server{g.Master}, g.Replicas...), g.Sentinels...) {
			pids = append(pids, s.Pid)
		}
		if len(g.Replicas) != 2 || len(g.Sentinels) != 3 {
			t.Fatalf("%d replicas and %d sentinels, want 2 and 3", len(g.Replicas), len(g.Sentinels))
		}
		wantFields(t, replOf(t, g.Master), map[string]string{"role": "master", "connected_slaves": "2"})
		for _, r := range g.Replicas {
			wantFields(t, replOf(t, r), map[string]string{
				"role": "slave", "master_host": "127.0.0.1", "master_port": port(g.Master), "master_link_status": "up",
			})
		}
		sentinelsReport(t, g, g.Master)
		for _, s := range g.Sentinels {
			txt, err := s.Client(t).Info(ctx(t), "server").Result()
			if err != nil {
				t.Fatal(err)
			}
			wantFields(t, parseInfo(txt), map[string]string{
				"redis_mode":  "sentinel",
				"process_id":  strconv.Itoa(s.Pid),
				"config_file": filepath.Join(s.Dir, sentinelConfName),
			})
			replicas, err := s.sentinelList("REPLICAS", g.MasterName)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range g.Replicas {
				if e := replicas[r.Addr]; e == nil || e["flags"] != "slave" || e["master-link-status"] != "ok" {
					t.Errorf("sentinel %s sees replica %s as %v", s.Addr, r.Addr, e)
				}
			}
			others, err := s.sentinelList("SENTINELS", g.MasterName)
			if err != nil {
				t.Fatal(err)
			}
			if len(others) != 2 {
				t.Errorf("sentinel %s knows sentinels %v, want the 2 others", s.Addr, others)
			}
			// The sentinel saved what it found into its own config file.
			conf, err := os.ReadFile(filepath.Join(s.Dir, sentinelConfName))
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"sentinel myid ", "sentinel known-replica mymaster 127.0.0.1 " + port(g.Replicas[0]),
				"sentinel known-sentinel mymaster 127.0.0.1 "} {
				if !strings.Contains(string(conf), want) {
					t.Errorf("sentinel %s's config lacks %q:\n%s", s.Addr, want, conf)
				}
			}
		}

		// A real client finds the master through the sentinels, and its
		// write reaches both replicas.
		c := g.FailoverClient(t)
		if err := c.Set(ctx(t), "k", "v", 0).Err(); err != nil {
			t.Fatalf("SET through the sentinels: %v", err)
		}
		if n, err := g.Master.Client(t).Do(ctx(t), "WAIT", 2, 5000).Int(); err != nil || n != 2 {
			t.Errorf("WAIT 2: %d replicas acknowledged (%v)", n, err)
		}
		for _, r := range g.Replicas {
			if got, err := r.Client(t).Get(ctx(t), "k").Result(); err != nil || got != "v" {
				t.Errorf("GET k on replica %s: %q, %v", r.Addr, got, err)
			}
		}
		// Data nodes are plain Servers: the state helpers work on them.
		g.Master.RewriteErrKilledChild(t)
		wantFields(t, g.Master.Info(t), map[string]string{"aof_last_bgrewrite_status": "err"})
	})
	wantReaped(t, pids, 6, "cleanup")
}

func TestSentinelSwitch(t *testing.T) {
	t.Parallel()
	// Quotes and spaces: the sentinel conf must quote them.
	const dataPW, sentinelPW = `data "pw"`, `sentinel pw\`
	g := StartSentinelGroup(t, SentinelOptions{Replicas: 2, Password: dataPW, SentinelPassword: sentinelPW})
	if g.MasterName != "mymaster" || len(g.Sentinels) != 3 {
		t.Fatalf("defaults: master name %q, %d sentinels", g.MasterName, len(g.Sentinels))
	}
	for _, s := range []*Server{g.Master, g.Sentinels[0]} {
		if s.Password == "" {
			t.Fatalf("%s has no Password", s.Addr)
		}
		o := s.ClientOptions()
		o.Password = ""
		c := redis.NewClient(o)
		err := c.Ping(ctx(t)).Err()
		c.Close()
		if err == nil || !strings.Contains(err.Error(), "NOAUTH") {
			t.Errorf("PING %s without password: %v, want NOAUTH", s.Addr, err)
		}
	}
	fc := g.FailoverClient(t)
	if err := fc.Set(ctx(t), "k", "before", 0).Err(); err != nil {
		t.Fatal(err)
	}

	old := g.Master
	for round := range 2 {
		start := time.Now()
		next := g.Switch(t)
		t.Logf("switch %d: %s -> %s in %v", round+1, old.Addr, next.Addr, time.Since(start).Round(time.Millisecond))
		if next == old || g.Master != next || len(g.Replicas) != 2 ||
			!slices.Contains(g.Replicas, old) || slices.Contains(g.Replicas, next) {
			t.Fatalf("after Switch: old %s, new %s, Master %s, Replicas %v", old.Addr, next.Addr, g.Master.Addr, g.Replicas)
		}
		sentinelsReport(t, g, next)
		wantFields(t, replOf(t, next), map[string]string{"role": "master", "connected_slaves": "2"})
		// The old master had to authenticate (masterauth) to its new master.
		for _, r := range g.Replicas {
			wantFields(t, replOf(t, r), map[string]string{
				"role": "slave", "master_port": port(next), "master_link_status": "up",
			})
		}
		// The client follows the switch and nothing was lost.
		if got, err := fc.Get(ctx(t), "k").Result(); err != nil || got != "before" {
			t.Errorf("GET through the sentinels after switch %d: %q, %v", round+1, got, err)
		}
		old = next
	}
}

func TestConfQuote(t *testing.T) {
	for in, want := range map[string]string{
		"":          `""`,
		"plain":     `"plain"`,
		`a "b" \ c`: `"a \"b\" \\ c"`,
		"x\ny\x7f":  `"x\x0ay\x7f"`,
	} {
		if got := confQuote(in); got != want {
			t.Errorf("confQuote(%q) = %s, want %s", in, got, want)
		}
	}
}
