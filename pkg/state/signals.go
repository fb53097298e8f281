package state

// Signals are the card's numeric forms for alert rules and recording rules.
//
// The evidence signals (RewriteFailing, RewriteStuck, WriteFailing) are never null: 1 means the
// node reported the condition, 0 means it did not, including every node that cannot be judged
// (AOF off, restricted, unreachable). A plain "> 0" threshold is therefore right on every Grafana
// version, whatever its reduce step does with null or NaN, and a node that cannot be judged never
// fires. NodeUp is never null either: 0 is evidence that the node did not answer.
//
// The measurement signals (AOFEnabled, RewriteOK, WriteOK, ConsecutiveFailures,
// GrowthOverTrigger, CurrentSize, BaseSize) are nil, sent as null, when the node cannot be judged for them: they are for
// panels and history, where "no value" must not read as 0 or 1.
type Signals struct {
	NodeUp         float64
	RewriteFailing float64
	RewriteStuck   float64
	WriteFailing   float64

	AOFEnabled          *float64
	RewriteOK           *float64
	WriteOK             *float64
	ConsecutiveFailures *float64
	GrowthOverTrigger   *float64
	CurrentSize         *float64
	BaseSize            *float64
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
	failing := card.Status == StatusErr
	writeFailing := card.WriteStatus != nil && *card.WriteStatus == "err"
	signals.RewriteFailing = *flag(failing)
	signals.RewriteStuck = *flag(failing && card.Stuck)
	signals.WriteFailing = *flag(writeFailing)

	signals.AOFEnabled = number(1)
	signals.RewriteOK = flag(!failing)
	if card.WriteStatus != nil {
		signals.WriteOK = flag(!writeFailing)
	}
	if card.ConsecutiveFailures != nil {
		signals.ConsecutiveFailures = number(float64(*card.ConsecutiveFailures))
	}
	signals.GrowthOverTrigger = card.GrowthOverTrigger
	signals.CurrentSize = size(card.CurrentSize)
	signals.BaseSize = size(card.BaseSize)
	return signals
}

func number(value float64) *float64 { return &value }

func flag(set bool) *float64 {
	if set {
		return number(1)
	}
	return number(0)
}

func size(bytes *int64) *float64 {
	if bytes == nil {
		return nil
	}
	return number(float64(*bytes))
}
