package node

import (
	"context"
	"errors"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/persistwatch/redis-persistence-datasource/pkg/info"
	"github.com/persistwatch/redis-persistence-datasource/pkg/nodeinfo"
)

func (c *client) read(ctx context.Context, request Request) nodeinfo.Reading {
	text, config, err := c.roundTrip(ctx, request)
	if err != nil && !c.legacyInfo.Load() && isMultiSectionRejection(err) {
		c.legacyInfo.Store(true)
		text, config, err = c.roundTrip(ctx, request)
	}
	if err != nil {
		return nodeinfo.Reading{Err: Classify(err)}
	}
	return nodeinfo.Reading{Info: info.Parse(text), Trigger: config.trigger, Config: config.persistence}
}

// roundTrip sends INFO, with CONFIG GET in the same pipeline when the cached trigger is due: one
// network round trip either way.
func (c *client) roundTrip(ctx context.Context, request Request) (string, nodeConfig, error) {
	trigger, due := c.cachedTrigger(request.RewriteTrigger)
	if !due { // most polls: one command, without the pipeline's own allocations
		text, err := c.info(ctx, c.redis(), request).Result()
		return text, trigger, err
	}
	var infoCmd *redis.StringCmd
	var configCmd configCmds
	_, pipeErr := c.redis().Pipelined(ctx, func(pipe redis.Pipeliner) error {
		infoCmd = c.info(ctx, pipe, request)
		configCmd = queueConfigGets(ctx, pipe)
		return nil
	})
	trigger = c.learnTrigger(configCmd)
	if err := infoCmd.Err(); err != nil {
		return "", nodeConfig{}, err
	}
	// A failed connection set-up (AUTH, TLS) can leave the commands without an error of their
	// own; then the pipeline's error is the node's, unless it is just CONFIG being refused.
	if pipeErr != nil && infoCmd.Val() == "" && configCmd.Err() == nil {
		return "", nodeConfig{}, pipeErr
	}
	return infoCmd.Val(), trigger, nil
}

// info sends INFO, or queues it on a pipeline: the sections asked for, or all of the default ones
// for a server that takes one section at most.
func (c *client) info(ctx context.Context, to redis.Cmdable, request Request) *redis.StringCmd {
	if c.legacyInfo.Load() {
		return to.Info(ctx)
	}
	return to.Info(ctx, request.Sections...)
}

// isMultiSectionRejection recognises a pre-7.0 server's answer to `INFO a b`.
func isMultiSectionRejection(err error) bool {
	var reply redis.Error
	if !errors.As(err, &reply) {
		return false
	}
	text := strings.ToLower(reply.Error())
	return strings.Contains(text, "syntax error") || strings.Contains(text, "wrong number of arguments")
}
