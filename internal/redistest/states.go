package redistest

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// holdDelayUS is the rdb-key-save-delay (microseconds per key, a hidden
// but CONFIG SET-able setting) that keeps a fork child busy: ~33 minutes
// for the first key, far longer than any test. The child copies the value
// at fork time, so the parent is reset to 0 right after the fork and later
// rewrites run at full speed.
const holdDelayUS = 2_000_000_000

// do runs one command on the admin connection and fails the test on error.
func (s *Server) do(tb testing.TB, args ...any) any {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	v, err := s.admin.Do(ctx, args...).Result()
	if err != nil {
		tb.Fatalf("redistest: %s: %v: %v", s.Addr, args, err)
	}
	return v
}

// waitInfo polls INFO persistence until cond holds, failing the test with
// the last fields seen (and the log tail) after waitTimeout.
func (s *Server) waitInfo(tb testing.TB, what string, cond func(map[string]string) bool) map[string]string {
	tb.Helper()
	deadline := time.Now().Add(waitTimeout)
	var last map[string]string
	var lastErr error
	for {
		m, err := s.info()
		if err == nil {
			last = m
			if cond(m) {
				return m
			}
		} else {
			lastErr = err
		}
		if s.exited() {
			tb.Fatalf("redistest: redis-server %s exited while waiting for %s (%v); log:\n%s", s.Addr, what, s.waitErr, s.logs.tail(4096))
		}
		if time.Now().After(deadline) {
			tb.Fatalf("redistest: %s: no %s after %v; last INFO: %s; last error: %v; log:\n%s",
				s.Addr, what, waitTimeout, summary(last), lastErr, s.logs.tail(4096))
		}
		time.Sleep(pollInterval)
	}
}

func field(m map[string]string, k string) int {
	n, err := strconv.Atoi(m[k])
	if err != nil {
		return -1
	}
	return n
}

func rewriteIdle(m map[string]string) bool {
	return m["aof_rewrite_in_progress"] == "0" && m["aof_rewrite_scheduled"] == "0"
}

// ensureKey makes sure the dataset is non-empty: rdb-key-save-delay
// sleeps per key, so with no key a "held" child would finish at once.
func (s *Server) ensureKey(tb testing.TB) {
	tb.Helper()
	key, err := s.slotKey("redistest:key")
	if err != nil {
		tb.Fatalf("redistest: %v", err)
	}
	s.do(tb, "SET", key, "1")
}

func (s *Server) setKeySaveDelay(tb testing.TB, us int) {
	tb.Helper()
	s.do(tb, "CONFIG", "SET", "rdb-key-save-delay", strconv.Itoa(us))
}

// rewriteChild waits for the single fork child of the server.
func (s *Server) rewriteChild(tb testing.TB) int {
	tb.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		kids := childPids(s.Pid)
		if len(kids) == 1 {
			return kids[0]
		}
		if time.Now().After(deadline) {
			tb.Fatalf("redistest: %s: expected one fork child of pid %d, found %v", s.Addr, s.Pid, kids)
		}
		time.Sleep(pollInterval)
	}
}

// startHeldRewrite starts a BGREWRITEAOF whose child sleeps (see
// holdDelayUS) and returns the child's pid once INFO shows it running.
func (s *Server) startHeldRewrite(tb testing.TB) int {
	tb.Helper()
	return s.startHeldChild(tb, "BGREWRITEAOF", "aof_rewrite_in_progress")
}

// startHeldChild runs command (BGREWRITEAOF or BGSAVE) with a sleeping child
// and returns the child's pid once INFO's progress field says 1.
func (s *Server) startHeldChild(tb testing.TB, command, progress string) int {
	tb.Helper()
	s.ensureKey(tb)
	s.setKeySaveDelay(tb, holdDelayUS)
	reply := fmt.Sprint(s.do(tb, command))
	s.waitInfo(tb, progress+":1 after "+command+" ("+reply+")", func(m map[string]string) bool {
		return m[progress] == "1"
	})
	child := s.rewriteChild(tb)
	s.setKeySaveDelay(tb, 0)
	return child
}

// RewriteOK runs BGREWRITEAOF and waits until it has completed with
// aof_last_bgrewrite_status:ok. It fails the test if the rewrite ends in
// err (e.g. the data no longer fits under FileSizeLimitKB).
func (s *Server) RewriteOK(tb testing.TB) {
	tb.Helper()
	before := field(s.Info(tb), "aof_rewrites")
	reply := fmt.Sprint(s.do(tb, "BGREWRITEAOF")) // "started" or "scheduled"
	m := s.waitInfo(tb, "completed rewrite after BGREWRITEAOF ("+reply+")", func(m map[string]string) bool {
		return field(m, "aof_rewrites") > before && rewriteIdle(m)
	})
	if m["aof_last_bgrewrite_status"] != "ok" {
		tb.Fatalf("redistest: %s: rewrite finished with aof_last_bgrewrite_status:%s; INFO: %s; log:\n%s",
			s.Addr, m["aof_last_bgrewrite_status"], summary(m), s.logs.tail(4096))
	}
}

