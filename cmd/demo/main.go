// Command demo is `make demo`'s server and the render test's backend. It starts the plugin binary
// under the plugin host (go-plugin handshake and gRPC, as Grafana starts it) with the provisioned
// data source's settings (environment expanded as Grafana's provisioning does), sends every card
// and sibling stat panel's targets of the provisioned dashboard through QueryData for each node,
// prints each node's Last AOF Rewrite Status in the terminal and serves the frames, the dashboard
// and the page of tests/render (which draws the panels with Grafana's own display code) on
// 127.0.0.1, refreshing until Ctrl-C.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"go.yaml.in/yaml/v3"

	"github.com/persistwatch/redis-persistence-datasource/internal/pluginhost"
)

const cardPanelTitle = "Last AOF Rewrite Status"

// extraNodes collects -node name=address flags: nodes appended to the provisioned ones.
type extraNodes []pluginhost.Node

func (e *extraNodes) String() string { return fmt.Sprint(*e) }

func (e *extraNodes) Set(value string) error {
	name, address, ok := strings.Cut(value, "=")
	if !ok || name == "" || address == "" {
		return fmt.Errorf("want name=address, got %q", value)
	}
	*e = append(*e, pluginhost.Node{Name: name, Address: address})
	return nil
}

type config struct {
	plugin, provisioning, listen, page, pluginLog string
	interval                                      time.Duration
	rounds                                        int
	extra                                         extraNodes
}

func main() {
	var c config
	flag.StringVar(&c.plugin, "plugin", "dist/gpx_redis_persistence_linux_amd64", "the plugin's backend binary")
	flag.StringVar(&c.provisioning, "provisioning", "provisioning", "Grafana provisioning directory")
	flag.StringVar(&c.listen, "listen", "127.0.0.1:3001", "address of the page (port 0: any free port)")
	flag.StringVar(&c.page, "page", "", "directory of the bundled page (tests/render/build-page.mjs); empty: terminal only")
	flag.StringVar(&c.pluginLog, "plugin-log", "", "file for the plugin's own log (default: discarded)")
	flag.DurationVar(&c.interval, "interval", 5*time.Second, "refresh interval")
	flag.IntVar(&c.rounds, "rounds", 0, "stop after this many refreshes (0: until Ctrl-C)")
	flag.Var(&c.extra, "node", "extra node name=address, after the provisioned ones (repeatable)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, c); err != nil && ctx.Err() == nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, c config) error {
	ds, err := loadDatasource(filepath.Join(c.provisioning, "datasources", "datasources.yml"), c.extra)
	if err != nil {
		return err
	}
	rawDashboard, err := os.ReadFile(filepath.Join(c.provisioning, "dashboards", "redis-persistence.json"))
	if err != nil {
		return err
	}
	dash, err := parseDashboard(rawDashboard)
	if err != nil {
		return err
	}
	pluginLog := io.Discard
	if c.pluginLog != "" {
		f, err := os.Create(c.pluginLog)
		if err != nil {
			return err
		}
		defer func() { _ = f.Close() }()
		pluginLog = f
	}
	host, err := pluginhost.Start(c.plugin, pluginLog, pluginLog)
	if err != nil {
		return err
	}
	defer host.Kill()

	health, err := host.CheckHealth(ctx, ds.context)
	if err != nil {
		return err
	}
	fmt.Printf("Save & test: %s\n  %s\n\n", health.Status, health.Message)

	var latest snapshot
	var mu sync.Mutex
	refresh := func() {
		s := query(ctx, host, ds, dash)
		printCards(s, dash)
		mu.Lock()
		latest = s
		mu.Unlock()
	}
	refresh()
	if c.page != "" {
		listener, err := net.Listen("tcp", c.listen)
		if err != nil {
			return err
		}
		mux := http.NewServeMux()
		mux.HandleFunc("/api/dashboard", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(rawDashboard)
		})
		mux.HandleFunc("/api/frames", func(w http.ResponseWriter, _ *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(latest)
		})
		mux.Handle("/", http.FileServer(http.Dir(c.page)))
		server := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
		go func() { _ = server.Serve(listener) }()
		defer func() { _ = server.Close() }()
		fmt.Printf("demo: the cards as Grafana draws them: http://%s/ (Ctrl-C stops everything)\n\n", listener.Addr())
	}
	for round := 1; c.rounds == 0 || round < c.rounds; round++ {
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(c.interval):
		}
		refresh()
	}
	return nil
}

