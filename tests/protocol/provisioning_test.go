package protocol

// The provisioned files (data source, dashboard, alert rules) are read as files, parsed strictly
// by Grafana's published types, and their variables expanded as Grafana expands them. Then every
// dashboard target and every alert-rule query goes through the plugin executable under the
// plugin host (go-plugin, gRPC, protocol v2, as Grafana starts it) against real redis-server
// processes in each state the card shows. Alert frames are read with Grafana's dataplane reader,
// the one its server-side expressions use.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-openapi/strfmt"
	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	fdashboard "github.com/grafana/grafana-foundation-sdk/go/dashboard"
	alertmodels "github.com/grafana/grafana-openapi-client-go/models"
	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"go.yaml.in/yaml/v3"

	"github.com/persistwatch/redis-persistence-datasource/internal/pluginhost"
	pkgframes "github.com/persistwatch/redis-persistence-datasource/pkg/frames"
	"github.com/persistwatch/redis-persistence-datasource/pkg/models"
)

const (
	repoRoot           = "../.."
	pinnedUID          = "redis-persistence"
	dashboardUID       = "redis-persistence-aof"
	bundledDashboard   = "src/dashboards/redis-persistence.json"
	provisionedDash    = "provisioning/dashboards/redis-persistence.json"
	datasourcesFile    = "provisioning/datasources/datasources.yml"
	dashboardsFile     = "provisioning/dashboards/dashboards.yml"
	alertingFile       = "provisioning/alerting/redis-persistence.yml"
	nodeVariable       = "node"
	datasourceVariable = "datasource"
	cardPanelTitle     = "Last AOF Rewrite Status"
	livePanelTitle     = "Live AOF growth"
	exprDatasource     = "__expr__"
)

// The demo nodes, in the order the data source lists them, and the variable each address comes
// from. docker-compose.yaml and the local demo use the same names (tools/composecheck checks
// the compose side).
var demoNodes = []struct{ name, env string }{
	{"healthy", "REDIS_HEALTHY_ADDR"},
	{"failing-rewrites", "REDIS_FAILING_REWRITES_ADDR"},
	{"aof-off", "REDIS_AOF_OFF_ADDR"},
}

