package state

// Signals are the card's numeric forms for alert rules. A nil value is sent as null: Grafana's
// reduce turns it into NaN, and no threshold comparison with NaN is true, so a node with AOF off
// (or one that cannot be read) can never fire a rewrite or write alert. NodeUp is never nil.
type Signals struct {
	NodeUp              float64
	AOFEnabled          *float64
	RewriteOK           *float64
	WriteOK             *float64
	ConsecutiveFailures *float64
	GrowthOverTrigger   *float64
}

// SignalsOf encodes a card.
func SignalsOf(card Card) Signals {
	signals := Signals{NodeUp: 1}
	switch card.Status {
	case StatusUnreachable:
		signals.NodeUp = 0
		return signals
	case StatusRestricted:
		return signals
	case StatusNotApplicable:
		signals.AOFEnabled = number(0)
		return signals
	}
	signals.AOFEnabled = number(1)
	signals.RewriteOK = flag(card.Status == StatusOK)
	if card.WriteStatus != nil {
		signals.WriteOK = flag(*card.WriteStatus == "ok")
	}
	if card.ConsecutiveFailures != nil {
		signals.ConsecutiveFailures = number(float64(*card.ConsecutiveFailures))
	}
	signals.GrowthOverTrigger = card.GrowthOverTrigger
	return signals
}

func number(value float64) *float64 { return &value }

func flag(set bool) *float64 {
	if set {
		return number(1)
	}
	return number(0)
}
