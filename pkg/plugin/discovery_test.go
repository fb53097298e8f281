//go:build realredis

package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/persistwatch/redis-persistence-datasource/internal/redistest"
)

// row is one node's card and alert labels, as the plugin returns them.
type row struct {
	status, role, shard, master string
	rewriteOK                   *float64
}

// rowsByInstance runs the card and the aof_rewrite_ok alert query and joins them by instance.
func rowsByInstance(t *testing.T, ds *Datasource) map[string]row {
	t.Helper()
	rows, err := joinedRows(t, ds)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// joinedRows is rowsByInstance for polling: the topology may change between the two queries.
func joinedRows(t *testing.T, ds *Datasource) (map[string]row, error) {
	t.Helper()
	_, _, frame := cardRows(t, ds)
	rows := map[string]row{}
	instances, statuses, roles := field(t, frame, "instance"), field(t, frame, "status"), field(t, frame, "role")
	shards, _ := frame.FieldByName("shard")
	masters, _ := frame.FieldByName("master_name")
	for i := 0; i < frame.Rows(); i++ {
		r := row{status: statuses.At(i).(string), role: roles.At(i).(string)}
		if shards != nil {
			r.shard = shards.At(i).(string)
		}
		if masters != nil {
			r.master = masters.At(i).(string)
		}
		rows[instances.At(i).(string)] = r
	}
	alerts := query(t, ds, "alerting", `{"metric":"aof_rewrite_ok"}`)
	if alerts.Error != nil {
		t.Fatal(alerts.Error)
	}
	for _, f := range alerts.Frames {
		labels := f.Fields[0].Labels
		r, ok := rows[labels["instance"]]
		if !ok {
			return nil, fmt.Errorf("alert series for %s, which the card does not show", labels["instance"])
		}
		if labels["role"] != r.role || labels["shard"] != r.shard || labels["master_name"] != r.master {
			return nil, fmt.Errorf("alert labels %v disagree with the card row %+v", labels, r)
		}
		r.rewriteOK = f.Fields[0].At(0).(*float64)
		rows[labels["instance"]] = r
	}
	if len(alerts.Frames) != len(rows) {
		return nil, fmt.Errorf("%d alert series for %d card rows", len(alerts.Frames), len(rows))
	}
	return rows, nil
}

// firing lists the instances whose aof_rewrite_ok series is 0: an alert instance fires for each.
func firing(rows map[string]row) []string {
	var result []string
	for instance, r := range rows {
		if r.rewriteOK != nil && *r.rewriteOK == 0 {
			result = append(result, instance)
		}
	}
	return result
}

// eventually retries check until it passes or the topology had ample time to follow.
func eventually(t *testing.T, what string, check func() error) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func discoveryDatasource(t *testing.T, settings map[string]any, secure map[string]string) *Datasource {
	t.Helper()
	settings["coalesceWindowMs"] = 0
	settings["discoveryIntervalMs"] = 1000
	raw, err := json.Marshal(settings)
	if err != nil {
		t.Fatal(err)
	}
	return configured(t, string(raw), secure)
}

func TestRealClusterEveryNodeFromOneSeedAndRolesFollowAFailover(t *testing.T) {
	cluster := redistest.StartCluster(t, redistest.ClusterOptions{Primaries: 3, ReplicasPerPrimary: 1})
	failing := cluster.Primaries(t)[0]
	failing.RewriteErrKilledChild(t)
	seed := cluster.Replicas(t)[0]
	ds := discoveryDatasource(t, map[string]any{"discovery": "cluster", "nodes": []nodeSpec{{Address: seed.Addr}}}, nil)

	rows := rowsByInstance(t, ds)
	if len(rows) != 6 {
		t.Fatalf("discovered %d nodes from one seed, want 3 primaries + 3 replicas: %v", len(rows), rows)
	}
	roles := map[string]int{}
	shards := map[string]int{}
	for instance, r := range rows {
		roles[r.role]++
		shards[r.shard]++
		want := "ok"
		if instance == failing.Addr {
			want = "err"
		}
		if r.status != want {
			t.Errorf("%s: status %s, want %s", instance, r.status, want)
		}
		if got := cluster.ShardOf(t, cluster.Nodes[indexOf(t, cluster.Nodes, instance)]); !sameSlots(got, r.shard) {
			t.Errorf("%s: shard label %q, the cluster says %v", instance, r.shard, got.Slots)
		}
	}
	if roles["primary"] != 3 || roles["replica"] != 3 || len(shards) != 3 {
		t.Fatalf("roles %v shards %v, want 3 and 3 over 3 shards", roles, shards)
	}
	if got := firing(rows); len(got) != 1 || got[0] != failing.Addr {
		t.Fatalf("alert instances firing: %v, want exactly %s", got, failing.Addr)
	}

	// Promote the failing primary's replica: the labels follow, the shard stays.
	replica := cluster.ShardOf(t, failing).Replicas[0]
	cluster.Failover(t, replica)
	eventually(t, "roles after CLUSTER FAILOVER", func() error {
		rows, err := joinedRows(t, ds)
		if err != nil {
			return err
		}
		if rows[replica.Addr].role != "primary" || rows[failing.Addr].role != "replica" {
			return fmt.Errorf("promoted %s is %q, demoted %s is %q", replica.Addr, rows[replica.Addr].role, failing.Addr, rows[failing.Addr].role)
		}
		if rows[replica.Addr].shard != rows[failing.Addr].shard {
			return fmt.Errorf("a failover must not move a node to another shard: %+v", rows)
		}
		return nil
	})
}

func TestRealClusterAddedNodeIsFoundWithoutARestart(t *testing.T) {
	cluster := redistest.StartCluster(t, redistest.ClusterOptions{Primaries: 3})
	ds := discoveryDatasource(t, map[string]any{"discovery": "cluster", "nodes": []nodeSpec{{Address: cluster.Nodes[0].Addr}}}, nil)
	if rows := rowsByInstance(t, ds); len(rows) != 3 {
		t.Fatalf("discovered %d nodes, want 3", len(rows))
	}
	added := cluster.AddNode(t)
	eventually(t, "the added node in the card", func() error {
		rows, err := joinedRows(t, ds)
		if err != nil {
			return err
		}
		if _, ok := rows[added.Addr]; !ok || len(rows) != 4 {
			return fmt.Errorf("%d nodes, %s missing", len(rows), added.Addr)
		}
		return nil
	})
	// The query editor's node filter and the node variable list what discovery found.
	sender := &recordingSender{}
	if err := ds.CallResource(context.Background(), &backend.CallResourceRequest{Path: "nodes", Method: http.MethodGet}, sender); err != nil {
		t.Fatal(err)
	}
	if body := string(sender.responses[0].Body); strings.Count(body, `"address"`) != 4 || !strings.Contains(body, added.Addr) {
		t.Fatalf("GET nodes = %s, want the 4 discovered nodes", body)
	}
}

func TestRealSentinelGroupWithSeparateCredentialsFollowsAMasterSwitch(t *testing.T) {
	group := redistest.StartSentinelGroup(t, redistest.SentinelOptions{MasterName: "orders", Replicas: 2, Sentinels: 3,
		Password: "data-secret", SentinelPassword: "sentinel-secret"})
	group.Master.RewriteErrKilledChild(t)
	failing := group.Master
	var sentinels []nodeSpec
	for _, address := range group.SentinelAddrs() {
		sentinels = append(sentinels, nodeSpec{Address: address})
	}
	ds := discoveryDatasource(t, map[string]any{"discovery": "sentinel", "nodes": sentinels},
		map[string]string{"password": "data-secret", "sentinelPassword": "sentinel-secret"})

	rows := rowsByInstance(t, ds)
	if len(rows) != 3 || rows[failing.Addr].role != "primary" || rows[failing.Addr].status != "err" {
		t.Fatalf("rows = %+v, want the master (err) and 2 replicas", rows)
	}
	for instance, r := range rows {
		if r.master != "orders" {
			t.Errorf("%s: master_name %q", instance, r.master)
		}
	}
	if got := firing(rows); len(got) != 1 || got[0] != failing.Addr {
		t.Fatalf("alert instances firing: %v, want exactly %s", got, failing.Addr)
	}

	promoted := group.Switch(t)
	eventually(t, "roles after the master switch", func() error {
		rows, err := joinedRows(t, ds)
		if err != nil {
			return err
		}
		if len(rows) != 3 || rows[promoted.Addr].role != "primary" || rows[failing.Addr].role != "replica" {
			return fmt.Errorf("rows %+v: want %s primary and %s replica", rows, promoted.Addr, failing.Addr)
		}
		return nil
	})

	// Sentinels gone: the data nodes already known stay, and the card says why discovery fails.
	for _, sentinel := range group.Sentinels {
		sentinel.Stop(t)
	}
	eventually(t, "a discovery notice once the sentinels are gone", func() error {
		_, _, frame := cardRows(t, ds)
		if frame.Rows() != 3 || !hasNotice(frame, "discovery: sentinel "+group.Sentinels[0].Addr+": refused") {
			return fmt.Errorf("%d rows, notices %+v", frame.Rows(), frame.Meta.Notices)
		}
		return nil
	})
}

func TestRealSentinelWrongPasswordExplainsItselfWithoutTheSecret(t *testing.T) {
	group := redistest.StartSentinelGroup(t, redistest.SentinelOptions{Replicas: 1, Sentinels: 1, SentinelPassword: "sentinel-secret"})
	ds := discoveryDatasource(t, map[string]any{"discovery": "sentinel", "nodes": []nodeSpec{{Address: group.Sentinels[0].Addr}}},
		map[string]string{"sentinelPassword": "not-the-sentinel-secret"})
	health := checkHealth(t, ds)
	if !strings.Contains(health, "sentinel "+group.Sentinels[0].Addr+": auth") || !strings.Contains(health, "found 0 nodes") {
		t.Fatalf("health = %q, want the sentinel, the auth failure and no nodes", health)
	}
	if strings.Contains(health, "secret") {
		t.Fatalf("health quotes a password: %q", health)
	}
	response := query(t, ds, "card", `{}`)
	if response.Error != nil || len(response.Frames) != 1 || !hasNotice(response.Frames[0], "discovery: sentinel "+group.Sentinels[0].Addr) {
		t.Fatalf("the card must say why it is empty: %+v", response)
	}
}

func indexOf(t *testing.T, servers []*redistest.Server, address string) int {
	t.Helper()
	for i, s := range servers {
		if s.Addr == address {
			return i
		}
	}
	t.Fatalf("%s is no node of the cluster", address)
	return -1
}

func sameSlots(shard redistest.Shard, label string) bool {
	var ranges []string
	for _, r := range shard.Slots {
		ranges = append(ranges, fmt.Sprintf("%d-%d", r.Start, r.End))
	}
	return strings.Join(ranges, ",") == label
}

func hasNotice(frame *data.Frame, prefix string) bool {
	if frame.Meta == nil {
		return false
	}
	for _, n := range frame.Meta.Notices {
		if strings.HasPrefix(n.Text, prefix) {
			return true
		}
	}
	return false
}

// checkHealth returns the health message and its details, failing unless the check says error.
func checkHealth(t *testing.T, ds *Datasource) string {
	t.Helper()
	health, err := ds.CheckHealth(context.Background(), &backend.CheckHealthRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if health.Status != backend.HealthStatusError {
		t.Fatalf("health status %v, want error: %s", health.Status, health.Message)
	}
	return health.Message + "\n" + string(health.JSONDetails)
}

func TestRealSentinelMasterNamesItDoesNotMonitorAreReportedBesideTheOnesItDoes(t *testing.T) {
	group := redistest.StartSentinelGroup(t, redistest.SentinelOptions{Replicas: 1, Sentinels: 1})
	sentinel := group.Sentinels[0].Addr
	ds := discoveryDatasource(t, map[string]any{"discovery": "sentinel", "nodes": []nodeSpec{{Address: sentinel}},
		"sentinelMasters": []string{group.MasterName, "not-monitored"}}, nil)
	_, _, frame := cardRows(t, ds)
	if frame.Rows() != 2 || !hasNotice(frame, "discovery: sentinel "+sentinel+": redis_error: monitors no master named \"not-monitored\"") {
		t.Fatalf("%d rows, notices %+v: want the monitored master and its replica, and a notice for the other name", frame.Rows(), frame.Meta.Notices)
	}
}
