package plugin_test

// The provisioned files (data source, dashboard, alert rules) are checked here the way Grafana
// reads them, and then every dashboard target and every alert query is sent through the real
// backend, with the provisioned data source pointed at real redis-server processes in the ok, err
// and n/a states. An external test package: it sees only what Grafana sees of the plugin.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/instancemgmt"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"go.yaml.in/yaml/v3"

	pkgframes "github.com/persistwatch/redis-persistence-datasource/pkg/frames"
	"github.com/persistwatch/redis-persistence-datasource/pkg/internal/pluginhost"
	"github.com/persistwatch/redis-persistence-datasource/pkg/internal/redistest"
	"github.com/persistwatch/redis-persistence-datasource/pkg/models"
	"github.com/persistwatch/redis-persistence-datasource/pkg/plugin"
)

const (
	repoRoot         = "../.."
	pinnedUID        = "redis-persistence"
	dashboardUID     = "redis-persistence-aof"
	bundledDashboard = "src/dashboards/redis-persistence.json"
	provisionedDash  = "provisioning/dashboards/redis-persistence.json"
	datasourcesFile  = "provisioning/datasources/datasources.yml"
	dashboardsFile   = "provisioning/dashboards/dashboards.yml"
	alertingFile     = "provisioning/alerting/redis-persistence.yml"
	nodeVariable     = "node"
	cardPanelTitle   = "Last AOF Rewrite Status"
	livePanelTitle   = "Live AOF growth"
	exprDatasource   = "__expr__"
	// stuckAfter mirrors pkg/state: from this many failures in a row an err is "stuck".
	stuckAfter = 2
)

// The demo nodes, in the order the data source lists them, and the variable each address comes
// from. docker-compose.yaml and the local demo use the same names (tools/composecheck checks
// the compose side).
var demoNodes = []struct{ name, env string }{
	{"healthy", "REDIS_HEALTHY_ADDR"},
	{"failing-rewrites", "REDIS_FAILING_REWRITES_ADDR"},
	{"aof-off", "REDIS_AOF_OFF_ADDR"},
}

func readRepoFile(t *testing.T, path string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot, path))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func pluginID(t *testing.T) string {
	t.Helper()
	var meta struct {
		ID       string `json:"id"`
		Includes []struct {
			Type, Name, Path string
		} `json:"includes"`
	}
	if err := json.Unmarshal(readRepoFile(t, "src/plugin.json"), &meta); err != nil {
		t.Fatal(err)
	}
	return meta.ID
}

// --- Grafana's provisioning interpolation -------------------------------------------------

// variableName is what a provisioning variable may be called. Grafana's provisioning expands values
// with os.Expand (pluginhost.Expand), which has no default syntax: ${VAR:-x} and friends reach the
// mapping as the name "VAR:-x" and silently become "".
var variableName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// expandLikeGrafana expands a parsed provisioning document the way Grafana's provisioning does,
// from env instead of the process environment.
func expandLikeGrafana(t *testing.T, value any, env map[string]string) any {
	t.Helper()
	return pluginhost.Expand(value, func(name string) string {
		if !variableName.MatchString(name) {
			t.Fatalf("provisioning variable %q uses a form Grafana does not support (no ${VAR:-default})", name)
		}
		return env[name]
	})
}

// --- the provisioned data source ------------------------------------------------------------

type provisionedDatasource struct {
	Name           string         `yaml:"name"`
	Type           string         `yaml:"type"`
	UID            string         `yaml:"uid"`
	Access         string         `yaml:"access"`
	OrgID          int64          `yaml:"orgId"`
	JSONData       map[string]any `yaml:"jsonData"`
	SecureJSONData map[string]any `yaml:"secureJsonData"`
}

func loadDatasourceFile(t *testing.T) provisionedDatasource {
	t.Helper()
	var file struct {
		APIVersion  int                     `yaml:"apiVersion"`
		Datasources []provisionedDatasource `yaml:"datasources"`
	}
	if err := yaml.Unmarshal(readRepoFile(t, datasourcesFile), &file); err != nil {
		t.Fatalf("%s: %v", datasourcesFile, err)
	}
	if file.APIVersion != 1 || len(file.Datasources) != 1 {
		t.Fatalf("%s: want apiVersion 1 and exactly one data source, got %d and %d", datasourcesFile, file.APIVersion, len(file.Datasources))
	}
	return file.Datasources[0]
}

// instanceSettings is what Grafana hands the plugin for the provisioned data source, given env.
func instanceSettings(t *testing.T, ds provisionedDatasource, env map[string]string, extraNodes ...map[string]any) backend.DataSourceInstanceSettings {
	t.Helper()
	jsonData := expandLikeGrafana(t, ds.JSONData, env).(map[string]any)
	if len(extraNodes) > 0 {
		nodes := slices.Clone(jsonData["nodes"].([]any))
		for _, extra := range extraNodes {
			nodes = append(nodes, extra)
		}
		jsonData["nodes"] = nodes
	}
	rawJSON, err := json.Marshal(jsonData)
	if err != nil {
		t.Fatal(err)
	}
	secure := map[string]string{}
	for key, value := range expandLikeGrafana(t, ds.SecureJSONData, env).(map[string]any) {
		secure[key] = fmt.Sprint(value)
	}
	return backend.DataSourceInstanceSettings{UID: ds.UID, Name: ds.Name, Type: ds.Type, JSONData: rawJSON, DecryptedSecureJSONData: secure}
}

