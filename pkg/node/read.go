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

// roundTrip sends INFO, and CONFIG GET when the cached trigger is due, in one pipeline: one
// network round trip.
func (c *client) roundTrip(ctx context.Context, request Request) (string, nodeConfig, error) {
	trigger, due := c.cachedTrigger(request.RewriteTrigger)
	var infoCmd *redis.StringCmd
	var configCmd configCmds
	_, pipeErr := c.redis().Pipelined(ctx, func(pipe redis.Pipeliner) error {
		if c.legacyInfo.Load() {
			infoCmd = pipe.Info(ctx)
		} else {
			infoCmd = pipe.Info(ctx, request.Sections...)
		}
		if due {
			configCmd = queueConfigGets(ctx, pipe)
		}
		return nil
	})
	if due {
		trigger = c.learnTrigger(configCmd)
	}
	if err := infoCmd.Err(); err != nil {
		return "", nodeConfig{}, err
	}
	// A failed connection set-up (AUTH, TLS) can leave the commands without an error of their
	// own; then the pipeline's error is the node's, unless it is just CONFIG being refused.
	if pipeErr != nil && infoCmd.Val() == "" && (configCmd == nil || configCmd.Err() == nil) {
		return "", nodeConfig{}, pipeErr
	}
	return infoCmd.Val(), trigger, nil
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
