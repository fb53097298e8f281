// Command demo is `make demo`'s viewer: it asks the real Grafana that scripts/demo.sh started
// for each demo node's Last AOF Rewrite Status card (the provisioned dashboard's own targets and
// value mappings, sent through /api/ds/query) and for the state of every provisioned alert rule,
// refreshing until Ctrl-C.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"
)

const (
	cardPanelTitle = "Last AOF Rewrite Status"
	dashboardUID   = "redis-persistence-aof"
	dataSourceUID  = "redis-persistence"
)

// The demo nodes, in the order the data source lists them.
var nodes = []string{"healthy", "failing-rewrites", "aof-off"}

func main() {
	grafana := flag.String("grafana", "http://127.0.0.1:3000", "Grafana's URL")
	user := flag.String("user", "admin", "Grafana user")
	password := flag.String("password", envOr("GF_ADMIN_PASSWORD", "admin"), "Grafana password")
	interval := flag.Duration("interval", 5*time.Second, "refresh interval")
	rounds := flag.Int("rounds", 0, "stop after this many refreshes (0: until Ctrl-C)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	g := &client{base: strings.TrimRight(*grafana, "/"), user: *user, password: *password}
	if err := run(ctx, g, *interval, *rounds); err != nil && ctx.Err() == nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

func run(ctx context.Context, g *client, interval time.Duration, rounds int) error {
	card, err := cardPanel(ctx, g)
	if err != nil {
		return err
	}
	var health struct{ Status, Message string }
	if err := g.do(ctx, http.MethodGet, "/api/datasources/uid/"+dataSourceUID+"/health", nil, &health); err != nil {
		return err
	}
	fmt.Printf("Save & test (from Grafana): %s\n  %s\n\n", health.Status, health.Message)
	for round := 1; ; round++ {
		if err := show(ctx, g, card); err != nil {
			return err
		}
		if rounds > 0 && round >= rounds {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(interval):
		}
	}
}

func show(ctx context.Context, g *client, card *panel) error {
	fmt.Printf("%s  %s (as Grafana returns it)\n", time.Now().Format("15:04:05"), cardPanelTitle)
	for _, node := range nodes {
		frames, err := g.query(ctx, card.targetsFor(node))
		if err != nil {
			return fmt.Errorf("card query for %s: %w", node, err)
		}
		status, reason := first(frames, "status"), first(frames, "reason")
		m, ok := card.mappings[status]
		if !ok {
			m = mapping{Text: status}
		}
		fmt.Printf("  %-18s %s %-12s\x1b[0m  %s\n", node, ansi(m.Color), m.Text, reason)
	}
	rules, err := alertRules(ctx, g)
	if err != nil {
		return err
	}
	fmt.Println("  alert rules (Grafana's evaluation, every 10 s):")
	for _, r := range rules {
		var states []string
		for _, node := range nodes {
			states = append(states, node+"="+r.states[node])
		}
		fmt.Printf("    %-24s %s\n", r.title, strings.Join(states, "  "))
	}
	fmt.Println()
	return nil
}

type client struct {
	base, user, password string
}

func (c *client) do(ctx context.Context, method, path string, body, out any) error {
	var reader io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return err
		}
		reader = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, reader)
	if err != nil {
		return err
	}
	req.SetBasicAuth(c.user, c.password)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = res.Body.Close() }()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%s %s: HTTP %d: %.300s", method, path, res.StatusCode, raw)
	}
	return nil
}

type frame struct {
	Schema struct {
		Fields []struct {
			Name string `json:"name"`
		} `json:"fields"`
	} `json:"schema"`
	Data struct {
		Values [][]any `json:"values"`
	} `json:"data"`
}

// query sends targets through /api/ds/query, as the browser does, and returns every frame.
func (c *client) query(ctx context.Context, targets []map[string]any) ([]frame, error) {
	var res struct {
		Results map[string]struct {
			Error  string  `json:"error"`
			Frames []frame `json:"frames"`
		} `json:"results"`
		Message string `json:"message"`
	}
	body := map[string]any{"queries": targets, "from": "now-5m", "to": "now"}
	if err := c.do(ctx, http.MethodPost, "/api/ds/query", body, &res); err != nil {
		return nil, err
	}
	if res.Results == nil {
		return nil, fmt.Errorf("no results: %s", res.Message)
	}
	var frames []frame
	for refID, r := range res.Results {
		if r.Error != "" {
			return nil, fmt.Errorf("%s: %s", refID, r.Error)
		}
		frames = append(frames, r.Frames...)
	}
	return frames, nil
}