func TestProvisionedDatasource(t *testing.T) {
	ds := loadDatasourceFile(t)
	if ds.UID != pinnedUID || ds.Type != pluginID(t) || ds.Name != "Redis Persistence" || ds.Access != "proxy" {
		t.Fatalf("data source = %q type %q uid %q access %q; want \"Redis Persistence\", %s, %s, proxy", ds.Name, ds.Type, ds.UID, ds.Access, pluginID(t), pinnedUID)
	}
	nodes, _ := ds.JSONData["nodes"].([]any)
	if len(nodes) != len(demoNodes) {
		t.Fatalf("jsonData.nodes has %d entries, want %d", len(nodes), len(demoNodes))
	}
	for i, want := range demoNodes {
		node, _ := nodes[i].(map[string]any)
		if node["name"] != want.name || node["address"] != "${"+want.env+"}" {
			t.Errorf("node %d = %v; want name %q, address ${%s}", i, node, want.name, want.env)
		}
	}
	if ds.SecureJSONData["password"] != "${REDIS_PASSWORD}" || len(ds.SecureJSONData) != 1 {
		t.Errorf("secureJsonData = %v; want only password: ${REDIS_PASSWORD}", ds.SecureJSONData)
	}
}

// --- the dashboard ----------------------------------------------------------------------------

type dsRef struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

type gridPos struct{ H, W, X, Y int }

type override struct {
	Matcher struct {
		ID      string `json:"id"`
		Options any    `json:"options"`
	} `json:"matcher"`
	Properties []struct {
		ID    string `json:"id"`
		Value any    `json:"value"`
	} `json:"properties"`
}

type panel struct {
	ID          int              `json:"id"`
	Type        string           `json:"type"`
	Title       string           `json:"title"`
	Description string           `json:"description"`
	Repeat      string           `json:"repeat"`
	Collapsed   bool             `json:"collapsed"`
	Datasource  *dsRef           `json:"datasource"`
	GridPos     gridPos          `json:"gridPos"`
	Targets     []map[string]any `json:"targets"`
	Panels      []panel          `json:"panels"`
	Options     struct {
		ReduceOptions *struct {
			Values bool     `json:"values"`
			Calcs  []string `json:"calcs"`
			Fields string   `json:"fields"`
		} `json:"reduceOptions"`
		ColorMode string `json:"colorMode"`
	} `json:"options"`
	FieldConfig struct {
		Defaults  map[string]any `json:"defaults"`
		Overrides []override     `json:"overrides"`
	} `json:"fieldConfig"`
	Transformations []struct {
		ID      string         `json:"id"`
		Options map[string]any `json:"options"`
	} `json:"transformations"`

	repeatedBy string // the variable of the row this panel sits in, if that row repeats
}

type dashboard struct {
	UID        string  `json:"uid"`
	Title      string  `json:"title"`
	Panels     []panel `json:"panels"`
	Templating struct {
		List []struct {
			Name       string         `json:"name"`
			Type       string         `json:"type"`
			Datasource *dsRef         `json:"datasource"`
			Query      map[string]any `json:"query"`
			Multi      bool           `json:"multi"`
			IncludeAll bool           `json:"includeAll"`
		} `json:"list"`
	} `json:"templating"`
}

func loadDashboard(t *testing.T) dashboard {
	t.Helper()
	var d dashboard
	if err := json.Unmarshal(readRepoFile(t, bundledDashboard), &d); err != nil {
		t.Fatalf("%s: %v", bundledDashboard, err)
	}
	return d
}

// dataPanels flattens rows: every non-row panel, with the variable its repeated row repeats by.
// Panels after an open row belong to it until the next row; a collapsed row holds its own.
func (d dashboard) dataPanels() []panel {
	var result []panel
	repeat := ""
	for _, p := range d.Panels {
		if p.Type == "row" {
			repeat = p.Repeat
			for _, inner := range p.Panels {
				inner.repeatedBy = p.Repeat
				result = append(result, inner)
			}
			continue
		}
		p.repeatedBy = repeat
		result = append(result, p)
	}
	return result
}

func (p panel) overriddenFields() map[string]string {
	fields := map[string]string{} // field name -> display name set by the override ("" if none)
	for _, o := range p.FieldConfig.Overrides {
		if o.Matcher.ID != "byName" {
			continue
		}
		name, _ := o.Matcher.Options.(string)
		fields[name] = ""
		for _, property := range o.Properties {
			if property.ID == "displayName" {
				fields[name], _ = property.Value.(string)
			}
		}
	}
	return fields
}

// jsRegexp turns a Grafana "/pattern/flags" field matcher into a Go regexp.
func jsRegexp(t *testing.T, pattern string) *regexp.Regexp {
	t.Helper()
	if !strings.HasPrefix(pattern, "/") || strings.LastIndex(pattern, "/") == 0 {
		return regexp.MustCompile("^" + regexp.QuoteMeta(pattern) + "$")
	}
	end := strings.LastIndex(pattern, "/")
	re, err := regexp.Compile(pattern[1:end])
	if err != nil {
		t.Fatalf("reduceOptions.fields %q: %v", pattern, err)
	}
	return re
}

func TestDashboardCopiesAreIdenticalAndIncluded(t *testing.T) {
	bundled, provisioned := readRepoFile(t, bundledDashboard), readRepoFile(t, provisionedDash)
	if !bytes.Equal(bundled, provisioned) {
		t.Fatalf("%s and %s differ: edit the bundled one and copy it over (cp %s %s)", bundledDashboard, provisionedDash, bundledDashboard, provisionedDash)
	}
	var meta struct {
		Includes []struct{ Type, Name, Path string } `json:"includes"`
	}
	if err := json.Unmarshal(readRepoFile(t, "src/plugin.json"), &meta); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, include := range meta.Includes {
		if include.Type == "dashboard" && "src/"+include.Path == bundledDashboard {
			found = include.Name != ""
		}
	}
	if !found {
		t.Fatalf("src/plugin.json includes no named dashboard entry with path %q", strings.TrimPrefix(bundledDashboard, "src/"))
	}
}