// RewriteErrKilledChild makes a rewrite fail the way a crashed or
// OOM-killed child does: it starts BGREWRITEAOF with a sleeping child and
// SIGKILLs the child (SIGTERM is ignored by it and SIGUSR1 counts as a
// deliberate cancel). Afterwards aof_last_bgrewrite_status:err,
// aof_rewrite_in_progress:0, and aof_rewrites_consecutive_failures has
// grown by one.
func (s *Server) RewriteErrKilledChild(tb testing.TB) {
	tb.Helper()
	child := s.startHeldRewrite(tb)
	if err := syscall.Kill(child, syscall.SIGKILL); err != nil {
		tb.Fatalf("redistest: killing rewrite child %d: %v", child, err)
	}
	m := s.waitInfo(tb, "end of the killed rewrite", rewriteIdle)
	if m["aof_last_bgrewrite_status"] != "err" {
		tb.Fatalf("redistest: %s: killed rewrite left aof_last_bgrewrite_status:%s", s.Addr, m["aof_last_bgrewrite_status"])
	}
}

// RewriteErrStreak runs RewriteErrKilledChild n times, so
// aof_rewrites_consecutive_failures rises by n (7.0.15 resets the streak
// only on success, CONFIG RESETSTAT, or a BGREWRITEAOF that has to be
// scheduled behind another child; a manual BGREWRITEAOF that starts at
// once does not reset it). Use n >= 3 for a "stuck" rewrite.
func (s *Server) RewriteErrStreak(tb testing.TB, n int) {
	tb.Helper()
	for range n {
		s.RewriteErrKilledChild(tb)
	}
}

// HoldRewriteInProgress starts a rewrite that stays running
// (aof_rewrite_in_progress:1) until ReleaseRewrite or cleanup.
func (s *Server) HoldRewriteInProgress(tb testing.TB) {
	tb.Helper()
	s.startHeldRewrite(tb)
}

// ReleaseRewrite ends a held rewrite with SIGUSR1, which Redis treats as
// a deliberate cancel: aof_rewrite_in_progress goes to 0 and the status
// and failure streak are left as they were. Run RewriteOK afterwards if
// the test needs a fresh ok.
func (s *Server) ReleaseRewrite(tb testing.TB) {
	tb.Helper()
	child := s.rewriteChild(tb)
	if err := syscall.Kill(child, syscall.SIGUSR1); err != nil {
		tb.Fatalf("redistest: signalling rewrite child %d: %v", child, err)
	}
	s.waitInfo(tb, "aof_rewrite_in_progress:0 after cancelling", rewriteIdle)
}

// SaveErrKilledChild makes an RDB snapshot fail the way a crashed or
// OOM-killed child does: it starts BGSAVE with a sleeping child (see
// holdDelayUS) and SIGKILLs it. Redis counts a child ended by any signal
// but SIGUSR1 as a failed save, so afterwards rdb_last_bgsave_status:err,
// rdb_bgsave_in_progress:0 and rdb_last_save_time unchanged (it is the
// last successful save). A directory the server cannot write would do the
// same, but as root permissions do not stop writes.
func (s *Server) SaveErrKilledChild(tb testing.TB) {
	tb.Helper()
	child := s.startHeldChild(tb, "BGSAVE", "rdb_bgsave_in_progress")
	if err := syscall.Kill(child, syscall.SIGKILL); err != nil {
		tb.Fatalf("redistest: killing save child %d: %v", child, err)
	}
	m := s.waitInfo(tb, "end of the killed save", func(m map[string]string) bool { return m["rdb_bgsave_in_progress"] == "0" })
	if m["rdb_last_bgsave_status"] != "err" {
		tb.Fatalf("redistest: %s: killed save left rdb_last_bgsave_status:%s", s.Addr, m["rdb_last_bgsave_status"])
	}
}

// SnapshotSchedule sets the save schedule (CONFIG SET save), e.g.
// "3600 1"; "" turns snapshots off. Servers start with save "".
func (s *Server) SnapshotSchedule(tb testing.TB, schedule string) {
	tb.Helper()
	s.do(tb, "CONFIG", "SET", "save", schedule)
}

// UnsavedChanges writes a key, so rdb_changes_since_last_save > 0.
func (s *Server) UnsavedChanges(tb testing.TB) {
	tb.Helper()
	s.ensureKey(tb)
	s.waitInfo(tb, "rdb_changes_since_last_save > 0", func(m map[string]string) bool {
		return field(m, "rdb_changes_since_last_save") > 0
	})
}

