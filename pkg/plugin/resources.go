package plugin

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/persistwatch/redis-persistence-datasource/pkg/node"
)

// nodeListing is one entry of GET resources/nodes, for the query editor and the node variable.
type nodeListing struct {
	Name    string `json:"name"`
	Address string `json:"address"`
}

// CallResource serves GET nodes: the configured nodes, without credentials or TLS material.
func (d *Datasource) CallResource(ctx context.Context, req *backend.CallResourceRequest, sender backend.CallResourceResponseSender) error {
	switch {
	case req.Path != "nodes":
		return sendJSON(sender, http.StatusNotFound, map[string]string{"message": "unknown resource " + node.Clip(req.Path) + "; this data source serves GET nodes"})
	case req.Method != http.MethodGet:
		return sendJSON(sender, http.StatusMethodNotAllowed, map[string]string{"message": "nodes only answers GET"})
	case d.settingsErr != nil:
		return sendJSON(sender, http.StatusBadRequest, map[string]string{"message": d.settingsErr.Error()})
	}
	listing := []nodeListing{}
	everyNode, err := d.pool.Select(ctx, nil)
	if err != nil {
		return err
	}
	for _, n := range everyNode.Nodes() {
		listing = append(listing, nodeListing{Name: n.Name, Address: n.Address})
	}
	return sendJSON(sender, http.StatusOK, listing)
}

func sendJSON(sender backend.CallResourceResponseSender, status int, body any) error {
	encoded, err := json.Marshal(body)
	if err != nil {
		return err
	}
	return sender.Send(&backend.CallResourceResponse{Status: status, Headers: map[string][]string{"Content-Type": {"application/json"}}, Body: encoded})
}
