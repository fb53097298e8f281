package node

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/persistwatch/redis-persistence-datasource/pkg/nodeinfo"
)

// Selection is a set of nodes of one topology, chosen by a query's node filter.
type Selection struct {
	topology *Topology
	indexes  []int
}

// Nodes are the selected nodes, in selection order.
func (s Selection) Nodes() []nodeinfo.Node {
	nodes := make([]nodeinfo.Node, len(s.indexes))
	for i, index := range s.indexes {
		nodes[i] = s.topology.Nodes[index]
	}
	return nodes
}

// Problems are the discovery problems of the topology the selection was made from.
func (s Selection) Problems() []nodeinfo.Problem { return s.topology.Problems }

// Select resolves a node filter (names or addresses) against the current topology. An empty
// filter means every node. Only configured or discovered nodes can be selected: a query never
// reaches anything else.
func (p *Pool) Select(ctx context.Context, filter []string) (Selection, error) {
	t := p.Topology(ctx)
	if len(filter) == 0 {
		return t.all(), nil
	}
	if len(t.Nodes) == 0 && t.unresolved {
		// Not "unknown node": no node is known yet, and the problems say why.
		problems := make([]string, len(t.Problems))
		for i, problem := range t.Problems {
			problems[i] = problem.String()
		}
		return Selection{}, fmt.Errorf("discovery has found no node yet, so the node filter cannot be checked: %s", strings.Join(problems, "; "))
	}
	var selected []int
	var unknown []string
	taken := map[int]bool{}
	for _, wanted := range filter {
		index := t.indexOf(wanted)
		switch {
		case index < 0:
			unknown = append(unknown, strconv.Quote(wanted))
		case !taken[index]:
			taken[index] = true
			selected = append(selected, index)
		}
	}
	if len(unknown) > 0 {
		verb, known := "configure", "configured"
		if p.discoverer.dynamic() {
			verb, known = "discover", "discovered"
		}
		return Selection{}, fmt.Errorf("node filter names %s, which this data source does not %s; %s nodes: %s",
			nodeinfo.Clip(strings.Join(unknown, ", ")), verb, known, t.someNames(20))
	}
	return Selection{topology: t, indexes: selected}, nil
}

func (t *Topology) all() Selection {
	all := make([]int, len(t.Nodes))
	for i := range all {
		all[i] = i
	}
	return Selection{topology: t, indexes: all}
}

func (t *Topology) indexOf(nameOrAddress string) int {
	for i, n := range t.Nodes {
		if n.Name == nameOrAddress || n.Address == nameOrAddress {
			return i
		}
	}
	return -1
}

// someNames lists up to max node names, so that an error about a thousand-node fleet stays short.
func (t *Topology) someNames(max int) string {
	var names []string
	for _, n := range t.Nodes[:min(max, len(t.Nodes))] {
		names = append(names, strconv.Quote(n.Name))
	}
	if len(t.Nodes) > max {
		names = append(names, fmt.Sprintf("and %d more", len(t.Nodes)-max))
	}
	return strings.Join(names, ", ")
}

// NewSelection selects the given nodes outside any pool: for node readers other than Pool, such
// as the fake of the handler tests. Only the Pool that made a selection can read it.
func NewSelection(nodes []nodeinfo.Node, problems []nodeinfo.Problem) Selection {
	return (&Topology{Nodes: nodes, Problems: problems}).all()
}
