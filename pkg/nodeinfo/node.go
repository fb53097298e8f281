// Package nodeinfo is the plain data that flows from the Redis I/O (package node) to the card's
// rules and the frames: which node, what it answered, or why it did not. It imports no Redis
// client, so the pure layers above it never pull one in.
package nodeinfo

import "net"

// Node is one Redis node, configured or discovered.
type Node struct {
	// Name is the display name; it defaults to the address.
	Name string
	// Address is what the administrator typed; it is the node's `instance` label.
	Address string
	// Network is "tcp" or "unix"; Dial is host:port or the socket path.
	Network string
	Dial    string
	// TLS is set by a rediss:// address (the data source's TLS switch applies on top).
	TLS bool

	// Set for discovered nodes only: the role the topology announced (INFO has the last word),
	// the cluster shard (its slot ranges) and the sentinel master name.
	Role       Role
	Shard      string
	MasterName string
}

// Host is the host part of a TCP address, for TLS server-name checks.
func (n Node) Host() string {
	host, _, err := net.SplitHostPort(n.Dial)
	if err != nil {
		return n.Dial
	}
	return host
}

// Role is a node's replication role.
type Role string

const (
	RoleUnknown Role = ""
	RolePrimary Role = "primary"
	RoleReplica Role = "replica"
)

// RoleOf reads a role as INFO, a cluster or a sentinel names it. Anything else is unknown: passed
// on, an odd value would become an alert label and a new series on every change.
func RoleOf(name string) Role {
	switch name {
	case "master", "primary":
		return RolePrimary
	case "slave", "replica":
		return RoleReplica
	}
	return RoleUnknown
}

// Label names the role for frames and alert labels, which never carry an empty value.
func (r Role) Label() string {
	if r == RoleUnknown {
		return "unknown"
	}
	return string(r)
}
