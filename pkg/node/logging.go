package node

import (
	"context"
	"fmt"

	"github.com/grafana/grafana-plugin-sdk-go/backend/log"
	"github.com/redis/go-redis/v9"
)

// go-redis prints dial failures to stderr, which Grafana files as plugin errors; this package
// reports them as classified node errors instead, so go-redis's own lines go to debug.
func init() { redis.SetLogger(debugLogger{}) }

type debugLogger struct{}

func (debugLogger) Printf(_ context.Context, format string, args ...any) {
	log.DefaultLogger.Debug("go-redis", "message", fmt.Sprintf(format, args...))
}
