package plugin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/persistwatch/redis-persistence-datasource/pkg/card"
	"github.com/persistwatch/redis-persistence-datasource/pkg/frames"
	"github.com/persistwatch/redis-persistence-datasource/pkg/models"
	"github.com/persistwatch/redis-persistence-datasource/pkg/node"
	"github.com/persistwatch/redis-persistence-datasource/pkg/nodeinfo"
)

// cardRequest is what cards, alert rules and raw tables read: the same, so that they share one
// read per node per window, whichever asks first. It includes INFO server, which the card itself
// does not show, because alert rules need the server's clock (server_time_usec) for the RDB save
// age.
var (
	cardRequest     = node.Request{Sections: []string{"server", "persistence", "replication"}, RewriteTrigger: true}
	siblingsRequest = node.Request{Sections: []string{"server", "memory", "persistence", "replication"}, RewriteTrigger: true}
)

// answerHandler reads what one kind of answer needs from each node and turns it into frames.
type answerHandler struct {
	request node.Request
	frames  func(d *Datasource, query models.Query, readings []nodeinfo.Reading) data.Frames
	// fields is what the query's field selection picks from, in an answer of one frame; nil
	// where the answer returns its frames whole.
	fields *frames.FieldSet
}

var answerHandlers = map[models.Answer]answerHandler{
	models.AnswerCard:     {cardRequest, cardFrames, &frames.CardFields},
	models.AnswerGrowth:   {cardRequest, growthFrames, nil},
	models.AnswerAlerting: {cardRequest, (*Datasource).alertingFrames, nil},
	models.AnswerRaw:      {cardRequest, rawFrames, nil},
	models.AnswerSiblings: {siblingsRequest, siblingsFrames, &frames.SiblingsFields},
}

// QueryData answers panels and alert rules.
func (d *Datasource) QueryData(ctx context.Context, req *backend.QueryDataRequest) (*backend.QueryDataResponse, error) {
	response := backend.NewQueryDataResponse()
	for _, q := range req.Queries {
		response.Responses[q.RefID] = d.run(ctx, q)
	}
	return response, nil
}

// run answers one query. Only a query that cannot run at all is an error response; a node that
// fails is a row, a series and a notice.
func (d *Datasource) run(ctx context.Context, q backend.DataQuery) backend.DataResponse {
	queryType := models.QueryType(q.QueryType)
	if queryType != "" && !slices.Contains(models.QueryTypes, queryType) {
		return badQuery(fmt.Errorf("unknown queryType %q; use one of %s", nodeinfo.Clip(q.QueryType), queryTypeList()))
	}
	query, err := models.ParseQuery(q.JSON)
	if err != nil {
		return badQuery(errors.New(nodeinfo.Clip(err.Error()))) // it may quote the query
	}
	answer := query.Answer(queryType)
	handler, ok := answerHandlers[answer]
	if !ok {
		return badQuery(fmt.Errorf("queryType %q has no handler in this plugin version; use one of %s", nodeinfo.Clip(q.QueryType), queryTypeList()))
	}
	if handler.fields == nil {
		query.Fields = nil // as documented: other answers return their frames whole
	} else if query.Fields, err = handler.fields.Normalize(query.Fields); err != nil {
		return badQuery(err)
	}
	key, err := json.Marshal(query) // the parsed query, so refId and Grafana's own keys do not count
	if err != nil {
		return badQuery(err)
	}
	return d.sharedAnswer(ctx, string(answer)+" "+string(key), func(ctx context.Context) backend.DataResponse {
		selection, err := d.nodes.Select(ctx, query.Nodes)
		if err != nil {
			return badQuery(err)
		}
		readings := d.nodes.Read(ctx, selection, handler.request)
		answer := handler.frames(d, query, readings)
		if handler.fields != nil {
			answer[0] = handler.fields.Select(answer[0], query.Fields)
		}
		return backend.DataResponse{Frames: frames.WithDiscoveryProblems(answer, selection.Problems())}
	})
}

// badQuery is a query the user or administrator must fix: downstream of the plugin.
func badQuery(err error) backend.DataResponse {
	return backend.ErrDataResponseWithSource(backend.StatusBadRequest, backend.ErrorSourceDownstream, err.Error())
}

func queryTypeList() string {
	names := make([]string, len(models.QueryTypes))
	for i, t := range models.QueryTypes {
		names[i] = string(t)
	}
	return strings.Join(names, ", ")
}

func evaluate(readings []nodeinfo.Reading) []frames.NodeCard {
	cards := make([]frames.NodeCard, len(readings))
	for i, r := range readings {
		cards[i] = frames.NodeCard{Node: r.Node, Card: card.Evaluate(r)}
	}
	return cards
}

func cardFrames(_ *Datasource, _ models.Query, readings []nodeinfo.Reading) data.Frames {
	return data.Frames{frames.Card(evaluate(readings))}
}

// growthFrames is one growth sample, now: outside the browser a live query cannot stream.
func growthFrames(_ *Datasource, _ models.Query, readings []nodeinfo.Reading) data.Frames {
	return data.Frames{frames.Growth(time.Now(), evaluate(readings))}
}

func (d *Datasource) alertingFrames(query models.Query, readings []nodeinfo.Reading) data.Frames {
	now := time.Now()
	cards := evaluate(readings)
	addresses, counts := make([]string, len(cards)), make([]*int64, len(cards))
	for i, nc := range cards {
		addresses[i] = nc.Node.Address
		if nc.Card.Status == card.StatusOK || nc.Card.Status == card.StatusErr { // AOF on and judged
			counts[i] = nc.Card.DelayedFsyncs
		}
	}
	increases := d.delayedFsyncs.increases(now, addresses, counts)
	nodes := make([]frames.NodeSignals, len(cards))
	for i, nc := range cards {
		nodes[i] = frames.NodeSignals{NodeCard: nc, Signals: card.SignalsOf(nc.Card, card.SiblingsOf(readings[i], now))}
		nodes[i].Signals.DelayedFsyncIncrease = increases[i]
	}
	return frames.Alerting(nodes, query.Metric)
}

func rawFrames(_ *Datasource, _ models.Query, readings []nodeinfo.Reading) data.Frames {
	return data.Frames{frames.Raw(readings)}
}

func siblingsFrames(_ *Datasource, _ models.Query, readings []nodeinfo.Reading) data.Frames {
	now := time.Now()
	rows := make([]frames.NodeSiblings, len(readings))
	for i, r := range readings {
		rows[i] = frames.NodeSiblings{Node: r.Node, Siblings: card.SiblingsOf(r, now)}
		if r.Err != nil {
			text := r.Err.Error()
			rows[i].Err = &text
		}
	}
	return data.Frames{frames.Siblings(rows)}
}