func TestDashboardProvider(t *testing.T) {
	var file struct {
		APIVersion int `yaml:"apiVersion"`
		Providers  []struct {
			Name    string         `yaml:"name"`
			Type    string         `yaml:"type"`
			Folder  string         `yaml:"folder"`
			Options map[string]any `yaml:"options"`
		} `yaml:"providers"`
	}
	if err := yaml.Unmarshal(readRepoFile(t, dashboardsFile), &file); err != nil {
		t.Fatalf("%s: %v", dashboardsFile, err)
	}
	if file.APIVersion != 1 || len(file.Providers) != 1 {
		t.Fatalf("%s: want apiVersion 1 and one provider", dashboardsFile)
	}
	provider := file.Providers[0]
	if provider.Type != "file" || provider.Folder != "Redis" {
		t.Fatalf("provider type %q folder %q; want file, Redis", provider.Type, provider.Folder)
	}
	// Grafana is started with paths.provisioning (GF_PATHS_PROVISIONING) = this repo's provisioning/.
	provisioningDir, err := filepath.Abs(filepath.Join(repoRoot, "provisioning"))
	if err != nil {
		t.Fatal(err)
	}
	options := expandLikeGrafana(t, provider.Options, map[string]string{"GF_PATHS_PROVISIONING": provisioningDir}).(map[string]any)
	path, _ := options["path"].(string)
	if !filepath.IsAbs(path) {
		t.Fatalf("options.path expands to %q: not absolute, so it would depend on Grafana's working directory", path)
	}
	if _, err := os.Stat(filepath.Join(path, filepath.Base(provisionedDash))); err != nil {
		t.Fatalf("options.path %q does not hold the dashboard: %v", path, err)
	}
}

func TestDashboardStructure(t *testing.T) {
	d := loadDashboard(t)
	if d.UID != dashboardUID || d.Title == "" {
		t.Fatalf("dashboard uid %q title %q; want uid %q and a title", d.UID, d.Title, dashboardUID)
	}
	pluginType := pluginID(t)
	pinned := func(where string, ref *dsRef) {
		if ref == nil || ref.UID != pinnedUID || ref.Type != pluginType {
			t.Errorf("%s: datasource %+v, want {type %s, uid %s}", where, ref, pluginType, pinnedUID)
		}
	}
	if len(d.Templating.List) != 1 {
		t.Fatalf("want exactly the %q variable, got %d variables", nodeVariable, len(d.Templating.List))
	}
	variable := d.Templating.List[0]
	pinned("variable "+variable.Name, variable.Datasource)
	if variable.Name != nodeVariable || variable.Type != "query" || !variable.Multi || !variable.IncludeAll || variable.Query["valueField"] != "name" {
		t.Errorf("variable = %+v; want a multi-value query variable %q with All, valued by node name", variable, nodeVariable)
	}

	ids := map[int]string{}
	seen := func(p panel) {
		if other, dup := ids[p.ID]; dup {
			t.Errorf("panel id %d used by %q and %q", p.ID, other, p.Title)
		}
		ids[p.ID] = p.Title
		if p.GridPos.W <= 0 || p.GridPos.H <= 0 || p.GridPos.X < 0 || p.GridPos.X+p.GridPos.W > 24 {
			t.Errorf("panel %q: gridPos %+v outside the 24-column grid", p.Title, p.GridPos)
		}
	}
	for _, p := range d.Panels {
		seen(p)
		for _, inner := range p.Panels {
			seen(inner)
		}
	}

	queryTypes := map[string]bool{}
	for _, qt := range models.QueryTypes {
		queryTypes[string(qt)] = true
	}
	metrics := map[string]bool{}
	for _, m := range models.Metrics {
		metrics[string(m)] = true
	}
	cards := 0
	for _, p := range d.dataPanels() {
		pinned(fmt.Sprintf("panel %q", p.Title), p.Datasource)
		if p.Title == "" || p.Description == "" {
			t.Errorf("panel %d has no title or no description", p.ID)
		}
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no target", p.Title)
		}
		for _, target := range p.Targets {
			ref := &dsRef{}
			rawRef, _ := json.Marshal(target["datasource"])
			_ = json.Unmarshal(rawRef, ref)
			pinned(fmt.Sprintf("panel %q target", p.Title), ref)
			if qt, _ := target["queryType"].(string); !queryTypes[qt] {
				t.Errorf("panel %q: queryType %q is not one of %v", p.Title, qt, models.QueryTypes)
			}
			if metric, has := target["metric"]; has && !metrics[fmt.Sprint(metric)] {
				t.Errorf("panel %q: metric %v is not one of %v", p.Title, metric, models.Metrics)
			}
		}
		if p.Type == "stat" {
			r := p.Options.ReduceOptions
			if r == nil || r.Fields == "" || r.Values || !slices.Equal(r.Calcs, []string{"lastNotNull"}) {
				t.Errorf("stat %q: reduceOptions %+v; want one value per field (lastNotNull) of the named fields", p.Title, r)
			}
		}
		if p.Title == cardPanelTitle {
			cards++
			if p.repeatedBy != nodeVariable || p.Options.ColorMode != "background" || p.Targets[0]["queryType"] != string(models.QueryCard) {
				t.Errorf("card panel: repeated by %q, colorMode %q, query %v; want a background-coloured card query repeated by $%s", p.repeatedBy, p.Options.ColorMode, p.Targets[0]["queryType"], nodeVariable)
			}
			if _, ok := p.overriddenFields()["status"]; !ok {
				t.Errorf("card panel does not configure the status field")
			}
		}
	}
	if cards != 1 {
		t.Fatalf("want one %q panel, found %d", cardPanelTitle, cards)
	}
	checkLivePanel(t, d)
}

