package state

// Signals are the card's numeric forms for alert rules. A nil value is sent as null and means
// "cannot be judged" (AOF off, node unreadable, counter not reported), never 0 or 1. Grafana counts
// NaN as firing, so rules must map null to the healthy value (reduce mode replaceNN, as the
// provisioned rules do) or to NoData; NodeUp is never nil, so reachability has its own signal.
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
	case StatusRestricted, StatusLoading: // loading: AOF state unknown until the load ends
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