// datasource is the provisioned data source as the plugin receives it.
type datasource struct {
	nodes   []pluginhost.Node
	context backend.PluginContext
}

// loadDatasource reads the provisioned data source and expands its values as Grafana's
// provisioning does (pluginhost.Expand with the process environment).
func loadDatasource(path string, extra []pluginhost.Node) (datasource, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return datasource{}, err
	}
	var file struct {
		Datasources []struct {
			Name           string         `yaml:"name"`
			UID            string         `yaml:"uid"`
			Type           string         `yaml:"type"`
			JSONData       map[string]any `yaml:"jsonData"`
			SecureJSONData map[string]any `yaml:"secureJsonData"`
		} `yaml:"datasources"`
	}
	if err := yaml.Unmarshal(raw, &file); err != nil {
		return datasource{}, fmt.Errorf("%s: %w", path, err)
	}
	for _, d := range file.Datasources {
		if d.Type != pluginhost.PluginID {
			continue
		}
		jsonData := pluginhost.Expand(d.JSONData, os.Getenv).(map[string]any)
		provisioned, _ := jsonData["nodes"].([]any)
		var nodes []pluginhost.Node
		for _, n := range provisioned {
			m, _ := n.(map[string]any)
			nodes = append(nodes, pluginhost.Node{Name: fmt.Sprint(m["name"]), Address: fmt.Sprint(m["address"])})
		}
		for _, n := range extra {
			provisioned = append(provisioned, map[string]any{"name": n.Name, "address": n.Address})
			nodes = append(nodes, n)
		}
		jsonData["nodes"] = provisioned
		rawJSON, err := json.Marshal(jsonData)
		if err != nil {
			return datasource{}, err
		}
		secure := map[string]string{}
		for key, value := range pluginhost.Expand(d.SecureJSONData, os.Getenv).(map[string]any) {
			secure[key] = fmt.Sprint(value)
		}
		pc := backend.PluginContext{
			PluginID: pluginhost.PluginID,
			User:     &backend.User{Login: "admin", Name: "Admin", Role: "Admin"},
			DataSourceInstanceSettings: &backend.DataSourceInstanceSettings{
				ID: 1, UID: d.UID, Name: d.Name, Type: d.Type, JSONData: rawJSON,
				DecryptedSecureJSONData: secure, Updated: time.Now(),
			},
		}
		return datasource{nodes: nodes, context: pc}, nil
	}
	return datasource{}, fmt.Errorf("%s provisions no %s data source", path, pluginhost.PluginID)
}

// panel is a dashboard stat panel this demo queries.
type panel struct {
	ID       int                `json:"id"`
	Type     string             `json:"type"`
	Title    string             `json:"title"`
	Targets  []map[string]any   `json:"targets"`
	Mappings map[string]mapping `json:"-"`
}

type mapping struct {
	Text  string `json:"text"`
	Color string `json:"color"`
}

type dashboard struct {
	panels []panel
	card   panel
}