// checkLivePanel: the live growth panel streams the card's growth for every selected node into a
// time series in bytes, and draws the base size differently from the current size.
func checkLivePanel(t *testing.T, d dashboard) {
	t.Helper()
	var found []panel
	for _, p := range d.dataPanels() {
		for _, target := range p.Targets {
			if isLive, _ := target["live"].(bool); isLive {
				found = append(found, p)
				break
			}
		}
	}
	if len(found) != 1 || found[0].Title != livePanelTitle {
		t.Fatalf("want exactly one panel with a live target, %q; found %d", livePanelTitle, len(found))
	}
	p := found[0]
	target := p.Targets[0]
	interval, _ := target["liveIntervalMs"].(float64)
	if p.Type != "timeseries" || p.repeatedBy != "" || len(p.Targets) != 1 || target["queryType"] != string(models.QueryCard) ||
		interval < 1000 || interval > 60000 || fmt.Sprint(target["nodes"]) != "[$"+nodeVariable+"]" {
		t.Errorf("live panel: type %q, repeated by %q, targets %v; want one live card target for $%s at 1000..60000 ms in a time series that is not repeated", p.Type, p.repeatedBy, p.Targets, nodeVariable)
	}
	if p.FieldConfig.Defaults["unit"] != "bytes" {
		t.Errorf("live panel: unit %v, want bytes", p.FieldConfig.Defaults["unit"])
	}
	dashed := false
	for _, o := range p.FieldConfig.Overrides {
		pattern, _ := o.Matcher.Options.(string)
		if o.Matcher.ID == "byRegexp" && jsRegexp(t, pattern).MatchString("healthy"+pkgframes.GrowthBaseSuffix) &&
			!jsRegexp(t, pattern).MatchString("healthy"+pkgframes.GrowthCurrentSuffix) {
			for _, property := range o.Properties {
				dashed = dashed || property.ID == "custom.lineStyle"
			}
		}
	}
	if !dashed {
		t.Errorf("live panel: no override gives the base size (fields ending %q) its own line style", pkgframes.GrowthBaseSuffix)
	}
}

// checkGrowthSample checks a live target's answer outside the browser: one growth sample, with a
// current size, base size and status for each selected node, labelled with it.
func checkGrowthSample(t *testing.T, p panel, response backend.DataResponse, values []string) {
	t.Helper()
	if len(response.Frames) != 1 || response.Frames[0].Name != "growth" || response.Frames[0].Rows() != 1 {
		t.Fatalf("panel %q for %v: want one growth frame with one sample, got %d frames", p.Title, values, len(response.Frames))
	}
	frame := response.Frames[0]
	if len(frame.Fields) != 1+3*len(values) || frame.Fields[0].Type() != data.FieldTypeTime {
		t.Fatalf("panel %q for %v: %d fields; want the time and three per node", p.Title, values, len(frame.Fields))
	}
	for _, node := range values {
		for _, suffix := range []string{pkgframes.GrowthCurrentSuffix, pkgframes.GrowthBaseSuffix, pkgframes.GrowthStatusSuffix} {
			f, _ := frame.FieldByName(node + suffix)
			if f == nil || f.Labels["node"] != node {
				t.Errorf("panel %q: no field %q labelled with node %s", p.Title, node+suffix, node)
			}
		}
	}
}

// --- alert rules --------------------------------------------------------------------------------

type alertQuery struct {
	RefID             string `yaml:"refId"`
	QueryType         string `yaml:"queryType"`
	DatasourceUID     string `yaml:"datasourceUid"`
	RelativeTimeRange struct {
		From int64 `yaml:"from"`
		To   int64 `yaml:"to"`
	} `yaml:"relativeTimeRange"`
	Model map[string]any `yaml:"model"`
}

type alertRule struct {
	UID          string            `yaml:"uid"`
	Title        string            `yaml:"title"`
	Condition    string            `yaml:"condition"`
	Data         []alertQuery      `yaml:"data"`
	For          string            `yaml:"for"`
	NoDataState  string            `yaml:"noDataState"`
	ExecErrState string            `yaml:"execErrState"`
	Labels       map[string]string `yaml:"labels"`
	Annotations  map[string]string `yaml:"annotations"`
}

type alertGroup struct {
	OrgID    int64       `yaml:"orgId"`
	Name     string      `yaml:"name"`
	Folder   string      `yaml:"folder"`
	Interval string      `yaml:"interval"`
	Rules    []alertRule `yaml:"rules"`
}

func loadAlertRules(t *testing.T) alertGroup {
	t.Helper()
	var file struct {
		APIVersion int          `yaml:"apiVersion"`
		Groups     []alertGroup `yaml:"groups"`
	}
	if err := yaml.Unmarshal(readRepoFile(t, alertingFile), &file); err != nil {
		t.Fatalf("%s: %v", alertingFile, err)
	}
	if file.APIVersion != 1 || len(file.Groups) != 1 {
		t.Fatalf("%s: want apiVersion 1 and one rule group", alertingFile)
	}
	return file.Groups[0]
}

// query, reduce and threshold of one rule, checked while they are picked out.
type rulePipeline struct {
	rule      alertRule
	query     alertQuery
	metric    models.Metric
	mode      string  // reduce mode: "" (strict), dropNN, replaceNN
	replace   float64 // replaceNN's value
	evaluator string  // lt, gt
	threshold float64
}

