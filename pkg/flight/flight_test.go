package flight

import (
	"context"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"time"
)

func whole(answer int) func(context.Context) (int, bool) {
	return func(context.Context) (int, bool) { return answer, true }
}

func oneBucket(string) string { return "" }

// joins counts the waiters that found a flight in the air, so that tests wait for them, not for
// a while.
type joins struct{ n atomic.Int32 }

// same compares questions, counting a join when one is found in the air.
func (j *joins) same(have, want string) bool {
	if have == want {
		j.n.Add(1)
		return true
	}
	return false
}

func (j *joins) waitFor(t *testing.T, n int32) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for j.n.Load() < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d callers joined the flight in the air", j.n.Load(), n)
		}
		runtime.Gosched()
	}
}

// subset stands for a wider read answering a narrower one: "ab" covers "a" but not "abc".
func subset(have, want string) bool {
	for _, r := range want {
		if !slices.Contains([]rune(have), r) {
			return false
		}
	}
	return true
}

// inTheAir starts a leader whose work blocks until release is closed, and returns once it flies.
func inTheAir(g *Group[string, int], question string, answer int, whole bool) (release chan struct{}, done chan int) {
	release, done, started := make(chan struct{}), make(chan int, 1), make(chan struct{})
	go func() {
		got, _ := g.Do(context.Background(), question, time.Hour, func(context.Context) (int, bool) {
			close(started)
			<-release
			return answer, whole
		})
		done <- got
	}()
	<-started
	return release, done
}

// waiters start n callers of question and return their answers' channel.
func waiters(g *Group[string, int], question string, n int, work func(context.Context) (int, bool)) chan int {
	answers := make(chan int, n)
	for range n {
		go func() {
			got, _ := g.Do(context.Background(), question, time.Hour, work)
			answers <- got
		}()
	}
	return answers
}

func TestAQuestionAskedWhileOneIsInTheAirWaitsForItsAnswer(t *testing.T) {
	var j joins
	g := NewGroup[string, int](oneBucket, j.same, 0)
	release, leader := inTheAir(g, "q", 7, true)
	var flown atomic.Int32
	answers := waiters(g, "q", 5, func(context.Context) (int, bool) { flown.Add(1); return 0, true })
	j.waitFor(t, 5)
	close(release)
	if got := <-leader; got != 7 {
		t.Fatalf("leader got %d, want 7", got)
	}
	for range 5 {
		if got := <-answers; got != 7 {
			t.Fatalf("a waiter got %d, want the leader's 7", got)
		}
	}
	if flown.Load() != 0 {
		t.Fatalf("%d waiters did the work themselves; they must share the flight in the air", flown.Load())
	}
}

func TestAnAnswerIsKeptForTheGroupsTimeAndSharedWithinTheCallersWindow(t *testing.T) {
	g := NewGroup[string, int](oneBucket, func(have, want string) bool { return have == want }, time.Hour)
	if got, _ := g.Do(context.Background(), "q", time.Hour, whole(1)); got != 1 {
		t.Fatalf("first answer %d", got)
	}
	if got, _ := g.Do(context.Background(), "q", time.Hour, whole(2)); got != 1 {
		t.Fatalf("within the window the landed answer must be shared; got %d", got)
	}
	if got, _ := g.Do(context.Background(), "q", 0, whole(3)); got != 3 {
		t.Fatalf("a caller with a zero window must get an answer of its own; got %d", got)
	}
	if got, _ := g.Do(context.Background(), "q", time.Hour, whole(4)); got != 3 {
		t.Fatalf("the zero-window caller's answer serves later callers within their window; got %d", got)
	}
	g.flights[""][0].landed = time.Now().Add(-2 * time.Hour)
	if got, _ := g.Do(context.Background(), "q", time.Hour, whole(5)); got != 5 {
		t.Fatalf("past the window the question must be answered again; got %d", got)
	}
	if n := len(g.flights[""]); n != 1 {
		t.Fatalf("expired flights must be dropped, %d kept", n)
	}
}

