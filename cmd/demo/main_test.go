package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/persistwatch/redis-persistence-datasource/internal/pluginhost"
)

const provisioning = "../../provisioning"

func TestLoadDatasourceExpandsTheEnvironmentAsGrafanaDoes(t *testing.T) {
	t.Setenv("REDIS_HEALTHY_ADDR", "127.0.0.1:7001")
	t.Setenv("REDIS_FAILING_REWRITES_ADDR", "127.0.0.1:7002")
	t.Setenv("REDIS_AOF_OFF_ADDR", "") // unset and empty are the same to Grafana: ""
	t.Setenv("REDIS_PASSWORD", "s3cret")
	ds, err := loadDatasource(filepath.Join(provisioning, "datasources", "datasources.yml"),
		[]pluginhost.Node{{Name: "extra", Address: "127.0.0.1:7009"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []pluginhost.Node{
		{Name: "healthy", Address: "127.0.0.1:7001"},
		{Name: "failing-rewrites", Address: "127.0.0.1:7002"},
		{Name: "aof-off", Address: ""},
		{Name: "extra", Address: "127.0.0.1:7009"},
	}
	if !reflect.DeepEqual(ds.nodes, want) {
		t.Fatalf("nodes = %+v, want %+v", ds.nodes, want)
	}
	settings := ds.context.DataSourceInstanceSettings
	var jsonData struct {
		Nodes            []pluginhost.Node `json:"nodes"`
		ConnectTimeoutMs int               `json:"connectTimeoutMs"`
	}
	if err := json.Unmarshal(settings.JSONData, &jsonData); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(jsonData.Nodes, want) || jsonData.ConnectTimeoutMs != 2000 {
		t.Fatalf("jsonData = %s", settings.JSONData)
	}
	if settings.UID != "redis-persistence" || settings.DecryptedSecureJSONData["password"] != "s3cret" {
		t.Fatalf("settings = uid %q, secure keys %d", settings.UID, len(settings.DecryptedSecureJSONData))
	}
}

func TestParseDashboardQueriesTheStatPanelsAndKnowsTheCardMappings(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(provisioning, "dashboards", "redis-persistence.json"))
	if err != nil {
		t.Fatal(err)
	}
	d, err := parseDashboard(raw)
	if err != nil {
		t.Fatal(err)
	}
	if d.card.Title != cardPanelTitle || d.card.Mappings["err"].Text != "ERR" || d.card.Mappings["ok"].Color != "green" {
		t.Fatalf("card = %+v", d.card)
	}
	for _, p := range d.panels {
		if p.Type != "stat" {
			t.Fatalf("panel %q is a %s", p.Title, p.Type)
		}
	}
	if len(d.panels) < 2 {
		t.Fatalf("only %d stat panels", len(d.panels))
	}
	if _, err := parseDashboard([]byte(`{"panels":[]}`)); err == nil {
		t.Fatal("a dashboard without the card was accepted")
	}
}

func TestForNodeReplacesTheNodeVariableOnly(t *testing.T) {
	target := map[string]any{"refId": "A", "queryType": "card", "nodes": []any{"$node", "other"}}
	got := forNode(target, "cache-1")
	if !reflect.DeepEqual(got["nodes"], []any{"cache-1", "other"}) || got["queryType"] != "card" {
		t.Fatalf("got %+v", got)
	}
	if !reflect.DeepEqual(target["nodes"], []any{"$node", "other"}) {
		t.Fatalf("the dashboard's target changed: %+v", target)
	}
}