func pipelineOf(t *testing.T, rule alertRule) rulePipeline {
	t.Helper()
	if len(rule.Data) != 3 {
		t.Fatalf("rule %q: want query A, reduce B, threshold C; got %d data items", rule.Title, len(rule.Data))
	}
	a, b, c := rule.Data[0], rule.Data[1], rule.Data[2]
	p := rulePipeline{rule: rule, query: a}
	if a.RefID != "A" || a.DatasourceUID != pinnedUID || a.QueryType != string(models.QueryAlerting) || a.Model["queryType"] != a.QueryType || a.Model["refId"] != "A" {
		t.Fatalf("rule %q: query %+v; want refId A on %s with queryType alerting (top level and model)", rule.Title, a, pinnedUID)
	}
	if a.RelativeTimeRange.From <= a.RelativeTimeRange.To {
		t.Fatalf("rule %q: relativeTimeRange %+v is invalid for a data source query (from must exceed to)", rule.Title, a.RelativeTimeRange)
	}
	if nodes, _ := a.Model["nodes"].([]any); len(nodes) != 0 {
		t.Fatalf("rule %q: the alert query filters nodes %v; rules must watch every node (no dashboard variables in alerting)", rule.Title, nodes)
	}
	metric, _ := a.Model["metric"].(string)
	if !slices.Contains(models.Metrics, models.Metric(metric)) {
		t.Fatalf("rule %q: metric %q is not one of %v (an empty metric returns every series)", rule.Title, metric, models.Metrics)
	}
	p.metric = models.Metric(metric)
	if b.RefID != "B" || b.DatasourceUID != exprDatasource || b.Model["type"] != "reduce" || b.Model["expression"] != "A" || b.Model["reducer"] != "last" {
		t.Fatalf("rule %q: B = %+v; want reduce(last) of A", rule.Title, b)
	}
	if settings, ok := b.Model["settings"].(map[string]any); ok {
		p.mode, _ = settings["mode"].(string)
		if p.mode == "replaceNN" {
			value, isNumber := settings["replaceWithValue"].(float64)
			if !isNumber {
				if i, isInt := settings["replaceWithValue"].(int); isInt {
					value, isNumber = float64(i), true
				}
			}
			if !isNumber {
				t.Fatalf("rule %q: replaceNN needs a numeric replaceWithValue, got %v", rule.Title, settings["replaceWithValue"])
			}
			p.replace = value
		}
	}
	conditions, _ := c.Model["conditions"].([]any)
	if c.RefID != "C" || c.DatasourceUID != exprDatasource || c.Model["type"] != "threshold" || c.Model["expression"] != "B" || len(conditions) != 1 || rule.Condition != "C" {
		t.Fatalf("rule %q: C = %+v, condition %q; want the condition C = one threshold on B", rule.Title, c, rule.Condition)
	}
	evaluator, _ := conditions[0].(map[string]any)["evaluator"].(map[string]any)
	p.evaluator, _ = evaluator["type"].(string)
	params, _ := evaluator["params"].([]any)
	if (p.evaluator != "lt" && p.evaluator != "gt") || len(params) != 1 {
		t.Fatalf("rule %q: evaluator %v; want lt or gt with one parameter", rule.Title, evaluator)
	}
	switch v := params[0].(type) {
	case int:
		p.threshold = float64(v)
	case float64:
		p.threshold = v
	default:
		t.Fatalf("rule %q: threshold %v is not a number", rule.Title, params[0])
	}
	return p
}

// State is an alert instance's evaluation result, as Grafana's ngalert/eval names them.
type State string

const (
	Normal   State = "Normal"
	Alerting State = "Alerting"
	NoData   State = "NoData"
)

// evaluate models what Grafana does with one node's value. It follows Grafana's source:
//   - reduce: Grafana 11/12 apply the mode's mapper to a number that is already reduced (replaceNN
//     swaps null and NaN for its value, dropNN drops the instance); Grafana 10 passes the number
//     through untouched (grafana10).
//   - threshold is math ("$B < 1"): null stays null, NaN stays NaN.
//   - eval: null -> NoData (then noDataState decides), 0 -> Normal, anything else (NaN too!) ->
//     Alerting.
//
// present is false when the instance was dropped from the results.
func (p rulePipeline) evaluate(value *float64, grafana10 bool) (state State, present bool) {
	if !grafana10 && p.mode != "" && (value == nil || math.IsNaN(*value)) {
		if p.mode == "dropNN" {
			return "", false
		}
		replaced := p.replace
		value = &replaced
	}
	if value == nil {
		switch p.rule.NoDataState {
		case "OK":
			return Normal, true
		case "Alerting":
			return Alerting, true
		}
		return NoData, true
	}
	if math.IsNaN(*value) {
		return Alerting, true
	}
	fires := (p.evaluator == "lt" && *value < p.threshold) || (p.evaluator == "gt" && *value > p.threshold)
	if fires {
		return Alerting, true
	}
	return Normal, true
}

func TestAlertRulesStructure(t *testing.T) {
	group := loadAlertRules(t)
	if group.Folder != "Redis" || group.Name == "" || group.OrgID != 1 {
		t.Fatalf("group %q folder %q org %d; want a named group in folder Redis, org 1", group.Name, group.Folder, group.OrgID)
	}
	interval, err := time.ParseDuration(group.Interval)
	if err != nil || interval < 10*time.Second || interval%(10*time.Second) != 0 {
		t.Fatalf("interval %q: Grafana's scheduler needs a multiple of its 10s base interval", group.Interval)
	}
	wantMetrics := map[models.Metric]string{
		models.MetricRewriteOK:           "warning",
		models.MetricConsecutiveFailures: "high",
		models.MetricWriteOK:             "critical",
		models.MetricNodeUp:              "high",
	}
	uids := map[string]bool{}
	for _, rule := range group.Rules {
		if rule.UID == "" || uids[rule.UID] || len(rule.UID) > 40 {
			t.Errorf("rule %q: uid %q must be set, unique and at most 40 characters", rule.Title, rule.UID)
		}
		uids[rule.UID] = true
		p := pipelineOf(t, rule)
		severity, wanted := wantMetrics[p.metric]
		if !wanted {
			t.Errorf("rule %q: unexpected metric %s", rule.Title, p.metric)
			continue
		}
		delete(wantMetrics, p.metric)
		if rule.Labels["severity"] != severity {
			t.Errorf("rule %q: severity %q, want %q", rule.Title, rule.Labels["severity"], severity)
		}
		if _, err := time.ParseDuration(rule.For); err != nil {
			t.Errorf("rule %q: for %q: %v", rule.Title, rule.For, err)
		}
		if !slices.Contains([]string{"OK", "NoData", "Alerting"}, rule.NoDataState) || !slices.Contains([]string{"OK", "Error", "Alerting"}, rule.ExecErrState) {
			t.Errorf("rule %q: noDataState %q execErrState %q are not values Grafana 10 to 12 all accept", rule.Title, rule.NoDataState, rule.ExecErrState)
		}
		if rule.ExecErrState != "Error" {
			t.Errorf("rule %q: execErrState %q; want Error, so a firing alert is never reported resolved while the query cannot run", rule.Title, rule.ExecErrState)
		}
		for _, key := range []string{"summary", "description"} {
			text := rule.Annotations[key]
			if !strings.Contains(text, "{{ $labels.node }}") || !strings.Contains(text, "{{ $labels.instance }}") {
				t.Errorf("rule %q: annotation %s must name the node and its address: %q", rule.Title, key, text)
			}
		}
		// Whatever the Grafana version, a null or NaN value must never fire. node_up is never null
		// (checked against real servers below); should Grafana 10 ever see a null there, its
		// rule's noDataState NoData makes that visible on purpose.
		nan := math.NaN()
		for _, grafana10 := range []bool{false, true} {
			for _, value := range []*float64{nil, &nan} {
				if value != nil && grafana10 {
					continue // the backend never sends NaN; Grafana 10 would fire on it
				}
				if value == nil && grafana10 && p.metric == models.MetricNodeUp {
					continue
				}
				if state, present := p.evaluate(value, grafana10); present && state != Normal {
					t.Errorf("rule %q (grafana10=%v): value %v evaluates to %s; it must never fire", rule.Title, grafana10, value, state)
				}
			}
		}
		if p.metric == models.MetricConsecutiveFailures {
			below, at := float64(stuckAfter-1), float64(stuckAfter)
			if s, _ := p.evaluate(&below, false); s != Normal {
				t.Errorf("stuck rule fires at %v failures; the backend calls %d stuck", below, stuckAfter)
			}
			if s, _ := p.evaluate(&at, false); s != Alerting {
				t.Errorf("stuck rule does not fire at %v failures", at)
			}
		}
	}
	if len(wantMetrics) != 0 {
		t.Fatalf("no rule for %v", wantMetrics)
	}
}

