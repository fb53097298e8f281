package frames

import (
	"fmt"
	"slices"
	"strings"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/persistwatch/redis-persistence-datasource/pkg/nodeinfo"
)

// FieldSet is what a query's field selection can name in one kind of frame. A panel that shows
// one or two values asks for them alone: encoding a frame costs per field, not per row, so a
// one-node card of 3 fields is several times cheaper to send than the whole card.
type FieldSet struct {
	kind string
	// names are every field the frame can have, in frame order.
	names []string
	// kept are always returned: they tell the rows apart, or say why a row has no values.
	kept []string
}

// Fields of the group a discovered node carries (addGroupFields).
const (
	fieldShard      = "shard"
	fieldMasterName = "master_name"
)

var (
	// CardFields are the card frame's fields; node is always returned, as are the frame's notices.
	CardFields = FieldSet{kind: "card", names: cardFieldNames(), kept: []string{"node"}}
	// SiblingsFields are the siblings frame's fields; node and error are always returned.
	SiblingsFields = FieldSet{kind: "siblings", names: frameFieldNames(Siblings(nil)), kept: []string{"node", "error"}}
)

func cardFieldNames() []string {
	names := make([]string, 0, len(cardColumns)+2)
	for i, column := range cardColumns {
		names = append(names, column.name)
		if i == identityFields-1 {
			names = append(names, fieldShard, fieldMasterName)
		}
	}
	return names
}

func frameFieldNames(frame *data.Frame) []string {
	names := make([]string, len(frame.Fields))
	for i, field := range frame.Fields {
		names[i] = field.Name
	}
	return names
}

// Names lists every field the frame can have, in frame order.
func (s FieldSet) Names() []string { return slices.Clone(s.names) }

// Normalize returns the asked-for names in frame order, each once, so that panels asking for the
// same fields in another order share one answer; or says which name the frame does not have, and
// what it has instead.
func (s FieldSet) Normalize(asked []string) ([]string, error) {
	if len(asked) > len(s.names) {
		return nil, fmt.Errorf("the query asks for %d fields; the %s frame has %d", len(asked), s.kind, len(s.names))
	}
	for _, name := range asked {
		if !slices.Contains(s.names, name) {
			return nil, fmt.Errorf("field %q is not in the %s frame; its fields are %s", nodeinfo.Clip(name), s.kind, strings.Join(s.names, ", "))
		}
	}
	if len(asked) == 0 {
		return nil, nil
	}
	var ordered []string
	for _, name := range s.names {
		if slices.Contains(asked, name) {
			ordered = append(ordered, name)
		}
	}
	return ordered, nil
}

// Select keeps the frame's fields that are asked for or always kept, in frame order; nothing
// asked for keeps them all. A name the frame lacks for these nodes (shard on a static data
// source) is simply not there.
func (s FieldSet) Select(frame *data.Frame, asked []string) *data.Frame {
	if len(asked) == 0 {
		return frame
	}
	kept := frame.Fields[:0]
	for _, field := range frame.Fields {
		if slices.Contains(asked, field.Name) || slices.Contains(s.kept, field.Name) {
			kept = append(kept, field)
		}
	}
	frame.Fields = kept
	return frame
}