// parseDashboard keeps the stat panels whose targets are card or sibling queries, and the card's
// value mappings for the terminal.
func parseDashboard(raw []byte) (dashboard, error) {
	var file struct {
		Panels []struct {
			panel
			FieldConfig struct {
				Defaults struct {
					Mappings []struct {
						Type    string                     `json:"type"`
						Options map[string]json.RawMessage `json:"options"`
					} `json:"mappings"`
				} `json:"defaults"`
			} `json:"fieldConfig"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		return dashboard{}, err
	}
	var d dashboard
	for _, p := range file.Panels {
		if p.Type != "stat" || len(p.Targets) == 0 {
			continue
		}
		switch p.Targets[0]["queryType"] {
		case "card", "siblings":
		default:
			continue
		}
		p.Mappings = map[string]mapping{}
		for _, m := range p.FieldConfig.Defaults.Mappings {
			if m.Type == "value" {
				for value, option := range m.Options {
					var parsed mapping
					if err := json.Unmarshal(option, &parsed); err != nil {
						return dashboard{}, fmt.Errorf("%s: value mapping %q: %w", p.Title, value, err)
					}
					p.Mappings[value] = parsed
				}
			}
		}
		d.panels = append(d.panels, p.panel)
		if p.Title == cardPanelTitle {
			d.card = p.panel
		}
	}
	if d.card.Title == "" {
		return dashboard{}, fmt.Errorf("the dashboard has no %q stat panel", cardPanelTitle)
	}
	return d, nil
}

// snapshot is what /api/frames serves: per node, per panel id, the frames (in the SDK's JSON,
// which @grafana/data's dataFrameFromJSON reads) or the query's error.
type snapshot struct {
	Updated time.Time   `json:"updated"`
	Nodes   []nodePanel `json:"nodes"`
}

type nodePanel struct {
	Name    string                   `json:"name"`
	Address string                   `json:"address"`
	Panels  map[string]panelResponse `json:"panels"`
}

type panelResponse struct {
	Frames data.Frames `json:"frames"`
	Error  string      `json:"error,omitempty"`
}

// query sends each panel's targets for each node, with $node replaced the way the browser does it
// (Grafana never interpolates template variables server-side). Panels with the same target share
// one answer per node.
func query(ctx context.Context, host *pluginhost.Host, ds datasource, dash dashboard) snapshot {
	s := snapshot{Updated: time.Now().UTC()}
	for _, node := range ds.nodes {
		np := nodePanel{Name: node.Name, Address: node.Address, Panels: map[string]panelResponse{}}
		answers := map[string]panelResponse{}
		for _, p := range dash.panels {
			model, err := json.Marshal(forNode(p.Targets[0], node.Name))
			if err != nil {
				np.Panels[fmt.Sprint(p.ID)] = panelResponse{Error: err.Error()}
				continue
			}
			answer, ok := answers[string(model)]
			if !ok {
				queryType, _ := p.Targets[0]["queryType"].(string)
				answer = panelResponse{}
				response, err := host.Query(ctx, ds.context, queryType, string(model))
				switch {
				case err != nil:
					answer.Error = err.Error()
				case response.Error != nil:
					answer.Error = response.Error.Error()
				default:
					answer.Frames = response.Frames
				}
				answers[string(model)] = answer
			}
			np.Panels[fmt.Sprint(p.ID)] = answer
		}
		s.Nodes = append(s.Nodes, np)
	}
	return s
}

func forNode(target map[string]any, node string) map[string]any {
	out := make(map[string]any, len(target))
	for k, v := range target {
		out[k] = v
	}
	if list, ok := target["nodes"].([]any); ok {
		replaced := make([]any, len(list))
		for i, n := range list {
			if n == "$node" {
				n = node
			}
			replaced[i] = n
		}
		out["nodes"] = replaced
	}
	return out
}

// printCards prints each node's card status (text and colour from the panel's value mappings)
// and reason.
func printCards(s snapshot, dash dashboard) {
	fmt.Printf("%s  %s\n", s.Updated.Local().Format("15:04:05"), cardPanelTitle)
	for _, node := range s.Nodes {
		answer := node.Panels[fmt.Sprint(dash.card.ID)]
		status, reason := firstValue(answer.Frames, "status"), firstValue(answer.Frames, "reason")
		if answer.Error != "" {
			reason = answer.Error
		}
		m, ok := dash.card.Mappings[status]
		if !ok {
			m = mapping{Text: status}
		}
		fmt.Printf("  %-18s %s %-12s\x1b[0m  %s\n", node.Name, ansi(m.Color), m.Text, reason)
	}
	fmt.Println()
}

func firstValue(frames data.Frames, name string) string {
	for _, f := range frames {
		field, _ := f.FieldByName(name)
		if field == nil || field.Len() == 0 {
			continue
		}
		value, ok := field.ConcreteAt(0)
		if ok {
			return fmt.Sprint(value)
		}
	}
	return ""
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
	case strings.Contains(color, "blue"):
		return "\x1b[44;97m"
	}
	return "\x1b[100;97m"
}