// --- through the real backend -------------------------------------------------------------------

type liveDatasource struct {
	t       *testing.T
	handler backend.QueryDataHandler
	names   []string          // configured node names, in order
	address map[string]string // node name -> address
}

func newLiveDatasource(t *testing.T, settings backend.DataSourceInstanceSettings) *liveDatasource {
	t.Helper()
	instance, err := plugin.NewDatasource(context.Background(), settings)
	if err != nil {
		t.Fatal(err)
	}
	if disposer, ok := instance.(instancemgmt.InstanceDisposer); ok {
		t.Cleanup(disposer.Dispose)
	}
	var stored struct {
		Nodes []struct{ Name, Address string } `json:"nodes"`
	}
	if err := json.Unmarshal(settings.JSONData, &stored); err != nil {
		t.Fatal(err)
	}
	live := &liveDatasource{t: t, handler: instance.(backend.QueryDataHandler), address: map[string]string{}}
	for _, n := range stored.Nodes {
		live.names = append(live.names, n.Name)
		live.address[n.Name] = n.Address
	}
	return live
}

func (l *liveDatasource) query(queryType string, model map[string]any) backend.DataResponse {
	l.t.Helper()
	raw, err := json.Marshal(model)
	if err != nil {
		l.t.Fatal(err)
	}
	response, err := l.handler.QueryData(context.Background(), &backend.QueryDataRequest{
		Queries: []backend.DataQuery{{RefID: "A", QueryType: queryType, JSON: raw, TimeRange: backend.TimeRange{From: time.Now().Add(-10 * time.Minute), To: time.Now()}}},
	})
	if err != nil {
		l.t.Fatalf("QueryData(%s): %v", queryType, err)
	}
	return response.Responses["A"]
}

// interpolate replaces $node in a target's node filter the way the frontend does for one repeat
// (values = one node) or for "All" (values = every node).
func interpolate(t *testing.T, target map[string]any, values []string) map[string]any {
	t.Helper()
	out := map[string]any{}
	for k, v := range target {
		out[k] = v
	}
	var nodes []string
	entries, _ := target["nodes"].([]any)
	for _, entry := range entries {
		text := fmt.Sprint(entry)
		switch {
		case text == "$"+nodeVariable || text == "${"+nodeVariable+"}":
			nodes = append(nodes, values...)
		case strings.Contains(text, "$"):
			t.Fatalf("target %v uses an unknown variable %q", target, text)
		default:
			nodes = append(nodes, text)
		}
	}
	out["nodes"] = nodes
	return out
}

func fieldValue(t *testing.T, frame *data.Frame, field string, row int) any {
	t.Helper()
	f, _ := frame.FieldByName(field)
	if f == nil {
		t.Fatalf("frame %q has no field %q", frame.Name, field)
	}
	if v, ok := f.ConcreteAt(row); ok {
		return v
	}
	return nil
}

func rowOf(t *testing.T, frame *data.Frame, node string) int {
	t.Helper()
	for i := 0; i < frame.Rows(); i++ {
		if fieldValue(t, frame, "node", i) == node {
			return i
		}
	}
	t.Fatalf("frame %q has no row for node %q", frame.Name, node)
	return -1
}