// LastSaveAge is the age of the last successful RDB save on the server's
// own clock: server_time_usec (INFO server) minus rdb_last_save_time.
func (s *Server) LastSaveAge(tb testing.TB) int64 {
	tb.Helper()
	server, errServer := s.infoSection("server")
	persistence, errPersistence := s.info()
	if errServer != nil || errPersistence != nil {
		tb.Fatalf("redistest: INFO on %s: %v %v", s.Addr, errServer, errPersistence)
	}
	micros, errMicros := strconv.ParseInt(server["server_time_usec"], 10, 64)
	lastSave, errLast := strconv.ParseInt(persistence["rdb_last_save_time"], 10, 64)
	if errMicros != nil || errLast != nil {
		tb.Fatalf("redistest: %s: server_time_usec %q rdb_last_save_time %q", s.Addr, server["server_time_usec"], persistence["rdb_last_save_time"])
	}
	return micros/1_000_000 - lastSave
}

// AgeLastSave waits until the last successful save is at least seconds
// old on the server's clock (LastSaveAge), so an age can be told from 0.
func (s *Server) AgeLastSave(tb testing.TB, seconds int64) {
	tb.Helper()
	deadline := time.Now().Add(waitTimeout + time.Duration(seconds)*time.Second)
	for s.LastSaveAge(tb) < seconds {
		if time.Now().After(deadline) {
			tb.Fatalf("redistest: %s: the last save is not %d s old after %v", s.Addr, seconds, waitTimeout)
		}
		time.Sleep(pollInterval)
	}
}

// GrowPastRewriteTrigger makes the AOF grow far past its automatic
// rewrite trigger: with auto-aof-rewrite-min-size 0, it writes until
// aof_current_size is over 4x aof_base_size (3x past the default 100%
// trigger). It needs a rewrite held in progress (HoldRewriteInProgress),
// else Redis would start one by itself, and a base size (a completed
// rewrite before: a fresh 7.0 start prints aof_base_size:0).
func (s *Server) GrowPastRewriteTrigger(tb testing.TB) {
	tb.Helper()
	m := s.Info(tb)
	base := field(m, "aof_base_size")
	if m["aof_rewrite_in_progress"] != "1" || base <= 0 {
		tb.Fatalf("redistest: GrowPastRewriteTrigger needs a held rewrite and a base size; INFO: %s", summary(m))
	}
	s.do(tb, "CONFIG", "SET", "auto-aof-rewrite-min-size", "0")
	key, err := s.slotKey("redistest:growth")
	if err != nil {
		tb.Fatalf("redistest: %v", err)
	}
	s.do(tb, "SET", key, strings.Repeat("g", 4*base+1024))
	s.waitInfo(tb, "aof_current_size over 4x aof_base_size", func(m map[string]string) bool {
		return field(m, "aof_current_size") > 4*field(m, "aof_base_size")
	})
}

