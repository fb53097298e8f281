package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/persistwatch/redis-persistence-datasource/pkg/card"
	"github.com/persistwatch/redis-persistence-datasource/pkg/settings"
)

// CheckHealth ("Save & test") reads every node once and reports, in one message, how many answer,
// whether AOF is on for each, and each failure with its kind and what to check.
func (d *Datasource) CheckHealth(ctx context.Context, _ *backend.CheckHealthRequest) (*backend.CheckHealthResult, error) {
	everyNode, err := d.nodes.Select(ctx, nil)
	if err != nil {
		return nil, err
	}
	cards := evaluate(d.nodes.Read(ctx, everyNode, cardRequest))
	answered := 0
	lines := make([]string, len(cards))
	for i, nc := range cards {
		if nc.Card.Status != card.StatusUnreachable && nc.Card.Status != card.StatusRestricted {
			answered++
		}
		lines[i] = fmt.Sprintf("%s (%s): %s", nc.Node.Name, nc.Node.Address, healthLine(nc.Card))
	}
	for _, problem := range everyNode.Problems() {
		lines = append(lines, "discovery: "+problem.String())
	}
	status := backend.HealthStatusOk
	if answered < len(cards) || len(cards) == 0 {
		status = backend.HealthStatusError
	}
	summary := fmt.Sprintf("%d of %d Redis nodes answered INFO", answered, len(cards))
	if mode := d.nodes.Discovery(); mode != settings.DiscoveryStatic {
		summary = fmt.Sprintf("%s discovery found %d nodes; %s", mode, len(cards), summary)
	}
	details, err := json.Marshal(map[string]string{"verboseMessage": strings.Join(lines, "\n")})
	if err != nil {
		return nil, err
	}
	return &backend.CheckHealthResult{Status: status, Message: summary + ". " + strings.Join(lines, "; "), JSONDetails: details}, nil
}

func healthLine(c card.Card) string {
	switch c.Status {
	case card.StatusUnreachable, card.StatusRestricted:
		return string(c.Status) + ", " + c.Reason
	case card.StatusNotApplicable:
		return "AOF off"
	case card.StatusLoading:
		return c.Reason
	}
	return "AOF on, last rewrite " + string(c.Status)
}