// checkPanel runs one panel's targets for the given node values and checks the frame has what
// the panel shows. It returns the frames of the first target.
func checkPanel(t *testing.T, live *liveDatasource, p panel, values []string) data.Frames {
	t.Helper()
	var first data.Frames
	for i, target := range p.Targets {
		model := interpolate(t, target, values)
		response := live.query(fmt.Sprint(target["queryType"]), model)
		if response.Error != nil {
			t.Fatalf("panel %q for %v: %v", p.Title, values, response.Error)
		}
		if isLive, _ := target["live"].(bool); isLive {
			// The browser streams this target; through /api/ds/query it answers one sample.
			checkGrowthSample(t, p, response, values)
			if i == 0 {
				first = response.Frames
			}
			continue
		}
		if len(response.Frames) != 1 || response.Frames[0].Rows() != len(values) {
			t.Fatalf("panel %q for %v: want one frame with a row per node, got %d frames", p.Title, values, len(response.Frames))
		}
		frame := response.Frames[0]
		if i == 0 {
			first = response.Frames
		}
		// Every field a panel configures by name must exist: a renamed backend field would leave
		// the panel silently empty.
		display := map[string]string{}
		for _, f := range frame.Fields {
			display[f.Name] = f.Name
			if f.Config != nil && f.Config.DisplayName != "" {
				display[f.Name] = f.Config.DisplayName
			}
		}
		configured := p.overriddenFields()
		for name, displayName := range configured {
			if _, ok := display[name]; !ok {
				t.Errorf("panel %q configures field %q, which the %s frame does not have", p.Title, name, frame.Name)
			}
			if displayName != "" {
				display[name] = displayName
			}
		}
		for _, transformation := range p.Transformations {
			for _, key := range []string{"excludeByName", "indexByName", "renameByName"} {
				names, _ := transformation.Options[key].(map[string]any)
				for name := range names {
					if _, ok := display[name]; !ok {
						t.Errorf("panel %q: transformation %s names field %q, which the %s frame does not have", p.Title, transformation.ID, name, frame.Name)
					}
				}
			}
		}
		// A stat panel shows the fields whose display name matches reduceOptions.fields (Grafana's
		// byRegexp matcher tests the display name): exactly the fields it configures.
		if p.Type == "stat" {
			re := jsRegexp(t, p.Options.ReduceOptions.Fields)
			var shown, want []string
			for name, displayName := range display {
				if re.MatchString(displayName) {
					shown = append(shown, name)
				}
			}
			for name := range configured {
				want = append(want, name)
			}
			sort.Strings(shown)
			sort.Strings(want)
			if !slices.Equal(shown, want) {
				t.Errorf("stat %q: reduceOptions.fields %q shows fields %v, want %v", p.Title, p.Options.ReduceOptions.Fields, shown, want)
			}
		}
	}
	return first
}

type fleet struct {
	healthy, failing, aofOff *redistest.Server
}

// startFleet drives three real servers into the provisioned nodes' states: a successful rewrite,
// two rewrites in a row whose child was killed (err, stuck), and AOF switched off after a failed
// rewrite (INFO still prints the stale err).
func startFleet(t *testing.T) fleet {
	t.Helper()
	f := fleet{
		healthy: redistest.Start(t, redistest.Options{}),
		failing: redistest.Start(t, redistest.Options{}),
		aofOff:  redistest.Start(t, redistest.Options{}),
	}
	f.healthy.RewriteOK(t)
	f.failing.RewriteErrStreak(t, stuckAfter)
	f.aofOff.RewriteErrKilledChild(t)
	f.aofOff.DisableAOF(t)
	return f
}

func (f fleet) env() map[string]string {
	return map[string]string{
		"REDIS_HEALTHY_ADDR":          f.healthy.Addr,
		"REDIS_FAILING_REWRITES_ADDR": f.failing.Addr,
		"REDIS_AOF_OFF_ADDR":          f.aofOff.Addr,
		"REDIS_PASSWORD":              "", // may be empty: no AUTH
	}
}

// alertValues runs a rule's query and returns each node's value, checking the dataplane shape
// Grafana's alerting needs.
func alertValues(t *testing.T, live *liveDatasource, p rulePipeline) map[string]*float64 {
	t.Helper()
	response := live.query(p.query.QueryType, p.query.Model)
	if response.Error != nil {
		t.Fatalf("rule %q: %v", p.rule.Title, response.Error)
	}
	values := map[string]*float64{}
	for _, frame := range response.Frames {
		if frame.Meta == nil || frame.Meta.Type != data.FrameTypeNumericMulti || frame.Meta.TypeVersion.IsZero() {
			t.Fatalf("rule %q: frame %q is not dataplane numeric-multi with a version: %+v", p.rule.Title, frame.Name, frame.Meta)
		}
		if len(frame.Fields) != 1 || frame.Rows() != 1 || frame.Fields[0].Type() != data.FieldTypeNullableFloat64 {
			t.Fatalf("rule %q: frame %q is not one nullable number", p.rule.Title, frame.Name)
		}
		labels := frame.Fields[0].Labels
		node := labels["node"]
		if labels["instance"] != live.address[node] || labels["role"] == "" {
			t.Fatalf("rule %q: labels %v; want node, its instance address and a role", p.rule.Title, labels)
		}
		if _, dup := values[node]; dup {
			t.Fatalf("rule %q: two series for node %q", p.rule.Title, node)
		}
		values[node] = frame.Fields[0].At(0).(*float64)
		if p.metric == models.MetricNodeUp && values[node] == nil {
			t.Fatalf("rule %q: node_up is null for %s; it must always be 1 or 0", p.rule.Title, node)
		}
	}
	if len(values) != len(live.names) {
		t.Fatalf("rule %q: %d series for %d nodes", p.rule.Title, len(values), len(live.names))
	}
	return values
}

// firing evaluates a rule for every node, in both Grafana models, and returns the firing nodes.
func firing(t *testing.T, p rulePipeline, values map[string]*float64) []string {
	t.Helper()
	var result []string
	for node, value := range values {
		modern, present := p.evaluate(value, false)
		legacy, _ := p.evaluate(value, true)
		if !present || modern != legacy {
			t.Errorf("rule %q, node %s, value %s: Grafana 11/12 say %s (present %v), Grafana 10 says %s", p.rule.Title, node, show(value), modern, present, legacy)
		}
		if value == nil && (modern != Normal || legacy != Normal) {
			t.Errorf("rule %q, node %s: null evaluates to %s", p.rule.Title, node, modern)
		}
		if modern == Alerting {
			result = append(result, node)
		}
	}
	sort.Strings(result)
	return result
}

func show(v *float64) string {
	if v == nil {
		return "null"
	}
	return fmt.Sprint(*v)
}