// WriteErr makes an AOF append fail for real: it writes values until the
// AOF file reaches Options.FileSizeLimitKB, where write(2) fails (EFBIG;
// Redis reports a short write as "No space left on device"). Afterwards
// aof_last_write_status:err and writes AND PING are refused with
// "-MISCONF Errors writing to the AOF file: ..." (Redis denies PING on a
// persistence error on purpose), while reads and INFO still work. The
// state persists because every retry in serverCron hits the same limit.
// DisableAOF lifts the refusal, yet INFO keeps the stale
// aof_last_write_status:err next to aof_enabled:0.
func (s *Server) WriteErr(tb testing.TB) {
	tb.Helper()
	if s.opts.FileSizeLimitKB <= 0 || s.opts.AOFOff {
		tb.Fatalf("redistest: WriteErr needs Options.FileSizeLimitKB > 0 and AOF on")
	}
	chunk := min(max(s.opts.FileSizeLimitKB*1024/16, 1024), 1<<20)
	value := strings.Repeat("x", chunk)
	maxWrites := s.opts.FileSizeLimitKB*1024/chunk*2 + 64
	prefix, err := s.slotKey("redistest:fill:")
	if err != nil {
		tb.Fatalf("redistest: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	refused := false
	for i := 0; i < maxWrites && !refused; i++ {
		err := s.admin.Set(ctx, prefix+strconv.Itoa(i), value, 0).Err()
		switch {
		case err == nil:
		case strings.HasPrefix(err.Error(), "MISCONF"):
			refused = true
		default:
			tb.Fatalf("redistest: %s: filling the AOF: %v", s.Addr, err)
		}
	}
	// With appendfsync everysec a write can be postponed behind a running
	// fsync, so the error may surface a moment after the last SET.
	s.waitInfo(tb, "aof_last_write_status:err", func(m map[string]string) bool {
		return m["aof_last_write_status"] == "err"
	})
}

// DisableAOF runs CONFIG SET appendonly no and waits for aof_enabled:0.
func (s *Server) DisableAOF(tb testing.TB) {
	tb.Helper()
	s.do(tb, "CONFIG", "SET", "appendonly", "no")
	s.waitInfo(tb, "aof_enabled:0", func(m map[string]string) bool { return m["aof_enabled"] == "0" })
}

// EnableAOF runs CONFIG SET appendonly yes and waits for aof_enabled:1 and
// the initial rewrite Redis starts for it to finish.
func (s *Server) EnableAOF(tb testing.TB) {
	tb.Helper()
	s.do(tb, "CONFIG", "SET", "appendonly", "yes")
	s.waitInfo(tb, "aof_enabled:1 and its initial rewrite done", func(m map[string]string) bool {
		return m["aof_enabled"] == "1" && rewriteIdle(m)
	})
}

// Freeze stops the server with SIGSTOP. The kernel still completes TCP
// handshakes into the listen backlog, so clients connect but never get an
// answer: a server slower than any timeout. Thaw or cleanup ends it.
func (s *Server) Freeze(tb testing.TB) {
	tb.Helper()
	s.signalAndWait(tb, syscall.SIGSTOP, func(st byte) bool { return st == 'T' || st == 't' })
}

// Thaw resumes a frozen server (SIGCONT).
func (s *Server) Thaw(tb testing.TB) {
	tb.Helper()
	s.signalAndWait(tb, syscall.SIGCONT, func(st byte) bool { return st != 'T' && st != 't' })
}

func (s *Server) signalAndWait(tb testing.TB, sig syscall.Signal, reached func(state byte) bool) {
	tb.Helper()
	if err := syscall.Kill(s.Pid, sig); err != nil {
		tb.Fatalf("redistest: %v to redis-server %d: %v", sig, s.Pid, err)
	}
	deadline := time.Now().Add(waitTimeout)
	for {
		pi, err := procStat(s.Pid)
		if err != nil {
			tb.Fatalf("redistest: reading state of redis-server %d: %v", s.Pid, err)
		}
		if reached(pi.state) {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("redistest: redis-server %d still in state %c %v after %v", s.Pid, pi.state, waitTimeout, sig)
		}
		time.Sleep(pollInterval)
	}
}

// loadingKeys and loadingValue make a dataset whose load can be slowed per key and whose
// progress moves in small steps: 5,000 keys of 256 bytes, ~1.3 MB in memory.
const (
	loadingKeys  = 5000
	loadingValue = 256
	// holdLoadUS is the key-load-delay (microseconds per key, a hidden setting) that keeps a
	// load running far longer than a test needs: 50 s for the whole dataset. A loading server
	// serves clients only between keys, every loading-process-events-interval-bytes, so a
	// longer delay per key would make every answer slow.
	holdLoadUS = 10_000
)

// HoldLoading restarts the server into a load that stays running (loading:1), the way a large
// node replays its AOF after a restart: it writes a dataset, rewrites the AOF so every key is on
// disk, stops the server and relaunches it with key-load-delay, and with
// loading-process-events-interval-bytes 1024 so that it answers INFO while loading. It returns
// the relaunched server, which replaces s, once INFO shows loading:1. ReleaseLoading ends the
// load.
func (s *Server) HoldLoading(tb testing.TB) *Server {
	tb.Helper()
	if s.opts.AOFOff {
		tb.Fatalf("redistest: HoldLoading needs AOF on")
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	prefix, err := s.slotKey("redistest:load:")
	if err != nil {
		tb.Fatalf("redistest: %v", err)
	}
	value := strings.Repeat("v", loadingValue)
	pipe := s.admin.Pipeline()
	for i := range loadingKeys {
		pipe.Set(ctx, prefix+strconv.Itoa(i), value, 0)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		tb.Fatalf("redistest: %s: writing the dataset to load: %v", s.Addr, err)
	}
	s.RewriteOK(tb)
	s.Stop(tb)
	again := s.Relaunch(tb, "--key-load-delay", strconv.Itoa(holdLoadUS), "--loading-process-events-interval-bytes", "1024")
	again.waitInfo(tb, "loading:1 after the restart", func(m map[string]string) bool { return m["loading"] == "1" })
	return again
}

// ReleaseLoading lets a load held by HoldLoading run at full speed and waits until it is done.
func (s *Server) ReleaseLoading(tb testing.TB) {
	tb.Helper()
	s.do(tb, "CONFIG", "SET", "key-load-delay", "0")
	s.waitInfo(tb, "loading:0 after releasing the load", func(m map[string]string) bool { return m["loading"] == "0" })
}
