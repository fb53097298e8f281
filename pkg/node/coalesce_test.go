package node

import "testing"

func TestAWiderReadAnswersANarrowerOneButNotTheOtherWayRound(t *testing.T) {
	card := Request{Sections: []string{"persistence", "replication"}, RewriteTrigger: true}
	raw := Request{Sections: []string{"persistence"}}
	if !card.covers(raw) {
		t.Error("the card read (persistence, replication, trigger) must answer a raw read (persistence)")
	}
	if raw.covers(card) {
		t.Error("a raw read lacks replication and the trigger: it must not answer a card read")
	}
	if withoutTrigger := (Request{Sections: card.Sections}); withoutTrigger.covers(card) {
		t.Error("a read without the trigger must not answer one that wants it")
	}
}