func TestProvisionedFilesAgainstRealRedis(t *testing.T) {
	f := startFleet(t)
	live := newLiveDatasource(t, instanceSettings(t, loadDatasourceFile(t), f.env()))
	if !slices.Equal(live.names, []string{"healthy", "failing-rewrites", "aof-off"}) {
		t.Fatalf("configured nodes %v", live.names)
	}

	t.Run("dashboard", func(t *testing.T) {
		wantStatus := map[string]string{"healthy": "ok", "failing-rewrites": "err", "aof-off": "n/a"}
		for _, p := range loadDashboard(t).dataPanels() {
			repeats := [][]string{live.names} // "All"
			if p.repeatedBy == nodeVariable {
				repeats = nil
				for _, name := range live.names {
					repeats = append(repeats, []string{name})
				}
			}
			for _, values := range repeats {
				frames := checkPanel(t, live, p, values)
				frame := frames[0]
				switch {
				case p.Title == cardPanelTitle:
					node := values[0]
					if got := fieldValue(t, frame, "status", 0); got != wantStatus[node] {
						t.Errorf("card for %s shows %v, want %s (reason: %v)", node, got, wantStatus[node], fieldValue(t, frame, "reason", 0))
					}
					if fieldValue(t, frame, "rewrite_in_progress", 0) != false {
						t.Errorf("card for %s: a rewrite is reported running", node)
					}
				case p.Title == livePanelTitle:
					for _, node := range values {
						status := fieldValue(t, frame, node+pkgframes.GrowthStatusSuffix, 0)
						current := fieldValue(t, frame, node+pkgframes.GrowthCurrentSuffix, 0)
						if status != wantStatus[node] || (status == "ok" || status == "err") != (current != nil) {
							t.Errorf("live growth for %s: status %v, current size %v; want %s, with a size exactly when AOF is on", node, status, current, wantStatus[node])
						}
					}
				case frame.Name == "siblings":
					for _, node := range values {
						row := rowOf(t, frame, node)
						for _, field := range []string{"uptime", "used_memory", "mem_fragmentation_ratio", "connected_replicas", "last_rdb_save_age", "rdb_last_bgsave_status"} {
							if fieldValue(t, frame, field, row) == nil {
								t.Errorf("siblings for %s: %s is empty", node, field)
							}
						}
					}
				}
			}
		}
	})

	group := loadAlertRules(t)
	want := map[models.Metric]map[string]*float64{
		models.MetricRewriteOK:           {"healthy": ptr(1), "failing-rewrites": ptr(0), "aof-off": nil},
		models.MetricConsecutiveFailures: {"healthy": ptr(0), "failing-rewrites": ptr(stuckAfter), "aof-off": nil},
		models.MetricWriteOK:             {"healthy": ptr(1), "failing-rewrites": ptr(1), "aof-off": nil},
		models.MetricNodeUp:              {"healthy": ptr(1), "failing-rewrites": ptr(1), "aof-off": ptr(1)},
	}
	wantFiring := map[models.Metric][]string{
		models.MetricRewriteOK:           {"failing-rewrites"},
		models.MetricConsecutiveFailures: {"failing-rewrites"},
		models.MetricWriteOK:             nil,
		models.MetricNodeUp:              nil,
	}
	t.Run("alert rules", func(t *testing.T) {
		for _, rule := range group.Rules {
			p := pipelineOf(t, rule)
			values := alertValues(t, live, p)
			for node, value := range values {
				if show(value) != show(want[p.metric][node]) {
					t.Errorf("rule %q: %s = %s, want %s", rule.Title, node, show(value), show(want[p.metric][node]))
				}
			}
			if got := firing(t, p, values); !slices.Equal(got, wantFiring[p.metric]) {
				t.Errorf("rule %q fires for %v, want %v", rule.Title, got, wantFiring[p.metric])
			}
		}
	})

	// Every rule firing for its own cause: a closed port (unreachable) and a server whose AOF
	// appends fail (write err) join the provisioned nodes, and a rewrite starts on the failing node.
	t.Run("every rule fires for its cause", func(t *testing.T) {
		writeErr := redistest.Start(t, redistest.Options{FileSizeLimitKB: 256})
		writeErr.WriteErr(t)
		down := redistest.ClosedAddr(t)
		f.failing.HoldRewriteInProgress(t)
		live := newLiveDatasource(t, instanceSettings(t, loadDatasourceFile(t), f.env(),
			map[string]any{"name": "down", "address": down},
			map[string]any{"name": "write-err", "address": writeErr.Addr}))

		// The card keeps the previous attempt's result while the rewrite runs...
		card := live.query(string(models.QueryCard), map[string]any{"nodes": []string{"failing-rewrites"}})
		if card.Error != nil || fieldValue(t, card.Frames[0], "status", 0) != "err" || fieldValue(t, card.Frames[0], "rewrite_in_progress", 0) != true {
			t.Fatalf("card for a failing node with a rewrite running: %v", card.Error)
		}
		// ...so the rewrite alert does not resolve early.
		wantFiring := map[models.Metric][]string{
			models.MetricRewriteOK:           {"failing-rewrites"},
			models.MetricConsecutiveFailures: {"failing-rewrites"},
			models.MetricWriteOK:             {"write-err"},
			models.MetricNodeUp:              {"down"},
		}
		for _, rule := range group.Rules {
			p := pipelineOf(t, rule)
			values := alertValues(t, live, p)
			if got := firing(t, p, values); !slices.Equal(got, wantFiring[p.metric]) {
				t.Errorf("rule %q fires for %v, want %v (values %v)", rule.Title, got, wantFiring[p.metric], showAll(values))
			}
			if p.metric != models.MetricNodeUp && values["down"] != nil {
				t.Errorf("rule %q: the unreachable node has value %s, want null", rule.Title, show(values["down"]))
			}
		}
	})
}

func showAll(values map[string]*float64) string {
	parts := make([]string, 0, len(values))
	for node, v := range values {
		parts = append(parts, node+"="+show(v))
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}

func ptr(v float64) *float64 { return &v }
