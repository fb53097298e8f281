// Package models defines the query model: the query types and alert metrics dashboards and alert
// rules are written against. They are defined here once for the backend.
package models

import (
	"encoding/json"
	"fmt"
	"strings"
)

// QueryType routes a query (the `queryType` of a Grafana query).
type QueryType string

const (
	QueryCard     QueryType = "card"     // one row per node: the card status and its context
	QueryAlerting QueryType = "alerting" // dataplane numeric-multi series for alert rules
	QueryRaw      QueryType = "raw"      // every INFO persistence field per node
	QuerySiblings QueryType = "siblings" // the sibling cards Redis itself can answer
)

// QueryTypes lists every query type, for routing and documentation.
var QueryTypes = []QueryType{QueryCard, QueryAlerting, QueryRaw, QuerySiblings}

// Answer is what a query returns. Its query type decides, but for one case: a live card query
// answers the AOF growth series (outside the browser it cannot stream, so it answers one sample).
type Answer string

const (
	AnswerCard     Answer = "card"
	AnswerGrowth   Answer = "growth"
	AnswerAlerting Answer = "alerting"
	AnswerRaw      Answer = "raw"
	AnswerSiblings Answer = "siblings"
)

// Answer says what the query returns under a query type ("" is the card, the default query).
func (q Query) Answer(queryType QueryType) Answer {
	switch queryType {
	case "", QueryCard:
		if q.Live {
			return AnswerGrowth
		}
		return AnswerCard
	case QueryAlerting:
		return AnswerAlerting
	case QueryRaw:
		return AnswerRaw
	case QuerySiblings:
		return AnswerSiblings
	}
	return ""
}

// Metric names one alerting series.
type Metric string

// The evidence metrics are never null: 1 (or, for the ages, ratios and counts, the amount) when
// the node reported the condition, 0 otherwise (including nodes that cannot be judged), so a plain
// threshold is right on every Grafana version. The bundled rules use them and node_up. The others are measurements, null when the node
// cannot be judged, for panels and history.
const (
	MetricRewriteFailing Metric = "aof_rewrite_failing"
	MetricRewriteStuck   Metric = "aof_rewrite_stuck"
	MetricWriteFailing   Metric = "aof_write_failing"
	MetricRDBSaveFailing Metric = "rdb_save_failing"
	// MetricRDBUnsavedAge is the age of the last successful RDB save on a node that takes
	// snapshots (CONFIG GET save is not empty) and has unsaved changes; else 0.
	MetricRDBUnsavedAge Metric = "rdb_unsaved_age_seconds"
	// MetricRewriteOverdue is the AOF growth over its rewrite trigger where known, else 0.
	MetricRewriteOverdue Metric = "aof_rewrite_overdue_ratio"
	// MetricDelayedFsyncIncrease is how much aof_delayed_fsync rose over the last few minutes.
	MetricDelayedFsyncIncrease Metric = "aof_delayed_fsync_increase"

	MetricNodeUp              Metric = "node_up"
	MetricAOFEnabled          Metric = "aof_enabled"
	MetricRewriteOK           Metric = "aof_rewrite_ok"
	MetricWriteOK             Metric = "aof_write_ok"
	MetricConsecutiveFailures Metric = "aof_rewrites_consecutive_failures"
	MetricGrowthRatio         Metric = "aof_growth_ratio"
	MetricCurrentSize         Metric = "aof_current_size_bytes"
	MetricBaseSize            Metric = "aof_base_size_bytes"
	MetricRDBLastSaveAge      Metric = "rdb_last_save_age_seconds"
)

// Metrics lists every alerting metric in the order frames are returned.
var Metrics = []Metric{MetricRewriteFailing, MetricRewriteStuck, MetricWriteFailing, MetricRDBSaveFailing, MetricRDBUnsavedAge, MetricRewriteOverdue, MetricDelayedFsyncIncrease, MetricNodeUp, MetricAOFEnabled, MetricRewriteOK, MetricWriteOK, MetricConsecutiveFailures, MetricGrowthRatio, MetricCurrentSize, MetricBaseSize, MetricRDBLastSaveAge}

// Query is the JSON a panel or alert rule sends, beyond Grafana's own keys.
type Query struct {
	// Nodes filters by node name or address; empty means every configured node.
	Nodes []string `json:"nodes"`
	// Metric picks one alerting series; empty means all of them (fine for panels, not for rules).
	Metric Metric `json:"metric"`
	// Live (card queries only) asks for the AOF growth series. In the browser such a query is a
	// Grafana Live subscription that pushes a sample every LiveIntervalMs; through QueryData (alert
	// rules, public dashboards, the HTTP API) it answers one sample, now.
	Live bool `json:"live,omitempty"`
	// LiveIntervalMs is the push interval of a live query; the browser picks the channel from it.
	LiveIntervalMs int64 `json:"liveIntervalMs,omitempty"`
	// Fields (card and siblings queries only) keeps just these fields of the frame, besides those
	// that identify a row; empty means every field. A panel asks for what it shows.
	Fields []string `json:"fields,omitempty"`
}

// ParseQuery reads and checks a query's JSON.
func ParseQuery(raw json.RawMessage) (Query, error) {
	var query Query
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &query); err != nil {
			return Query{}, fmt.Errorf("the query is not valid JSON for this data source: %w", err)
		}
	}
	if query.Metric != "" && !query.Metric.valid() {
		names := make([]string, len(Metrics))
		for i, m := range Metrics {
			names[i] = string(m)
		}
		return Query{}, fmt.Errorf("metric %q is not one of %s", query.Metric, strings.Join(names, ", "))
	}
	return query, nil
}

func (m Metric) valid() bool {
	for _, known := range Metrics {
		if m == known {
			return true
		}
	}
	return false
}
