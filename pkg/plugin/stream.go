package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"time"
	"unicode/utf16"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/persistwatch/redis-persistence-datasource/pkg/frames"
	"github.com/persistwatch/redis-persistence-datasource/pkg/node"
	"github.com/persistwatch/redis-persistence-datasource/pkg/nodeinfo"
)

// Grafana Live: the AOF growth series, pushed to the browser.
//
// Channel: ds/<data source uid>/growth/<intervalMs>[/<nodesKey>]. Grafana runs one RunStream per
// channel, shared by every panel and user subscribed to it, and hands it the subscribe data of
// the subscription that started it. So the path names everything that changes what is streamed:
// the interval, and (as nodesKey, a hash) the node filter, whose names travel in the subscribe
// data as {"nodes": [...]} because a channel path is short and allows only [A-Za-z0-9_=./-].
// Subscribe checks that the data matches the key, so every subscriber of a channel asked for the
// same nodes. No node filter means every configured node, and no key.

// Bounds of the push interval. The browser offers presets within them and refuses others before
// subscribing (src/live.ts LIVE).
const (
	liveIntervalMin = time.Second
	liveIntervalMax = time.Minute
)

// liveRequest is the card's read, never answered from an earlier reading: each sample is a
// reading of its own (reads in flight are still shared, e.g. with a panel refreshing now).
var liveRequest = node.Request{Sections: cardRequest.Sections, RewriteTrigger: true, Fresh: true}

var growthPath = regexp.MustCompile(`^growth/([1-9][0-9]{0,5})(?:/([0-9a-f]{16}))?$`)

// growthChannel is a validated channel: which nodes RunStream reads and how often.
type growthChannel struct {
	interval time.Duration
	nodes    []string // the node filter; empty means every node
}

// liveData is the subscribe data: the node filter, with dashboard variables already applied.
type liveData struct {
	Nodes []string `json:"nodes"`
}

// growthChannelOf validates a channel path and its subscribe data against this instance. On
// failure the status says how Grafana should refuse a subscription: not found for a channel that
// cannot exist (path, interval, data), permission denied for a node filter that names a
// node this data source does not configure.
func (d *Datasource) growthChannelOf(ctx context.Context, path string, raw json.RawMessage) (growthChannel, node.Selection, backend.SubscribeStreamStatus, error) {
	notFound := func(err error) (growthChannel, node.Selection, backend.SubscribeStreamStatus, error) {
		return growthChannel{}, node.Selection{}, backend.SubscribeStreamStatusNotFound, err
	}
	match := growthPath.FindStringSubmatch(path)
	if match == nil {
		return notFound(fmt.Errorf("unknown channel path %q; this data source streams growth/<intervalMs>[/<nodesKey>]", nodeinfo.Clip(path)))
	}
	intervalMs, _ := strconv.ParseInt(match[1], 10, 64) // at most 6 digits: cannot fail
	interval := time.Duration(intervalMs) * time.Millisecond
	if floor := d.minLiveInterval(); interval < floor || interval > liveIntervalMax {
		return notFound(fmt.Errorf("push interval %d ms is outside %d..%d ms", intervalMs, floor.Milliseconds(), liveIntervalMax.Milliseconds()))
	}
	var subscribed liveData
	if len(raw) > 0 && string(raw) != "null" {
		if err := json.Unmarshal(raw, &subscribed); err != nil {
			return notFound(fmt.Errorf("the subscribe data is not {\"nodes\": [...]}: %s", nodeinfo.Clip(err.Error())))
		}
	}
	if want := nodesKey(subscribed.Nodes); match[2] != want {
		return notFound(fmt.Errorf("the channel path's node key %q does not match the node filter %s (key %q)", match[2], nodeinfo.Clip(fmt.Sprintf("%q", subscribed.Nodes)), want))
	}
	selection, err := d.nodes.Select(ctx, subscribed.Nodes)
	if err != nil {
		return growthChannel{}, node.Selection{}, backend.SubscribeStreamStatusPermissionDenied, err
	}
	return growthChannel{interval: interval, nodes: subscribed.Nodes}, selection, backend.SubscribeStreamStatusOK, nil
}

func (d *Datasource) minLiveInterval() time.Duration {
	if d.liveIntervalFloor > 0 {
		return d.liveIntervalFloor
	}
	return liveIntervalMin
}

