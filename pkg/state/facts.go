// Package state judges what a node answered. It is pure: readings in, cards out.
package state

import (
	"github.com/persistwatch/redis-persistence-datasource/pkg/info"
	"github.com/persistwatch/redis-persistence-datasource/pkg/node"
)

// facts are the INFO fields the card reads, typed, with absent kept as nil.
type facts struct {
	aofEnabled          *int64
	rewriteStatus       *string
	rewriteInProgress   *int64
	rewriteScheduled    *int64
	currentRewriteSec   *int64
	consecutiveFailures *int64
	writeStatus         *string
	currentSize         *int64
	baseSize            *int64
	lastCowSize         *int64
	lastRewriteSec      *int64
	role                *string
	trigger             node.RewriteTrigger
}

func factsOf(reading node.Reading) facts {
	in := reading.Info
	return facts{
		aofEnabled:          intField(in, "aof_enabled"),
		rewriteStatus:       stringField(in, "aof_last_bgrewrite_status"),
		rewriteInProgress:   intField(in, "aof_rewrite_in_progress"),
		rewriteScheduled:    intField(in, "aof_rewrite_scheduled"),
		currentRewriteSec:   seconds(in, "aof_current_rewrite_time_sec"),
		consecutiveFailures: intField(in, "aof_rewrites_consecutive_failures"),
		writeStatus:         stringField(in, "aof_last_write_status"),
		currentSize:         intField(in, "aof_current_size"),
		baseSize:            intField(in, "aof_base_size"),
		lastCowSize:         intField(in, "aof_last_cow_size"),
		lastRewriteSec:      seconds(in, "aof_last_rewrite_time_sec"),
		role:                stringField(in, "role"),
		trigger:             reading.Trigger,
	}
}

func intField(in info.Info, key string) *int64 {
	if value, ok := in.Int(key); ok {
		return &value
	}
	return nil
}

func stringField(in info.Info, key string) *string {
	if value, ok := in.String(key); ok {
		return &value
	}
	return nil
}

// seconds reads a *_time_sec field, where -1 means "none".
func seconds(in info.Info, key string) *int64 {
	if value := intField(in, key); value != nil && *value >= 0 {
		return value
	}
	return nil
}

// withContext fills everything but the status and reason.
func withContext(f facts) Card {
	card := Card{
		RewriteInProgress:   isOne(f.rewriteInProgress),
		RewriteScheduled:    isOne(f.rewriteScheduled),
		ConsecutiveFailures: f.consecutiveFailures,
		Stuck:               f.consecutiveFailures != nil && *f.consecutiveFailures >= StuckAfter,
		WriteStatus:         f.writeStatus,
		CurrentSize:         f.currentSize,
		BaseSize:            f.baseSize,
		LastCowSize:         f.lastCowSize,
		LastRewriteSec:      f.lastRewriteSec,
		Role:                roleName(f.role),
	}
	if f.aofEnabled != nil {
		enabled := *f.aofEnabled == 1
		card.AOFEnabled = &enabled
	}
	if card.RewriteInProgress {
		card.RewriteRunningSec = f.currentRewriteSec
	}
	if f.currentSize != nil && f.baseSize != nil && *f.baseSize > 0 {
		growth := float64(*f.currentSize-*f.baseSize) * 100 / float64(*f.baseSize)
		card.GrowthPercent = &growth
	}
	if f.trigger.Known {
		card.TriggerPercent = &f.trigger.Percent
		card.GrowthOverTrigger = growthOverTrigger(card.GrowthPercent, f.currentSize, f.trigger)
	}
	return card
}

func isOne(value *int64) bool { return value != nil && *value == 1 }

func roleName(role *string) string {
	switch {
	case role == nil:
		return ""
	case *role == "master":
		return "primary"
	case *role == "slave":
		return "replica"
	}
	return *role
}
