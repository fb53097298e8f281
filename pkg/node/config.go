package node

import (
	"context"
	"errors"
	"maps"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/persistwatch/redis-persistence-datasource/pkg/nodeinfo"
)

// nodeConfig is what one cached CONFIG round trip answered.
type nodeConfig struct {
	trigger     nodeinfo.RewriteTrigger
	persistence nodeinfo.PersistenceConfig
}

// triggerTTL bounds how old the rewrite trigger shown beside a card can be.
const triggerTTL = time.Minute

// configPatterns are the CONFIG GET commands of a round trip, one pattern each: Redis before 7.0
// takes only one pattern per CONFIG GET.
var configPatterns = []string{"auto-aof-rewrite-*", "save", "appendfsync"}

// configCmds are the queued CONFIG GET commands, in configPatterns order.
type configCmds []*redis.MapStringStringCmd

func queueConfigGets(ctx context.Context, pipe redis.Pipeliner) configCmds {
	cmds := make(configCmds, len(configPatterns))
	for i, pattern := range configPatterns {
		cmds[i] = pipe.ConfigGet(ctx, pattern)
	}
	return cmds
}

// Err is the first command's error.
func (cmds configCmds) Err() error {
	for _, cmd := range cmds {
		if err := cmd.Err(); err != nil {
			return err
		}
	}
	return nil
}

// cachedTrigger returns the cached configuration and whether it must be read again.
func (c *client) cachedTrigger(wanted bool) (nodeConfig, bool) {
	if !wanted {
		return nodeConfig{}, false
	}
	c.triggerMu.Lock()
	defer c.triggerMu.Unlock()
	return c.trigger, c.triggerRead.IsZero() || time.Since(c.triggerRead) >= triggerTTL
}

// learnTrigger caches what CONFIG GET answered: the values, or that the server refuses CONFIG.
// A reply lost to a timeout or a dropped connection is not cached, so the next poll asks again.
func (c *client) learnTrigger(cmds configCmds) nodeConfig {
	config := parseConfig(cmds)
	for _, cmd := range cmds {
		if err := cmd.Err(); err != nil && !isRefusal(err) {
			return config // a timeout, a dropped connection or a passing -BUSY: ask again next poll
		}
	}
	c.triggerMu.Lock()
	defer c.triggerMu.Unlock()
	c.trigger, c.triggerRead = config, time.Now()
	return config
}

// isRefusal says whether a CONFIG GET error is the server refusing CONFIG for good (ACL, a
// renamed command, a managed service), which is worth remembering for a minute, as opposed to a
// passing error reply such as -BUSY or -LOADING.
func isRefusal(err error) bool {
	var reply redis.Error
	return errors.As(err, &reply) && classifyReply(reply.Error()) == nodeinfo.KindInfoRefused
}

// parseConfig reads the CONFIG GET replies. A refused CONFIG (managed services, ACL) only means
// the values are unknown; it is not a node failure.
func parseConfig(cmds configCmds) nodeConfig {
	values := map[string]string{}
	for _, cmd := range cmds {
		if cmd.Err() == nil {
			maps.Copy(values, cmd.Val())
		}
	}
	config := nodeConfig{trigger: parseTrigger(values)}
	config.persistence.ConfigRefused = isRefusal(cmds.Err())
	if save, ok := values["save"]; ok {
		config.persistence.Save = &save
	}
	if fsync, ok := values["appendfsync"]; ok {
		config.persistence.AppendFsync = &fsync
	}
	return config
}

func parseTrigger(values map[string]string) nodeinfo.RewriteTrigger {
	percent, errPercent := strconv.ParseInt(values["auto-aof-rewrite-percentage"], 10, 64)
	minSize, errMin := strconv.ParseInt(values["auto-aof-rewrite-min-size"], 10, 64)
	if errPercent != nil || errMin != nil {
		return nodeinfo.RewriteTrigger{}
	}
	return nodeinfo.RewriteTrigger{Known: true, Percent: percent, MinSizeBytes: minSize}
}
