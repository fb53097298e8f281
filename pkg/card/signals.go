package card

// Signals are the card's numeric forms for alert rules and recording rules.
//
// The evidence signals (RewriteFailing, RewriteStuck, WriteFailing, RDBSaveFailing,
// RDBUnsavedAgeSec, RewriteOverdueRatio, DelayedFsyncIncrease) are never null: 1 (or the amount)
// means the node reported the condition, 0 means it did not, including every node that cannot be
// judged (AOF off for the AOF signals, restricted, unreachable, loading). A plain "> 0" threshold is therefore right on every Grafana
// version, whatever its reduce step does with null or NaN, and a node that cannot be judged never
// fires. NodeUp is never null either: 0 is evidence that the node did not answer.
//
// The measurement signals (AOFEnabled, RewriteOK, WriteOK, ConsecutiveFailures,
// GrowthOverTrigger, CurrentSize, BaseSize, RDBLastSaveAgeSec) are nil, sent as null, when the node cannot be judged for them: they are for
// panels and history, where "no value" must not read as 0 or 1.
type Signals struct {
	NodeUp         float64
	RewriteFailing float64
	RewriteStuck   float64
	WriteFailing   float64
	RDBSaveFailing float64
	// RDBUnsavedAgeSec is how long changes have waited for a snapshot: the age of the last
	// successful save on a node that takes snapshots and has unsaved changes, else 0.
	RDBUnsavedAgeSec float64
	// RewriteOverdueRatio is GrowthOverTrigger where it is known, else 0.
	RewriteOverdueRatio float64
	// DelayedFsyncIncrease is filled by the caller, which remembers aof_delayed_fsync over time.
	DelayedFsyncIncrease float64

	AOFEnabled          *float64
	RewriteOK           *float64
	WriteOK             *float64
	ConsecutiveFailures *float64
	GrowthOverTrigger   *float64
	CurrentSize         *float64
	BaseSize            *float64
	RDBLastSaveAgeSec   *float64
}

// SignalsOf encodes a card and the RDB siblings of the same reading.
func SignalsOf(card Card, rdb Siblings) Signals {
	signals := Signals{NodeUp: 1}
	switch card.Status {
	case StatusUnreachable:
		signals.NodeUp = 0
		return signals
	case StatusRestricted, StatusLoading: // loading: AOF state unknown until the load ends
		return signals
	}
	// RDB snapshots do not depend on AOF: they are judged on AOF-off nodes too.
	signals.RDBSaveFailing = *flag(rdb.RDBLastSaveStatus != nil && *rdb.RDBLastSaveStatus == "err")
	signals.RDBUnsavedAgeSec = float64(rdb.UnsavedAgeSec)
	if rdb.LastRDBSaveAgeSec != nil {
		signals.RDBLastSaveAgeSec = number(float64(*rdb.LastRDBSaveAgeSec))
	}
	if card.Status == StatusNotApplicable {
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
	if card.GrowthOverTrigger != nil {
		signals.RewriteOverdueRatio = *card.GrowthOverTrigger
	}
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
