package settings

import (
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/persistwatch/redis-persistence-datasource/pkg/nodeinfo"
)

func discovery(stored Discovery) (Discovery, error) {
	switch stored {
	case "", DiscoveryStatic:
		return DiscoveryStatic, nil
	case DiscoveryCluster, DiscoverySentinel:
		return stored, nil
	}
	return "", &FieldError{Field: "discovery", Problem: fmt.Sprintf("%q is not one of static, cluster, sentinel", stored)}
}

// validateDiscovery reads the settings that only cluster and sentinel discovery use.
func (stored jsonData) validateDiscovery(secure map[string]string, result *Settings) error {
	var err error
	if result.DiscoveryInterval, err = duration("discoveryIntervalMs", stored.DiscoveryIntervalMs, DefaultDiscoveryInterval, time.Second, maxDiscoveryInterval); err != nil {
		return err
	}
	if result.AddressMap, err = addressMap(stored.AddressMap); err != nil {
		return err
	}
	if result.Discovery == DiscoverySentinel {
		for i, name := range stored.SentinelMasters {
			if strings.TrimSpace(name) == "" {
				return &FieldError{Field: fmt.Sprintf("sentinelMasters[%d]", i), Problem: "is empty; write the name the sentinels monitor the master under, or remove the entry"}
			}
			result.SentinelMasters = append(result.SentinelMasters, strings.TrimSpace(name))
		}
		result.SentinelUsername, result.SentinelPassword = stored.SentinelUsername, secure[secureSentinelPass]
	}
	for i, n := range result.Nodes {
		if n.Network != "tcp" {
			return &FieldError{Field: fmt.Sprintf("nodes[%d].address", i), Problem: fmt.Sprintf("%q is a unix socket; %s discovery needs host:port addresses", n.Address, result.Discovery)}
		}
	}
	return nil
}

func addressMap(stored []jsonAddressTo) (map[string]string, error) {
	if len(stored) == 0 {
		return nil, nil
	}
	result := make(map[string]string, len(stored))
	for i, entry := range stored {
		from, to := strings.TrimSpace(entry.From), strings.TrimSpace(entry.To)
		for _, side := range [][2]string{{"from", from}, {"to", to}} {
			if _, _, err := net.SplitHostPort(side[1]); err != nil || strings.Contains(side[1], "://") {
				return nil, &FieldError{Field: fmt.Sprintf("addressMap[%d].%s", i, side[0]), Problem: fmt.Sprintf("%q is not host:port", side[1])}
			}
		}
		if _, twice := result[from]; twice {
			return nil, &FieldError{Field: fmt.Sprintf("addressMap[%d].from", i), Problem: fmt.Sprintf("%q is mapped twice", from)}
		}
		result[from] = to
	}
	return result, nil
}

// Discovered builds the node for an address a cluster or the sentinels announced: the
// announced address is its identity (the instance label); the address map says what to dial.
func (s Settings) Discovered(announced string) nodeinfo.Node {
	dial := announced
	if mapped, ok := s.AddressMap[announced]; ok {
		dial = mapped
	}
	return nodeinfo.Node{Name: announced, Address: announced, Network: "tcp", Dial: dial, TLS: s.SeedsUseTLS()}
}

// SeedsUseTLS: a rediss:// seed or sentinel means the whole deployment speaks TLS, so discovered
// nodes get it too and the password never crosses the network in clear.
func (s Settings) SeedsUseTLS() bool {
	for _, n := range s.Nodes {
		if n.TLS {
			return true
		}
	}
	return false
}
