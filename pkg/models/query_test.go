package models

import (
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/persistwatch/redis-persistence-datasource/internal/tsconst"
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
		`{"metric":"aof_rewrite_status"}`: `metric "aof_rewrite_status" is not one of aof_rewrite_failing, aof_rewrite_stuck, aof_write_failing, rdb_save_failing`,
		`{"nodes":"cache-1"}`:             "not valid JSON for this data source",
	} {
		if _, err := ParseQuery([]byte(raw)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseQuery(%s) = %v, want an error containing %q", raw, err, want)
		}
	}
}

// The frontend defines the same query types and metrics once on its side (src/types.ts); the two
// lists must not drift apart.
func TestFrontendListsTheSameQueryTypesAndMetrics(t *testing.T) {
	tsList := func(name string) []string {
		items, err := tsconst.Tuple("../../src/types.ts", name)
		if err != nil {
			t.Fatal(err)
		}
		sort.Strings(items)
		return items
	}
	goList := func(values []string) []string {
		sort.Strings(values)
		return values
	}
	var types, metrics []string
	for _, qt := range QueryTypes {
		types = append(types, string(qt))
	}
	for _, m := range Metrics {
		metrics = append(metrics, string(m))
	}
	if got, want := tsList("QUERY_TYPES"), goList(types); !slices.Equal(got, want) {
		t.Errorf("src/types.ts QUERY_TYPES %v, backend %v", got, want)
	}
	if got, want := tsList("ALERT_METRICS"), goList(metrics); !slices.Equal(got, want) {
		t.Errorf("src/types.ts ALERT_METRICS %v, backend %v", got, want)
	}
}
