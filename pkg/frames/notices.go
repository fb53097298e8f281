package frames

import (
	"fmt"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/persistwatch/redis-persistence-datasource/pkg/card"
	"github.com/persistwatch/redis-persistence-datasource/pkg/nodeinfo"
)

// notices tell the panel which nodes could not be judged, and why, without failing the query.
func notices(cards []NodeCard) []data.Notice {
	var result []data.Notice
	for _, nc := range cards {
		if nc.Card.Status != card.StatusUnreachable && nc.Card.Status != card.StatusRestricted {
			continue
		}
		result = append(result, data.Notice{
			Severity: data.NoticeSeverityWarning,
			Text:     fmt.Sprintf("%s (%s) is %s: %s", nc.Node.Name, nc.Node.Address, nc.Card.Status, nc.Card.Reason),
		})
	}
	return result
}

// WithDiscoveryProblems tells the panel which discovery sources failed. The nodes already known
// are still in the frames.
func WithDiscoveryProblems(frames data.Frames, problems []nodeinfo.Problem) data.Frames {
	if len(problems) == 0 || len(frames) == 0 {
		return frames
	}
	if frames[0].Meta == nil {
		frames[0].Meta = &data.FrameMeta{}
	}
	for _, p := range problems {
		frames[0].Meta.Notices = append(frames[0].Meta.Notices, data.Notice{Severity: data.NoticeSeverityWarning, Text: "discovery: " + p.String()})
	}
	return frames
}
