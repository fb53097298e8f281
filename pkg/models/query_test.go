package models

import (
	"strings"
	"testing"
)

func TestParseQuery(t *testing.T) {
	query, err := ParseQuery([]byte(`{"refId":"A","queryType":"alerting","nodes":["cache-1","10.0.0.2:6379"],"metric":"aof_rewrite_ok"}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(query.Nodes) != 2 || query.Nodes[1] != "10.0.0.2:6379" || query.Metric != MetricRewriteOK {
		t.Fatalf("got %+v", query)
	}
	if query, err := ParseQuery(nil); err != nil || len(query.Nodes) != 0 || query.Metric != "" {
		t.Fatalf("empty query: %+v, %v", query, err)
	}
}

func TestParseQueryRejectsWhatItCannotRun(t *testing.T) {
	for raw, want := range map[string]string{
		`{"metric":"aof_rewrite_status"}`: `metric "aof_rewrite_status" is not one of aof_rewrite_failing, aof_rewrite_stuck, aof_write_failing, node_up, aof_enabled`,
		`{"nodes":"cache-1"}`:             "not valid JSON for this data source",
	} {
		if _, err := ParseQuery([]byte(raw)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseQuery(%s) = %v, want an error containing %q", raw, err, want)
		}
	}
}
