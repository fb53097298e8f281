package node

import (
	"testing"
	"time"
)

var (
	cardRead = Request{Sections: []string{"persistence", "replication"}, RewriteTrigger: true}
	rawRead  = Request{Sections: []string{"persistence"}}
)

func TestAReadInFlightIsShared(t *testing.T) {
	var flights coalescer
	first, lead := flights.join(cardRead, 0)
	if !lead {
		t.Fatal("the first read must fly")
	}
	second, lead := flights.join(cardRead, 0)
	if lead || second != first {
		t.Fatal("a read overlapping one in flight must wait for it, even with a zero window")
	}
	flights.land(first, false)
	select {
	case <-second.done:
	default:
		t.Fatal("landing must release the waiters")
	}
	if _, lead := flights.join(cardRead, 0); !lead {
		t.Fatal("with a zero window, a read after the answer must fly again")
	}
}

func TestAnAnswerIsSharedOnlyWithinTheWindow(t *testing.T) {
	var flights coalescer
	first, _ := flights.join(cardRead, time.Hour)
	flights.land(first, false)
	if shared, lead := flights.join(cardRead, time.Hour); lead || shared != first {
		t.Fatal("an answer within the window must be shared")
	}
	first.answered = time.Now().Add(-2 * time.Hour)
	if _, lead := flights.join(cardRead, time.Hour); !lead {
		t.Fatal("an answer older than the window must not be shared")
	}
	if len(flights.flights) != 1 {
		t.Fatalf("expired flights must be dropped, %d kept", len(flights.flights))
	}
}

func TestAWiderReadAnswersANarrowerOneButNotTheOtherWayRound(t *testing.T) {
	var flights coalescer
	card, _ := flights.join(cardRead, time.Hour)
	if raw, lead := flights.join(rawRead, time.Hour); lead || raw != card {
		t.Fatal("the card read (persistence, replication) must answer a raw read (persistence)")
	}
	var others coalescer
	raw, _ := others.join(rawRead, time.Hour)
	if wider, lead := others.join(cardRead, time.Hour); !lead || wider == raw {
		t.Fatal("a raw read lacks replication and the trigger: it must not answer a card read")
	}
}