func first(frames []frame, name string) string {
	for _, f := range frames {
		for i, field := range f.Schema.Fields {
			if field.Name == name && i < len(f.Data.Values) && len(f.Data.Values[i]) > 0 {
				return fmt.Sprint(f.Data.Values[i][0])
			}
		}
	}
	return ""
}

type mapping struct {
	Text  string `json:"text"`
	Color string `json:"color"`
}

type panel struct {
	targets  []map[string]any
	mappings map[string]mapping
}

// targetsFor applies the $node variable the way the browser does: Grafana never interpolates
// template variables server-side.
func (p *panel) targetsFor(node string) []map[string]any {
	out := make([]map[string]any, 0, len(p.targets))
	for _, t := range p.targets {
		copied := map[string]any{}
		for k, v := range t {
			copied[k] = v
		}
		if list, ok := t["nodes"].([]any); ok {
			var replaced []any
			for _, n := range list {
				if n == "$node" {
					n = node
				}
				replaced = append(replaced, n)
			}
			copied["nodes"] = replaced
		}
		out = append(out, copied)
	}
	return out
}

// cardPanel reads the card panel (targets and value mappings) from the dashboard Grafana serves.
func cardPanel(ctx context.Context, g *client) (*panel, error) {
	var dash struct {
		Dashboard struct {
			Panels []struct {
				Title       string           `json:"title"`
				Targets     []map[string]any `json:"targets"`
				FieldConfig struct {
					Defaults struct {
						Mappings []struct {
							Type    string                     `json:"type"`
							Options map[string]json.RawMessage `json:"options"`
						} `json:"mappings"`
					} `json:"defaults"`
				} `json:"fieldConfig"`
			} `json:"panels"`
		} `json:"dashboard"`
	}
	if err := g.do(ctx, http.MethodGet, "/api/dashboards/uid/"+dashboardUID, nil, &dash); err != nil {
		return nil, err
	}
	for _, p := range dash.Dashboard.Panels {
		if p.Title != cardPanelTitle {
			continue
		}
		result := &panel{targets: p.Targets, mappings: map[string]mapping{}}
		for _, m := range p.FieldConfig.Defaults.Mappings {
			if m.Type == "value" {
				for value, option := range m.Options {
					var parsed mapping
					if err := json.Unmarshal(option, &parsed); err == nil {
						result.mappings[value] = parsed
					}
				}
			}
		}
		return result, nil
	}
	return nil, fmt.Errorf("dashboard %s has no %q panel", dashboardUID, cardPanelTitle)
}

type ruleState struct {
	title  string
	states map[string]string // node -> Normal, Pending, Alerting, ...
}

// alertRules reads every Grafana-managed rule and its per-node instance state.
func alertRules(ctx context.Context, g *client) ([]ruleState, error) {
	var res struct {
		Data struct {
			Groups []struct {
				Rules []struct {
					Name   string `json:"name"`
					Alerts []struct {
						Labels map[string]string `json:"labels"`
						State  string            `json:"state"`
					} `json:"alerts"`
				} `json:"rules"`
			} `json:"groups"`
		} `json:"data"`
	}
	if err := g.do(ctx, http.MethodGet, "/api/prometheus/grafana/api/v1/rules", nil, &res); err != nil {
		return nil, err
	}
	var out []ruleState
	for _, group := range res.Data.Groups {
		for _, r := range group.Rules {
			s := ruleState{title: r.Name, states: map[string]string{}}
			for _, node := range nodes {
				s.states[node] = "not evaluated yet"
			}
			for _, a := range r.Alerts {
				s.states[a.Labels["node"]] = a.State
			}
			out = append(out, s)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].title < out[j].title })
	return out, nil
}

// ansi approximates Grafana's named colours in a terminal.
func ansi(color string) string {
	switch {
	case strings.Contains(color, "green"):
		return "\x1b[42;30m"
	case strings.Contains(color, "red"):
		return "\x1b[41;97m"
	case strings.Contains(color, "orange"), strings.Contains(color, "yellow"):
		return "\x1b[43;30m"
	case strings.Contains(color, "purple"):
		return "\x1b[45;97m"
	}
	return "\x1b[100;97m"
}
