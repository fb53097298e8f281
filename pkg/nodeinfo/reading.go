package nodeinfo

import "github.com/persistwatch/redis-persistence-datasource/pkg/info"

// Reading is what one node answered, or why it did not.
type Reading struct {
	Node Node
	Info info.Info
	// Trigger is the server's automatic rewrite trigger; Known is false when CONFIG is refused.
	Trigger RewriteTrigger
	// Config is the server's snapshot schedule and fsync policy, read with the trigger.
	Config PersistenceConfig
	Err    *Failure
}

// PersistenceConfig is Redis's save and appendfsync. A value is nil when CONFIG is refused or
// the server does not know the parameter; ConfigRefused says which.
type PersistenceConfig struct {
	ConfigRefused bool
	// Save is the RDB snapshot schedule; "" means the server takes no snapshots (save "").
	Save        *string
	AppendFsync *string
}

// RewriteTrigger is Redis's auto-aof-rewrite-percentage and auto-aof-rewrite-min-size.
type RewriteTrigger struct {
	Known        bool
	Percent      int64
	MinSizeBytes int64
}
