//go:build realredis

package fleet

import (
	"context"
	"fmt"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"sort"
	"strings"
	"time"

	"github.com/persistwatch/redis-persistence-datasource/internal/redistest"
	"github.com/persistwatch/redis-persistence-datasource/internal/respfarm"
)

// The farm mode's recording: what a real redis-server answered to the very requests the
// contenders send, replayed byte for byte by the farm processes (farm_test.go).

// record drives the plugin (one node, a few card queries) and the bare poller through a
// recording proxy in front of a real redis-server with AOF on, and saves every request and reply
// to path. It checks the card said "ok", so that the farm replays a healthy node, and returns a
// line saying what was recorded.
func record(pluginBinary, path string, server *redistest.Server, concurrency int) (string, error) {
	recorder, err := respfarm.StartRecorder(server.Addr)
	if err != nil {
		return "", err
	}
	defer recorder.Close()
	one := &fleet{addrs: []string{recorder.Addr}}
	zero := 0
	jsonData, err := pluginJSONData(one, concurrency, &zero)
	if err != nil {
		return "", err
	}
	plugin, err := newPluginPoller(pluginBinary, one, jsonData, 1)
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for range 3 { // the first read pipelines INFO with CONFIG GET, the later ones send INFO alone
		response, err := plugin.host.Query(ctx, plugin.context, "card", `{}`)
		if err == nil && response.Error != nil {
			err = response.Error
		}
		if err == nil {
			err = cardIsOK(response.Frames)
		}
		if err != nil {
			plugin.close()
			return "", fmt.Errorf("recording the plugin's card query: %w", err)
		}
	}
	plugin.close()
	bare := newBarePoller(one, 1)
	for range 2 {
		if err := bare.poll(ctx); err != nil {
			bare.close()
			return "", fmt.Errorf("recording the bare poller: %w", err)
		}
	}
	bare.close()
	pairs, err := recorder.Pairs()
	if err != nil {
		return "", err
	}
	if err := respfarm.Save(path, pairs); err != nil {
		return "", err
	}
	names := map[string]int{}
	var infoBytes int
	for _, p := range pairs {
		name := respfarm.CommandName(p.Request)
		names[name]++
		if name == "INFO" {
			infoBytes = len(p.Reply)
		}
	}
	var parts []string
	for name, count := range names {
		parts = append(parts, fmt.Sprintf("%s ×%d", name, count))
	}
	sort.Strings(parts)
	return fmt.Sprintf("recorded %d request/reply pairs (%s) from %s with AOF on, card status ok; INFO reply %d bytes",
		len(pairs), strings.Join(parts, ", "), redisVersion(), infoBytes), nil
}

// cardIsOK wants one card frame with one row whose status is ok.
func cardIsOK(frames data.Frames) error {
	if len(frames) != 1 {
		return fmt.Errorf("the card query answered %d frames, want 1", len(frames))
	}
	field, _ := frames[0].FieldByName("status")
	if field == nil || field.Len() != 1 {
		return fmt.Errorf("the card frame has no status field of one row")
	}
	if status, _ := field.At(0).(string); status != "ok" {
		return fmt.Errorf("the recorded node's card status is %q, want ok", status)
	}
	return nil
}