// nodesKey names a node filter in a channel path: 16 hex digits of a 64-bit FNV-1a hash over the
// UTF-16 code units of each entry prefixed by its length in code units and a colon, so that no
// two different lists can be written the same way before hashing. "" for no filter. The
// frontend computes the same key (src/live.ts).
func nodesKey(nodes []string) string {
	if len(nodes) == 0 {
		return ""
	}
	const offset, prime = 0xcbf29ce484222325, 0x100000001b3
	hash := uint64(offset)
	for _, n := range nodes {
		units := utf16.Encode([]rune(n))
		for _, u := range utf16.Encode([]rune(strconv.Itoa(len(units)) + ":")) {
			hash = (hash ^ uint64(u)) * prime
		}
		for _, u := range units {
			hash = (hash ^ uint64(u)) * prime
		}
	}
	return fmt.Sprintf("%016x", hash)
}

// SubscribeStream admits a subscription to a valid growth channel and hands it the frame schema,
// so that a browser that joins a running stream can read the data-only samples that follow.
// Grafana's reply carries no text: the reason for a refusal goes to the plugin log.
func (d *Datasource) SubscribeStream(ctx context.Context, req *backend.SubscribeStreamRequest) (*backend.SubscribeStreamResponse, error) {
	_, selection, status, err := d.growthChannelOf(ctx, req.Path, req.Data)
	if err != nil {
		logRefusal(req.Path, err)
		return &backend.SubscribeStreamResponse{Status: status}, nil
	}
	nodes := selection.Nodes()
	blank := make([]frames.NodeCard, len(nodes))
	for i, n := range nodes {
		blank[i] = frames.NodeCard{Node: n}
	}
	initial, err := backend.NewInitialFrame(frames.Growth(time.Time{}, blank), data.IncludeSchemaOnly)
	if err != nil {
		return nil, err
	}
	return &backend.SubscribeStreamResponse{Status: backend.SubscribeStreamStatusOK, InitialData: initial}, nil
}

// logRefusal says why a subscription was refused: Grafana's reply to the browser carries no text.
func logRefusal(path string, err error) {
	log.DefaultLogger.Warn("live subscription refused", "path", nodeinfo.Clip(path), "reason", err.Error())
}

// PublishStream refuses: the growth series comes from Redis, never from a browser.
func (d *Datasource) PublishStream(context.Context, *backend.PublishStreamRequest) (*backend.PublishStreamResponse, error) {
	return &backend.PublishStreamResponse{Status: backend.PublishStreamStatusPermissionDenied}, nil
}

// RunStream reads the channel's nodes now and then every interval, and sends one growth sample
// per read: the schema with the first, and again only when the set of nodes changes (discovery
// found a node or lost one); data only otherwise. A node that fails is a sample with null sizes
// and its status; it never ends the stream. When the filter names a node that discovery no
// longer knows, the previous selection is read (that node then shows as unreachable). Reads
// never overlap: after a read slower than the interval the next one starts at once, and the
// ticks missed meanwhile are dropped. It returns nil when Grafana cancels ctx (the last
// subscriber left); an error makes Grafana log it and run the stream again after a back-off,
// with the data source's settings as they are by then.
func (d *Datasource) RunStream(ctx context.Context, req *backend.RunStreamRequest, sender *backend.StreamSender) (err error) {
	defer func() {
		if cause := recover(); cause != nil {
			err = nodeinfo.Recovered(cause) // Grafana logs it and runs the stream again
		}
	}()
	channel, selection, _, err := d.growthChannelOf(ctx, req.Path, req.Data)
	if err != nil {
		return err
	}
	ticker := time.NewTicker(channel.interval)
	defer ticker.Stop()
	var sentNodes []nodeinfo.Node // the nodes of the last schema sent; nil before the first
	for first := true; ; first = false {
		if !first {
			if next, err := d.nodes.Select(ctx, channel.nodes); err == nil {
				selection = next
			} else if ctx.Err() == nil {
				log.DefaultLogger.Debug("live growth: keeping the previous nodes", "path", req.Path, "reason", err.Error())
			}
		}
		at := time.Now()
		readings := d.nodes.Read(ctx, selection, liveRequest)
		if ctx.Err() != nil {
			return nil // cancelled during the read: its failures are ours, not the nodes'
		}
		include := data.IncludeDataOnly
		if nodes := selection.Nodes(); sentNodes == nil || !sameFields(nodes, sentNodes) {
			include, sentNodes = data.IncludeAll, nodes
		}
		if err := sender.SendFrame(frames.Growth(at, evaluate(readings)), include); err != nil {
			return fmt.Errorf("sending a growth sample on %s: %w", req.Path, err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}
	}
}

// sameFields tells whether two node lists give growth frames the same fields.
func sameFields(a, b []nodeinfo.Node) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || a[i].Address != b[i].Address {
			return false
		}
	}
	return true
}
