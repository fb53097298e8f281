package settings

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/persistwatch/redis-persistence-datasource/pkg/nodeinfo"
)

func parseNodes(stored []jsonNode, mode Discovery) ([]nodeinfo.Node, error) {
	if len(stored) == 0 {
		return nil, &FieldError{Field: "nodes", Problem: emptyNodesProblem[mode]}
	}
	nodes := make([]nodeinfo.Node, 0, len(stored))
	seen := map[string]string{}
	for i, entry := range stored {
		field := fmt.Sprintf("nodes[%d].address", i)
		node, problem := parseAddress(strings.TrimSpace(entry.Address))
		if problem != "" {
			return nil, &FieldError{Field: field, Problem: problem}
		}
		node.Name = strings.TrimSpace(entry.Name)
		if node.Name == "" {
			node.Name = node.Address
		}
		for _, identity := range []string{node.Name, node.Address} {
			if other, taken := seen[identity]; taken && other != field {
				return nil, &FieldError{Field: field, Problem: fmt.Sprintf("%q is used twice (also by %s); names and addresses must be unique", identity, other)}
			}
			seen[identity] = field
		}
		nodes = append(nodes, node)
	}
	return nodes, nil
}

var emptyNodesProblem = map[Discovery]string{
	DiscoveryStatic:   "is empty; add at least one Redis node (host:port, redis://, rediss:// or a unix socket path)",
	DiscoveryCluster:  "is empty; add at least one seed: the host:port of any node of the cluster",
	DiscoverySentinel: "is empty; add the host:port of at least one sentinel",
}

// parseAddress returns the node or a problem that names the value and says how to fix it.
func parseAddress(address string) (nodeinfo.Node, string) {
	switch {
	case address == "":
		return nodeinfo.Node{}, "is empty; write host:port, redis://host:port, rediss://host:port or a socket path"
	case strings.Contains(address, "@"):
		// Checked first so that no later message quotes a password typed into the address.
		return nodeinfo.Node{}, "holds credentials; remove them from the address and put the password in the Password field (it is stored encrypted)"
	case strings.HasPrefix(address, "unix://"):
		return socketNode(address, strings.TrimPrefix(address, "unix://"))
	case strings.HasPrefix(address, "/"):
		return socketNode(address, address)
	case strings.Contains(address, "://"):
		return urlNode(address)
	}
	return tcpNode(address, address, "")
}

func socketNode(address, path string) (nodeinfo.Node, string) {
	if !strings.HasPrefix(path, "/") {
		return nodeinfo.Node{}, fmt.Sprintf("%q: a unix socket needs an absolute path, e.g. unix:///run/redis/redis.sock", address)
	}
	return nodeinfo.Node{Address: address, Network: "unix", Dial: path}, ""
}

func urlNode(address string) (nodeinfo.Node, string) {
	parsed, err := url.Parse(address)
	if err != nil {
		// url's error repeats the whole input, which may hold credentials: keep only the scheme.
		return nodeinfo.Node{}, "is not a valid URL; write redis://host:port or rediss://host:port"
	}
	switch parsed.Scheme {
	case "redis", "rediss":
	default:
		return nodeinfo.Node{}, fmt.Sprintf("%q: unsupported scheme %q; use redis://, rediss:// or unix://", address, parsed.Scheme)
	}
	if parsed.Host == "" {
		return nodeinfo.Node{}, fmt.Sprintf("%q has no host; write %s://host:port", address, parsed.Scheme)
	}
	hostPort := parsed.Host
	if parsed.Port() == "" {
		hostPort = net.JoinHostPort(parsed.Hostname(), "6379")
	}
	return tcpNode(address, hostPort, parsed.Scheme)
}

func tcpNode(address, hostPort, scheme string) (nodeinfo.Node, string) {
	host, port, err := net.SplitHostPort(hostPort)
	if err != nil {
		return nodeinfo.Node{}, fmt.Sprintf("%q is not host:port (e.g. redis-1:6379, [::1]:6379, redis://redis-1:6379 or /run/redis.sock)", address)
	}
	if host == "" {
		return nodeinfo.Node{}, fmt.Sprintf("%q has no host", address)
	}
	if number, err := strconv.Atoi(port); err != nil || number < 1 || number > 65535 {
		return nodeinfo.Node{}, fmt.Sprintf("%q: port %q is not a number from 1 to 65535", address, port)
	}
	return nodeinfo.Node{Address: address, Network: "tcp", Dial: net.JoinHostPort(host, port), TLS: scheme == "rediss"}, ""
}
