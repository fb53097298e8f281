package frames

import (
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/experimental"
)

func TestGrowthFrameGolden(t *testing.T) {
	at := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	response := backend.DataResponse{Frames: data.Frames{Growth(at, cardsOf(fleet(t)))}}
	experimental.CheckGoldenJSONResponse(t, "testdata", "growth", &response, *update)
}

// The stream sends the schema once and data only after that: the schema must not depend on the
// values, whatever state each node is in.
func TestGrowthSchemaDependsOnlyOnTheNodes(t *testing.T) {
	cards := cardsOf(fleet(t))
	blank := make([]NodeCard, len(cards))
	for i, nc := range cards {
		blank[i] = NodeCard{Node: nc.Node}
	}
	schema := func(frame *data.Frame) string {
		raw, err := data.FrameToJSON(frame, data.IncludeSchemaOnly)
		if err != nil {
			t.Fatal(err)
		}
		return string(raw)
	}
	if got, want := schema(Growth(time.Now(), cards)), schema(Growth(time.Time{}, blank)); got != want {
		t.Fatalf("schema with values:\n%s\nschema without:\n%s", got, want)
	}
}

func TestGrowthHasALabelledLinePerNodeAndSize(t *testing.T) {
	cards := cardsOf(fleet(t))
	frame := Growth(time.Now(), cards)
	if frame.Rows() != 1 || len(frame.Fields) != 1+3*len(cards) || frame.Fields[0].Type() != data.FieldTypeTime {
		t.Fatalf("want one row, a time field first and three fields per node; got %d rows, %d fields", frame.Rows(), len(frame.Fields))
	}
	names := map[string]bool{}
	for i, nc := range cards {
		for j, suffix := range []string{GrowthCurrentSuffix, GrowthBaseSuffix, GrowthStatusSuffix} {
			f := frame.Fields[1+3*i+j]
			if f.Name != nc.Node.Name+suffix || f.Labels["node"] != nc.Node.Name || f.Labels["instance"] != nc.Node.Address {
				t.Errorf("field %d = %q %v; want %q labelled with node %s", 1+3*i+j, f.Name, f.Labels, nc.Node.Name+suffix, nc.Node.Name)
			}
			if names[f.Name] {
				t.Errorf("field name %q is used twice", f.Name)
			}
			names[f.Name] = true
		}
	}
	// A node that could not be read has no sizes and says why.
	down := frame.Fields[1+3*4:]
	if down[0].At(0).(*int64) != nil || down[1].At(0).(*int64) != nil || down[2].At(0) != "unreachable" {
		t.Fatalf("down node: %v %v %v", down[0].At(0), down[1].At(0), down[2].At(0))
	}
}
