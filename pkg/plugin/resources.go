package plugin

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/persistwatch/redis-persistence-datasource/pkg/nodeinfo"
)

// nodeListing is one entry of GET resources/nodes, for the query editor and the node variable.
type nodeListing struct {
	Name    string `json:"name"`
	Address string `json:"address"`
}

// CallResource serves GET nodes: the configured nodes, without credentials or TLS material.
func (d *Datasource) CallResource(ctx context.Context, req *backend.CallResourceRequest, sender backend.CallResourceResponseSender) error {
	if status, message := checkResource(req); status != http.StatusOK {
		return sendJSON(sender, status, map[string]string{"message": message})
	}
	listing := []nodeListing{}
	everyNode, err := d.nodes.Select(ctx, nil)
	if err != nil {
		return err
	}
	for _, n := range everyNode.Nodes() {
		listing = append(listing, nodeListing{Name: n.Name, Address: n.Address})
	}
	return sendJSON(sender, http.StatusOK, listing)
}

// checkResource says whether the request is one this data source serves, and if not, why.
func checkResource(req *backend.CallResourceRequest) (int, string) {
	switch {
	case req.Path != "nodes":
		return http.StatusNotFound, "unknown resource " + nodeinfo.Clip(req.Path) + "; this data source serves GET nodes"
	case req.Method != http.MethodGet:
		return http.StatusMethodNotAllowed, "nodes only answers GET"
	}
	return http.StatusOK, ""
}

func sendJSON(sender backend.CallResourceResponseSender, status int, body any) error {
	encoded, err := json.Marshal(body)
	if err != nil {
		return err
	}
	return sender.Send(&backend.CallResourceResponse{Status: status, Headers: map[string][]string{"Content-Type": {"application/json"}}, Body: encoded})
}