func readRepoFile(t testing.TB, path string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot, path))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// decodeYAMLStrictly rejects fields the target does not know, as a strict provisioning reader must.
func decodeYAMLStrictly(t *testing.T, path string, target any) {
	t.Helper()
	decoder := yaml.NewDecoder(bytes.NewReader(readRepoFile(t, path)))
	decoder.KnownFields(true)
	if err := decoder.Decode(target); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// --- Grafana's provisioning interpolation -------------------------------------------------

// variableName is what Grafana's provisioning expands: os.Expand hands "VAR:-default" whole to
// the mapping, and Grafana has no default form, so such a value silently becomes "".
var variableName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// expandLikeGrafana expands a parsed provisioning document as Grafana does, from env.
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

type provisionedDatasourceFile struct {
	Name           string         `yaml:"name"`
	Type           string         `yaml:"type"`
	UID            string         `yaml:"uid"`
	Access         string         `yaml:"access"`
	OrgID          int64          `yaml:"orgId"`
	IsDefault      bool           `yaml:"isDefault"`
	Editable       bool           `yaml:"editable"`
	JSONData       map[string]any `yaml:"jsonData"`
	SecureJSONData map[string]any `yaml:"secureJsonData"`
}

func loadDatasourceFile(t *testing.T) provisionedDatasourceFile {
	t.Helper()
	var file struct {
		APIVersion  int                         `yaml:"apiVersion"`
		Datasources []provisionedDatasourceFile `yaml:"datasources"`
	}
	decodeYAMLStrictly(t, datasourcesFile, &file)
	if file.APIVersion != 1 || len(file.Datasources) != 1 {
		t.Fatalf("%s: want apiVersion 1 and exactly one data source, got %d and %d", datasourcesFile, file.APIVersion, len(file.Datasources))
	}
	return file.Datasources[0]
}

// pluginContext is what Grafana hands the plugin for the provisioned data source, given env;
// extraNodes join the provisioned ones for states the demo trio does not show.
func pluginContext(t *testing.T, ds provisionedDatasourceFile, env map[string]string, extraNodes ...map[string]any) backend.PluginContext {
	t.Helper()
	jsonData := expandLikeGrafana(t, ds.JSONData, env).(map[string]any)
	nodes := slices.Clone(jsonData["nodes"].([]any))
	for _, extra := range extraNodes {
		nodes = append(nodes, extra)
	}
	jsonData["nodes"] = nodes
	rawJSON, err := json.Marshal(jsonData)
	if err != nil {
		t.Fatal(err)
	}
	secure := map[string]string{}
	for key, value := range expandLikeGrafana(t, ds.SecureJSONData, env).(map[string]any) {
		secure[key] = fmt.Sprint(value)
	}
	return backend.PluginContext{
		PluginID: ds.Type,
		User:     &backend.User{Login: "admin", Role: "Admin"},
		DataSourceInstanceSettings: &backend.DataSourceInstanceSettings{
			ID: 1, UID: ds.UID, Name: ds.Name, Type: ds.Type, JSONData: rawJSON, DecryptedSecureJSONData: secure,
			Updated: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		},
	}
}

func TestProvisionedDatasource(t *testing.T) {
	var meta struct {
		ID         string `json:"id"`
		Executable string `json:"executable"`
	}
	if err := json.Unmarshal(readRepoFile(t, "src/plugin.json"), &meta); err != nil || meta.ID != pluginhost.PluginID || meta.Executable != executable {
		t.Fatalf("src/plugin.json id %q executable %q (%v); the host starts %s as %s", meta.ID, meta.Executable, err, executable, pluginhost.PluginID)
	}
	ds := loadDatasourceFile(t)
	if ds.UID != pinnedUID || ds.Type != pluginhost.PluginID || ds.Name != "Redis Persistence" || ds.Access != "proxy" {
		t.Fatalf("data source = %q type %q uid %q access %q; want \"Redis Persistence\", %s, %s, proxy", ds.Name, ds.Type, ds.UID, ds.Access, pluginhost.PluginID, pinnedUID)
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

// --- Grafana's published types -------------------------------------------------------------

// strictDashboard parses a dashboard with the Grafana Foundation SDK's strict decoder (unknown
// fields and wrong types are errors, panel options included) and its Validate.
func strictDashboard(raw []byte) error {
	plugins.RegisterDefaultPlugins()
	var d fdashboard.Dashboard //nolint:staticcheck // the file provider reads the v1 dashboard JSON, not dashboardv2
	// UnmarshalJSONStrict returns a (possibly empty) list of errors as its error.
	if err := d.UnmarshalJSONStrict(raw); err != nil && err.Error() != "" {
		return err
	}
	return d.Validate()
}

// strictAlertFile parses an alert-rule provisioning file into the Grafana OpenAPI client's
// AlertingFileExport, the file's own shape, rejecting unknown fields, then validates it.
func strictAlertFile(raw []byte) (*alertmodels.AlertingFileExport, error) {
	var document any
	if err := yaml.Unmarshal(raw, &document); err != nil {
		return nil, err
	}
	asJSON, err := json.Marshal(document)
	if err != nil {
		return nil, err
	}
	decoder := json.NewDecoder(bytes.NewReader(asJSON))
	decoder.DisallowUnknownFields()
	var file alertmodels.AlertingFileExport
	if err := decoder.Decode(&file); err != nil {
		return nil, err
	}
	return &file, file.Validate(strfmt.Default)
}

func TestProvisioningParsesWithGrafanasTypes(t *testing.T) {
	t.Run("dashboard", func(t *testing.T) {
		raw := readRepoFile(t, provisionedDash)
		if err := strictDashboard(raw); err != nil {
			t.Fatalf("%s: %v", provisionedDash, err)
		}
		// The decoder really is strict: an unknown field at the top and one inside a panel fail.
		for _, broken := range []string{
			strings.Replace(string(raw), `"uid": "redis-persistence-aof"`, `"uid": "redis-persistence-aof", "uidd": 1`, 1),
			strings.Replace(string(raw), `"colorMode": "background"`, `"colorMode": "background", "colourMode": "x"`, 1),
		} {
			if broken == string(raw) {
				t.Fatal("the dashboard no longer has the text this check edits")
			}
			if err := strictDashboard([]byte(broken)); err == nil {
				t.Errorf("a dashboard with an unknown field parsed without error")
			}
		}
	})
	t.Run("recording rules example", func(t *testing.T) {
		if rules := loadRecordingRules(t); len(rules) < 2 {
			t.Errorf("the example records %d metrics; want at least the AOF sizes", len(rules))
		}
	})
	t.Run("alert rules", func(t *testing.T) {
		raw := readRepoFile(t, alertingFile)
		if _, err := strictAlertFile(raw); err != nil {
			t.Fatalf("%s: %v", alertingFile, err)
		}
		for _, broken := range []string{
			strings.Replace(string(raw), "noDataState: OK", "noDataState: Fine", 1),
			strings.Replace(string(raw), "execErrState: Error", "execErrState: Error\n        execErrorState: Error", 1),
		} {
			if broken == string(raw) {
				t.Fatal("the rule file no longer has the text this check edits")
			}
			if _, err := strictAlertFile([]byte(broken)); err == nil {
				t.Errorf("a rule file with an unknown field or an invalid state parsed without error")
			}
		}
	})
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
			Name       string          `json:"name"`
			Type       string          `json:"type"`
			Datasource *dsRef          `json:"datasource"`
			Query      map[string]any  `json:"-"`
			QueryText  string          `json:"-"`
			RawQuery   json.RawMessage `json:"query"`
			Current    struct {
				Value any `json:"value"`
			} `json:"current"`
			Multi      bool `json:"multi"`
			IncludeAll bool `json:"includeAll"`
		} `json:"list"`
	} `json:"templating"`
}

func loadDashboard(t testing.TB) dashboard {
	t.Helper()
	var d dashboard
	if err := json.Unmarshal(readRepoFile(t, bundledDashboard), &d); err != nil {
		t.Fatalf("%s: %v", bundledDashboard, err)
	}
	// A query variable's query is an object, a datasource variable's the plugin id.
	for i := range d.Templating.List {
		v := &d.Templating.List[i]
		if json.Unmarshal(v.RawQuery, &v.Query) != nil {
			_ = json.Unmarshal(v.RawQuery, &v.QueryText)
		}
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
	pluginType := pluginhost.PluginID
	// Every panel, target and the node variable use the data source variable, so the dashboard
	// works whatever uid the data source it is imported into has.
	pinned := func(where string, ref *dsRef) {
		if ref == nil || ref.UID != "${"+datasourceVariable+"}" || ref.Type != pluginType {
			t.Errorf("%s: datasource %+v, want {type %s, uid ${%s}}", where, ref, pluginType, datasourceVariable)
		}
	}
	if len(d.Templating.List) != 2 {
		t.Fatalf("want exactly the %q and %q variables, got %d variables", datasourceVariable, nodeVariable, len(d.Templating.List))
	}
	dsVariable, variable := d.Templating.List[0], d.Templating.List[1]
	if dsVariable.Name != datasourceVariable || dsVariable.Type != "datasource" || dsVariable.QueryText != pluginType || dsVariable.Current.Value != pinnedUID {
		t.Errorf("first variable %+v; want a %q variable of type datasource for %s, the provisioned uid %s by default", dsVariable, datasourceVariable, pluginType, pinnedUID)
	}
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

// evidenceRule says how each bundled rule's metric fires: flag metrics are 1 when the node
// reported the condition (node_up is 0 when the node did not answer), amount metrics are the age,
// ratio or count when judged and 0 otherwise. The threshold must separate exactly those values,
// and no reduce or math step may stand between query and threshold.
var evidenceRule = map[models.Metric]struct {
	evaluator string
	param     float64
	flag      bool // the value is 0 or 1
	severity  string
}{
	models.MetricRewriteFailing:       {"gt", 0, true, "warning"},
	models.MetricRewriteStuck:         {"gt", 0, true, "high"},
	models.MetricWriteFailing:         {"gt", 0, true, "critical"},
	models.MetricRDBSaveFailing:       {"gt", 0, true, "high"},
	models.MetricRDBUnsavedAge:        {"gt", 86400, false, "warning"},
	models.MetricRewriteOverdue:       {"gt", 2, false, "warning"},
	models.MetricDelayedFsyncIncrease: {"gt", 0, false, "warning"},
	models.MetricNodeUp:               {"lt", 1, true, "high"},
}

// bundledRule is one provisioned rule with its data source query picked out.
type bundledRule struct {
	rule   *alertmodels.AlertRuleExport
	query  *alertmodels.AlertQueryExport
	model  map[string]any
	metric models.Metric
}

func loadAlertRules(t *testing.T) (*alertmodels.AlertRuleGroupExport, []bundledRule) {
	t.Helper()
	file, err := strictAlertFile(readRepoFile(t, alertingFile))
	if err != nil {
		t.Fatalf("%s: %v", alertingFile, err)
	}
	if file.APIVersion != 1 || len(file.Groups) != 1 {
		t.Fatalf("%s: want apiVersion 1 and one group", alertingFile)
	}
	group := file.Groups[0]
	var rules []bundledRule
	for _, rule := range group.Rules {
		rules = append(rules, ruleOf(t, rule))
	}
	return group, rules
}

// ruleOf checks a rule's shape: query A of this data source for one metric, then a threshold on
// A that is the condition. Nothing else: no reduce, no math, so no step whose null or NaN handling
// differs between Grafana versions.
func ruleOf(t *testing.T, rule *alertmodels.AlertRuleExport) bundledRule {
	t.Helper()
	if len(rule.Data) != 2 {
		t.Fatalf("rule %q: %d data entries, want the query and its threshold", rule.Title, len(rule.Data))
	}
	query, threshold := rule.Data[0], rule.Data[1]
	model, _ := query.Model.(map[string]any)
	if query.RefID != "A" || query.DatasourceUID != pinnedUID || query.QueryType != string(models.QueryAlerting) || model["queryType"] != query.QueryType {
		t.Fatalf("rule %q: first entry %+v; want refId A, an alerting query of data source %s", rule.Title, query, pinnedUID)
	}
	if query.RelativeTimeRange == nil || query.RelativeTimeRange.From <= 0 {
		t.Errorf("rule %q: query A needs a relative time range", rule.Title)
	}
	tmodel, _ := threshold.Model.(map[string]any)
	if threshold.DatasourceUID != exprDatasource || tmodel["type"] != "threshold" || tmodel["expression"] != "A" || rule.Condition != threshold.RefID {
		t.Fatalf("rule %q: second entry %v with condition %q; want the condition to be a threshold on A", rule.Title, tmodel, rule.Condition)
	}
	metric := models.Metric(fmt.Sprint(model["metric"]))
	want, known := evidenceRule[metric]
	if !known {
		t.Fatalf("rule %q: metric %q is not one whose value is never null", rule.Title, metric)
	}
	conditions, _ := tmodel["conditions"].([]any)
	if len(conditions) != 1 {
		t.Fatalf("rule %q: %d threshold conditions, want one", rule.Title, len(conditions))
	}
	evaluator, _ := conditions[0].(map[string]any)["evaluator"].(map[string]any)
	params, _ := evaluator["params"].([]any)
	if evaluator["type"] != want.evaluator || len(params) != 1 || fmt.Sprint(params[0]) != fmt.Sprint(want.param) {
		t.Fatalf("rule %q: evaluator %v; want %s %v for %s", rule.Title, evaluator, want.evaluator, want.param, metric)
	}
	return bundledRule{rule: rule, query: query, model: model, metric: metric}
}

// The example recording rules: each records one metric's numeric-multi series under a valid
// Prometheus metric name.
const recordingRulesFile = "docs/examples/recording-rules.yml"

var prometheusName = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)

func loadRecordingRules(t *testing.T) []bundledRule {
	t.Helper()
	file, err := strictAlertFile(readRepoFile(t, recordingRulesFile))
	if err != nil {
		t.Fatalf("%s: %v", recordingRulesFile, err)
	}
	if len(file.Groups) != 1 || len(file.Groups[0].Rules) == 0 {
		t.Fatalf("%s: want one group of rules", recordingRulesFile)
	}
	var rules []bundledRule
	for _, rule := range file.Groups[0].Rules {
		if rule.Record == nil || !prometheusName.MatchString(rule.Record.Metric) || rule.Record.From != "A" || rule.Record.TargetDatasourceUID == "" || len(rule.Data) != 1 {
			t.Fatalf("rule %q: record %+v with %d data entries; want a Prometheus metric name recorded from query A", rule.Title, rule.Record, len(rule.Data))
		}
		query := rule.Data[0]
		model, _ := query.Model.(map[string]any)
		metric := models.Metric(fmt.Sprint(model["metric"]))
		if query.DatasourceUID != pinnedUID || query.QueryType != string(models.QueryAlerting) || !slices.Contains(models.Metrics, metric) || query.RelativeTimeRange == nil {
			t.Fatalf("rule %q: query %+v; want an alerting query of %s for one metric", rule.Title, query, pinnedUID)
		}
		rules = append(rules, bundledRule{rule: rule, query: query, model: model, metric: metric})
	}
	return rules
}

func TestAlertRulesStructure(t *testing.T) {
	group, rules := loadAlertRules(t)
	if group.Folder != "Redis" || group.Name == "" || group.OrgID != 1 {
		t.Fatalf("group %q folder %q org %d; want a named group in folder Redis, org 1", group.Name, group.Folder, group.OrgID)
	}
	interval, err := time.ParseDuration(group.Interval)
	if err != nil || interval < 10*time.Second || interval%(10*time.Second) != 0 {
		t.Fatalf("interval %q: Grafana's scheduler needs a multiple of its 10s base interval", group.Interval)
	}
	uncovered := map[models.Metric]bool{}
	for metric := range evidenceRule {
		uncovered[metric] = true
	}
	uids := map[string]bool{}
	for _, r := range rules {
		rule := r.rule
		if rule.UID == "" || uids[rule.UID] || len(rule.UID) > 40 {
			t.Errorf("rule %q: uid %q must be set, unique and at most 40 characters", rule.Title, rule.UID)
		}
		uids[rule.UID] = true
		if !uncovered[r.metric] {
			t.Errorf("rule %q: a second rule for %s", rule.Title, r.metric)
		}
		delete(uncovered, r.metric)
		if rule.Labels["severity"] != evidenceRule[r.metric].severity {
			t.Errorf("rule %q: severity %q, want %q", rule.Title, rule.Labels["severity"], evidenceRule[r.metric].severity)
		}
		if _, err := time.ParseDuration(rule.For); err != nil {
			t.Errorf("rule %q: for %q: %v", rule.Title, rule.For, err)
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
	}
	if len(uncovered) != 0 {
		t.Fatalf("no rule for %v", uncovered)
	}
	checkRulesLeadSomewhere(t, rules)
}

// checkRulesLeadSomewhere: each rule names a panel of the bundled dashboard, so Grafana shows the
// rule's state there and notifications link to it, and a runbook that ships with the plugin.
func checkRulesLeadSomewhere(t *testing.T, rules []bundledRule) {
	t.Helper()
	panels := map[int64]string{}
	for _, p := range loadDashboard(t).dataPanels() {
		panels[int64(p.ID)] = p.Title
	}
	runbookPrefix := "/public/plugins/" + pluginhost.PluginID + "/"
	unused := map[string]bool{}
	files, _ := filepath.Glob(filepath.Join(repoRoot, "src", "runbooks", "*.md"))
	for _, file := range files {
		unused["runbooks/"+filepath.Base(file)] = true
	}
	for _, r := range rules {
		rule := r.rule
		if rule.DashboardUID != dashboardUID || panels[rule.PanelID] == "" {
			t.Errorf("rule %q: dashboardUid %q panelId %d; want a panel of dashboard %s", rule.Title, rule.DashboardUID, rule.PanelID, dashboardUID)
		}
		runbook, found := strings.CutPrefix(rule.Annotations["runbook_url"], runbookPrefix)
		if !found || !unused[runbook] {
			t.Errorf("rule %q: runbook_url %q; want %s<one of src/runbooks/*.md, one per rule>", rule.Title, rule.Annotations["runbook_url"], runbookPrefix)
			continue
		}
		delete(unused, runbook)
		text := string(readRepoFile(t, "src/"+runbook))
		for _, section := range []string{"## Likely causes", "## First checks", "## Fix", "## Confirm recovery", rule.UID} {
			if !strings.Contains(text, section) {
				t.Errorf("runbook %s for rule %q lacks %q", runbook, rule.Title, section)
			}
		}
	}
	if len(unused) != 0 {
		t.Errorf("runbooks no rule links to: %v", unused)
	}
}
