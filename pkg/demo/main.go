// Command demo is `make demo`'s viewer: it starts the built plugin the way Grafana does and
// prints, for each demo node, the Last AOF Rewrite Status card with the dashboard's own value
// mappings, and the alert series the provisioned rules evaluate, refreshing until Ctrl-C.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/persistwatch/redis-persistence-datasource/pkg/internal/pluginhost"
	"github.com/persistwatch/redis-persistence-datasource/pkg/models"
)

const cardPanelTitle = "Last AOF Rewrite Status"

func main() {
	binary := flag.String("plugin", "dist/gpx_redis_persistence_linux_amd64", "the built plugin binary")
	dashboard := flag.String("dashboard", "src/dashboards/redis-persistence.json", "the dashboard whose card mappings colour the output")
	interval := flag.Duration("interval", 5*time.Second, "refresh interval")
	rounds := flag.Int("rounds", 0, "stop after this many refreshes (0: until Ctrl-C)")
	flag.Parse()
	if err := run(*binary, *dashboard, *interval, *rounds); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run(binary, dashboardPath string, interval time.Duration, rounds int) error {
	mappings, err := cardMappings(dashboardPath)
	if err != nil {
		return err
	}
	host, err := pluginhost.Start(binary, io.Discard, io.Discard)
	if err != nil {
		return err
	}
	defer host.Kill()
	ds := pluginhost.DataSource{ID: 1, UID: "redis-persistence", Name: "Redis Persistence", Nodes: []pluginhost.Node{
		{Name: "healthy", Address: os.Getenv("REDIS_HEALTHY_ADDR")},
		{Name: "failing-rewrites", Address: os.Getenv("REDIS_FAILING_REWRITES_ADDR")},
		{Name: "aof-off", Address: os.Getenv("REDIS_AOF_OFF_ADDR")},
	}}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	health, err := host.CheckHealth(ctx, ds.PluginContext())
	if err != nil {
		return err
	}
	fmt.Printf("Save & test: %s\n  %s\n\n", health.Status, health.Message)
	for round := 1; ; round++ {
		if err := show(ctx, host, ds, mappings); err != nil {
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

func show(ctx context.Context, host *pluginhost.Host, ds pluginhost.DataSource, mappings map[string]mapping) error {
	card, err := host.Query(ctx, ds.PluginContext(), string(models.QueryCard), `{}`)
	if err != nil || card.Error != nil {
		return fmt.Errorf("card query: %v %v", err, card.Error)
	}
	fmt.Printf("%s  Last AOF Rewrite Status\n", time.Now().Format("15:04:05"))
	frame := card.Frames[0]
	for row := 0; row < frame.Rows(); row++ {
		status := text(frame, "status", row)
		m := mappings[status]
		fmt.Printf("  %-18s %s %-12s\x1b[0m  %s\n", text(frame, "node", row), ansi(m.Color), m.Text, text(frame, "reason", row))
	}
	fmt.Println("  alert series (null never fires):")
	for _, metric := range []models.Metric{models.MetricRewriteOK, models.MetricWriteOK, models.MetricConsecutiveFailures, models.MetricNodeUp} {
		series, err := host.Query(ctx, ds.PluginContext(), string(models.QueryAlerting), fmt.Sprintf(`{"metric":%q}`, metric))
		if err != nil || series.Error != nil {
			return fmt.Errorf("alerting query: %v %v", err, series.Error)
		}
		var values []string
		for _, f := range series.Frames {
			values = append(values, f.Fields[0].Labels["node"]+"="+number(f.Fields[0].At(0).(*float64)))
		}
		fmt.Printf("    %-34s %s\n", metric, strings.Join(values, "  "))
	}
	fmt.Println()
	return nil
}

func text(frame *data.Frame, name string, row int) string {
	field, _ := frame.FieldByName(name)
	if field == nil {
		return ""
	}
	return fmt.Sprint(field.At(row))
}

func number(value *float64) string {
	if value == nil {
		return "null"
	}
	return fmt.Sprint(*value)
}

type mapping struct {
	Text  string `json:"text"`
	Color string `json:"color"`
}

// cardMappings reads the card panel's value mappings from the dashboard, so the demo shows what
// the stat panel shows.
func cardMappings(path string) (map[string]mapping, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var dashboard struct {
		Panels []struct {
			Title       string `json:"title"`
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
	if err := json.Unmarshal(raw, &dashboard); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	result := map[string]mapping{}
	for _, panel := range dashboard.Panels {
		if panel.Title != cardPanelTitle {
			continue
		}
		for _, m := range panel.FieldConfig.Defaults.Mappings {
			if m.Type != "value" {
				continue
			}
			for value, option := range m.Options {
				var parsed mapping
				if err := json.Unmarshal(option, &parsed); err == nil {
					result[value] = parsed
				}
			}
		}
	}
	if len(result) == 0 {
		return nil, fmt.Errorf("%s has no value mappings on the %q panel", path, cardPanelTitle)
	}
	return result, nil
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