func TestAGroupThatKeepsNothingLetsEachAnswerGoWhenItLands(t *testing.T) {
	g := NewGroup[string, int](func(q string) string { return q }, func(have, want string) bool { return have == want }, 0)
	g.Do(context.Background(), "q", time.Hour, whole(1))
	if got, _ := g.Do(context.Background(), "q", time.Hour, whole(2)); got != 2 || len(g.flights) != 0 {
		t.Fatalf("got %d with %d buckets left; a group that keeps nothing shares only flights in the air", got, len(g.flights))
	}
}

func TestAWiderAnswerServesANarrowerQuestionButNotTheOtherWayRound(t *testing.T) {
	g := NewGroup[string, int](oneBucket, subset, time.Hour)
	g.Do(context.Background(), "ab", time.Hour, whole(1))
	if got, _ := g.Do(context.Background(), "a", time.Hour, whole(2)); got != 1 {
		t.Fatalf("the answer to ab must serve a; got %d", got)
	}
	if got, _ := g.Do(context.Background(), "abc", time.Hour, whole(3)); got != 3 {
		t.Fatalf("the answer to ab lacks c; it must not serve abc: got %d", got)
	}
}

func TestAnAnswerCutShortIsTheLeadersAlone(t *testing.T) {
	var j joins
	g := NewGroup[string, int](oneBucket, j.same, time.Hour)
	release, leader := inTheAir(g, "q", -1, false) // e.g. a read its caller's deadline ended
	waiter := waiters(g, "q", 1, whole(5))
	j.waitFor(t, 1)
	close(release)
	if got := <-leader; got != -1 {
		t.Fatalf("the leader gets its own answer, got %d", got)
	}
	if got := <-waiter; got != 5 {
		t.Fatalf("a waiter must ask again rather than share a cut-short answer; got %d", got)
	}
	if got, _ := g.Do(context.Background(), "q", time.Hour, whole(6)); got != 5 {
		t.Fatalf("later questions get the waiter's answer within the window, never the cut-short one; got %d", got)
	}
}

func TestAWaiterWhoseContextEndsGetsItsOwnError(t *testing.T) {
	g := NewGroup[string, int](oneBucket, func(have, want string) bool { return have == want }, 0)
	release, _ := inTheAir(g, "q", 1, true)
	defer close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, err := g.Do(ctx, "q", 0, whole(2)); err != context.DeadlineExceeded {
		t.Fatalf("err %v, want the waiter's deadline", err)
	}
	cancelled, stop := context.WithCancel(context.Background())
	stop()
	flew := false
	if _, err := g.Do(cancelled, "other", 0, func(context.Context) (int, bool) { flew = true; return 3, true }); err != context.Canceled || flew {
		t.Fatalf("a caller already gone must not fly: err %v, flew %v", err, flew)
	}
}

func TestWorkThatPanicsReleasesThoseWaiting(t *testing.T) {
	var j joins
	g := NewGroup[string, int](oneBucket, j.same, time.Hour)
	started, release := make(chan struct{}), make(chan struct{})
	go func() {
		defer func() { _ = recover() }()
		g.Do(context.Background(), "q", time.Hour, func(context.Context) (int, bool) {
			close(started)
			<-release
			panic("boom")
		})
	}()
	<-started
	waiter := waiters(g, "q", 1, whole(9))
	j.waitFor(t, 1)
	close(release)
	select {
	case got := <-waiter:
		if got != 9 {
			t.Fatalf("the waiter must do the work itself after a panic; got %d", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a flight whose work panicked was never landed")
	}
}

func TestNoAnswerIsKeptLongerThanTheGroupKeeps(t *testing.T) {
	g := NewGroup[string, int](oneBucket, func(have, want string) bool { return have == want }, time.Minute)
	g.Do(context.Background(), "q", time.Hour, whole(1))
	g.flights[""][0].landed = time.Now().Add(-2 * time.Minute)
	if got, _ := g.Do(context.Background(), "q", time.Hour, whole(2)); got != 2 {
		t.Fatalf("an answer older than the group keeps was shared with a caller whose window is longer; got %d", got)
	}
}
