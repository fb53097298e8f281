package plugin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/datasource"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/persistwatch/redis-persistence-datasource/pkg/card"
	"github.com/persistwatch/redis-persistence-datasource/pkg/frames"
	"github.com/persistwatch/redis-persistence-datasource/pkg/models"
	"github.com/persistwatch/redis-persistence-datasource/pkg/node"
)

// What each query type reads from a node, in one round trip.
var (
	// cardRequest includes INFO server, which the card itself does not show, because alert rules
	// need the server's clock (server_time_usec) for the RDB save age: so cards, alert rules and
	// raw tables all read the same and share one read per node per window, whichever asks first.
	cardRequest     = node.Request{Sections: []string{"server", "persistence", "replication"}, RewriteTrigger: true}
	alertingRequest = cardRequest
	rawRequest      = cardRequest
	siblingsRequest = node.Request{Sections: []string{"server", "memory", "persistence", "replication"}, RewriteTrigger: true}
)

// queryHandler turns one query and the readings it asked for into frames.
type queryHandler struct {
	request node.Request
	frames  func(query models.Query, readings []node.Reading) data.Frames
}

func (d *Datasource) routes() *datasource.QueryTypeMux {
	handlers := map[models.QueryType]queryHandler{
		models.QueryCard:     {cardRequest, cardFrames},
		models.QueryAlerting: {alertingRequest, d.alertingFrames},
		models.QueryRaw:      {rawRequest, rawFrames},
		models.QuerySiblings: {siblingsRequest, siblingsFrames},
	}
	mux := datasource.NewQueryTypeMux()
	for _, queryType := range models.QueryTypes {
		mux.HandleFunc(string(queryType), d.handle(handlers[queryType]))
	}
	// No queryType means the card, the data source's default query.
	mux.HandleFunc("", func(ctx context.Context, req *backend.QueryDataRequest) (*backend.QueryDataResponse, error) {
		response := backend.NewQueryDataResponse()
		for _, q := range req.Queries {
			if q.QueryType != "" {
				response.Responses[q.RefID] = badQuery(fmt.Errorf("unknown queryType %q; use one of %s", node.Clip(q.QueryType), queryTypeList()))
				continue
			}
			response.Responses[q.RefID] = d.run(ctx, q, handlers[models.QueryCard])
		}
		return response, nil
	})
	return mux
}

// QueryData answers panels and alert rules.
func (d *Datasource) QueryData(ctx context.Context, req *backend.QueryDataRequest) (*backend.QueryDataResponse, error) {
	if d.settingsErr != nil {
		response := backend.NewQueryDataResponse()
		for _, q := range req.Queries {
			response.Responses[q.RefID] = badQuery(fmt.Errorf("the data source settings are invalid: %w", d.settingsErr))
		}
		return response, nil
	}
	return d.mux.QueryData(ctx, req)
}

func (d *Datasource) handle(handler queryHandler) backend.QueryDataHandlerFunc {
	return func(ctx context.Context, req *backend.QueryDataRequest) (*backend.QueryDataResponse, error) {
		response := backend.NewQueryDataResponse()
		for _, q := range req.Queries {
			response.Responses[q.RefID] = d.run(ctx, q, handler)
		}
		return response, nil
	}
}

// run answers one query. Only a query that cannot run at all is an error response; a node that
// fails is a row, a series and a notice.
func (d *Datasource) run(ctx context.Context, q backend.DataQuery, handler queryHandler) backend.DataResponse {
	query, err := models.ParseQuery(q.JSON)
	if err != nil {
		return badQuery(errors.New(node.Clip(err.Error()))) // it may quote the query
	}
	key, err := json.Marshal(query) // the parsed query, so refId and Grafana's own keys do not count
	if err != nil {
		return badQuery(err)
	}
	return d.shared.answer(ctx, q.QueryType+" "+string(key), func() backend.DataResponse {
		selection, err := d.pool.Select(ctx, query.Nodes)
		if err != nil {
			return badQuery(err)
		}
		readings := d.pool.Read(ctx, selection, handler.request)
		return backend.DataResponse{Frames: frames.WithDiscoveryProblems(handler.frames(query, readings), selection.Problems())}
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

func evaluate(readings []node.Reading) []frames.NodeCard {
	cards := make([]frames.NodeCard, len(readings))
	for i, r := range readings {
		cards[i] = frames.NodeCard{Node: r.Node, Card: card.Evaluate(r)}
	}
	return cards
}

func cardFrames(query models.Query, readings []node.Reading) data.Frames {
	if query.Live {
		// Outside the browser a live query cannot stream: it answers one growth sample, now.
		return data.Frames{frames.Growth(time.Now(), evaluate(readings))}
	}
	return data.Frames{frames.Card(evaluate(readings))}
}

func (d *Datasource) alertingFrames(query models.Query, readings []node.Reading) data.Frames {
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

func rawFrames(_ models.Query, readings []node.Reading) data.Frames {
	return data.Frames{frames.Raw(readings)}
}

func siblingsFrames(_ models.Query, readings []node.Reading) data.Frames {
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
