package flight

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func sameQuestion(have, want string) bool { return have == want }

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
func inTheAir(g *Group[string, int], question string, answer int) (release chan struct{}, done chan int) {
	release, done, started := make(chan struct{}), make(chan int, 1), make(chan struct{})
	go func() {
		got, _ := g.Do(context.Background(), question, 0, func(context.Context) int {
			close(started)
			<-release
			return answer
		})
		done <- got
	}()
	<-started
	return release, done
}

func TestAQuestionAskedWhileOneIsInTheAirWaitsForItsAnswer(t *testing.T) {
	g := NewGroup[string, int](sameQuestion)
	release, leader := inTheAir(g, "q", 7)
	var flown atomic.Int32
	var waiters sync.WaitGroup
	answers := make(chan int, 5)
	for range 5 {
		waiters.Add(1)
		go func() {
			defer waiters.Done()
			got, err := g.Do(context.Background(), "q", 0, func(context.Context) int { flown.Add(1); return 0 })
			if err != nil {
				t.Error(err)
			}
			answers <- got
		}()
	}
	time.Sleep(20 * time.Millisecond) // let the waiters join the flight in the air
	close(release)
	waiters.Wait()
	close(answers)
	if got := <-leader; got != 7 {
		t.Fatalf("leader got %d, want 7", got)
	}
	for got := range answers {
		if got != 7 {
			t.Fatalf("a waiter got %d, want the leader's 7", got)
		}
	}
	if flown.Load() != 0 {
		t.Fatalf("%d waiters did the work themselves; they must share the flight in the air", flown.Load())
	}
}

func TestAnAnswerIsSharedOnlyWithinTheWindow(t *testing.T) {
	g := NewGroup[string, int](sameQuestion)
	work := func(answer int) func(context.Context) int { return func(context.Context) int { return answer } }
	if got, _ := g.Do(context.Background(), "q", time.Hour, work(1)); got != 1 {
		t.Fatalf("first answer %d", got)
	}
	if got, _ := g.Do(context.Background(), "q", time.Hour, work(2)); got != 1 {
		t.Fatalf("within the window the landed answer must be shared; got %d", got)
	}
	g.flights[0].landed = time.Now().Add(-2 * time.Hour)
	if got, _ := g.Do(context.Background(), "q", time.Hour, work(3)); got != 3 {
		t.Fatalf("past the window the question must be answered again; got %d", got)
	}
	if len(g.flights) != 1 {
		t.Fatalf("expired flights must be dropped, %d kept", len(g.flights))
	}
	if got, _ := g.Do(context.Background(), "z", 0, work(4)); got != 4 {
		t.Fatalf("got %d, want 4", got)
	}
	for _, f := range g.flights {
		if f.question == "z" {
			t.Fatal("an answer flown with a zero window must not be kept once landed")
		}
	}
}

func TestAWiderAnswerServesANarrowerQuestionButNotTheOtherWayRound(t *testing.T) {
	g := NewGroup[string, int](subset)
	g.Do(context.Background(), "ab", time.Hour, func(context.Context) int { return 1 })
	if got, _ := g.Do(context.Background(), "a", time.Hour, func(context.Context) int { return 2 }); got != 1 {
		t.Fatalf("the answer to ab must serve a; got %d", got)
	}
	if got, _ := g.Do(context.Background(), "abc", time.Hour, func(context.Context) int { return 3 }); got != 3 {
		t.Fatalf("the answer to ab lacks c; it must not serve abc: got %d", got)
	}
}

func TestAnAnswerMadeAfterTheLeaderLeftIsTheLeadersAlone(t *testing.T) {
	g := NewGroup[string, int](sameQuestion)
	leaderCtx, leave := context.WithCancel(context.Background())
	started, release, leaderDone := make(chan struct{}), make(chan struct{}), make(chan int, 1)
	go func() {
		got, _ := g.Do(leaderCtx, "q", time.Hour, func(context.Context) int {
			close(started)
			<-release
			return -1 // what a read cut short by its caller's cancellation answers
		})
		leaderDone <- got
	}()
	<-started
	waiter := make(chan int, 1)
	go func() {
		got, _ := g.Do(context.Background(), "q", time.Hour, func(context.Context) int { return 5 })
		waiter <- got
	}()
	time.Sleep(20 * time.Millisecond)
	leave()
	close(release)
	if got := <-leaderDone; got != -1 {
		t.Fatalf("the leader gets its own answer, got %d", got)
	}
	if got := <-waiter; got != 5 {
		t.Fatalf("a waiter must ask again rather than share a cut-short answer; got %d", got)
	}
	if got, _ := g.Do(context.Background(), "q", time.Hour, func(context.Context) int { return 6 }); got != 5 {
		t.Fatalf("later questions get the waiter's answer within the window, never the cut-short one; got %d", got)
	}
}

func TestAWaiterWhoseContextEndsGetsItsOwnError(t *testing.T) {
	g := NewGroup[string, int](sameQuestion)
	release, _ := inTheAir(g, "q", 1)
	defer close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, err := g.Do(ctx, "q", 0, func(context.Context) int { return 2 }); err != context.DeadlineExceeded {
		t.Fatalf("err %v, want the waiter's deadline", err)
	}
}

func TestWorkThatPanicsReleasesThoseWaiting(t *testing.T) {
	g := NewGroup[string, int](sameQuestion)
	started, release := make(chan struct{}), make(chan struct{})
	go func() {
		defer func() { _ = recover() }()
		g.Do(context.Background(), "q", time.Hour, func(context.Context) int {
			close(started)
			<-release
			panic("boom")
		})
	}()
	<-started
	waiter := make(chan int, 1)
	go func() {
		got, _ := g.Do(context.Background(), "q", time.Hour, func(context.Context) int { return 9 })
		waiter <- got
	}()
	time.Sleep(20 * time.Millisecond)
	close(release)
	select {
	case got := <-waiter:
		if got != 9 {
			t.Fatalf("the waiter must do the work itself after a panic; got %d", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a flight whose work panicked was never landed")
	}
}
