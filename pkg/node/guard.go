package node

import (
	"context"
	"fmt"
	"net"
	"sync"
	"syscall"

	"github.com/persistwatch/redis-persistence-datasource/pkg/nodeinfo"
)

// Limits on what one node may send, enforced on the wire before go-redis allocates anything for
// a reply. A round trip is one command, or one pipeline (INFO and CONFIG GET), with its replies.
// The biggest real replies are INFO on a big node (a few hundred KiB) and CLUSTER SHARDS or
// SENTINEL MASTERS of a large deployment (tens of thousands of elements). docs/robustness.md
// gives the memory these limits bound.
const (
	// MaxReplyString bounds one bulk string, error or simple line.
	MaxReplyString = 4 << 20
	// MaxReplyBytes bounds the bytes read for one round trip.
	MaxReplyBytes = 8 << 20
	// MaxReplyElements bounds the array elements declared in one round trip.
	MaxReplyElements = 1 << 18
	// MaxReplyDepth bounds the nesting of arrays: go-redis parses them recursively.
	MaxReplyDepth = 16
)

// maxLengthDigits is the longest length a header may spell: 19 digits hold any int64.
const maxLengthDigits = 19

// guardedDialer wraps go-redis's own dialer (TCP, and TLS when on) so that every reply passes
// through a respGuard. Why on the net.Conn: go-redis allocates whatever length or element count
// a reply declares and only then reads it (one "$1099511627776" header asks for 1 TiB, and a
// MaxInt64 length panics in makeslice), and it offers no hook between reading a header and
// acting on it. Below its buffered reader, the guard sees every byte first and fails the read
// before a header over a limit reaches go-redis. go-redis then drops the connection, as it does
// after any read error.
func guardedDialer(dial func(context.Context, string, string) (net.Conn, error)) func(context.Context, string, string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		guarded := &guardedConn{Conn: conn}
		if raw, ok := conn.(syscall.Conn); ok {
			// go-redis peeks at an idle plain connection's socket to find it closed before use;
			// a TLS connection offers no socket, and go-redis skips that check for it.
			return &guardedSyscallConn{guardedConn: guarded, raw: raw}, nil
		}
		return guarded, nil
	}
}

// guardedConn checks each reply's framing as go-redis reads it.
type guardedConn struct {
	net.Conn
	mu    sync.Mutex
	guard respGuard
	// failed is the limit a reply broke: every later read and write fails with it.
	failed error
}

func (c *guardedConn) Read(p []byte) (int, error) {
	c.mu.Lock()
	failed := c.failed
	c.mu.Unlock()
	if failed != nil {
		return 0, failed
	}
	n, err := c.Conn.Read(p)
	c.mu.Lock()
	defer c.mu.Unlock()
	passed, violation := c.guard.feed(p[:n])
	if violation == nil {
		return n, err
	}
	// The bytes before the offending item are delivered, so that earlier replies of a
	// pipeline keep their answers; the offending header itself never is.
	c.failed = violation
	if passed > 0 {
		return passed, nil
	}
	return 0, violation
}

// Write starts a new round trip: the byte and element budgets are per round trip.
func (c *guardedConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	failed := c.failed
	c.guard.read, c.guard.elements = 0, 0
	c.mu.Unlock()
	if failed != nil {
		return 0, failed
	}
	return c.Conn.Write(p)
}

type guardedSyscallConn struct {
	*guardedConn
	raw syscall.Conn
}

func (c *guardedSyscallConn) SyscallConn() (syscall.RawConn, error) { return c.raw.SyscallConn() }

// respGuard follows the framing of RESP2 replies as bytes stream through, without
// keeping any of them: which item comes next, how long its header line is, how many bytes of a
// string body are left, and how many elements each open aggregate still owes.
type respGuard struct {
	state     guardState
	kind      byte  // type byte of the item being read
	line      int   // bytes of its header line so far
	length    int64 // the length or count the header declares
	digits    int
	negative  bool
	signSeen  bool
	crSeen    bool  // the previous header byte was '\r'
	body      int64 // bytes of a string body (and its CRLF) still to come
	open      [MaxReplyDepth]aggregate
	depth     int
	read      int64 // bytes this round trip
	elements  int64 // elements declared this round trip
	itemStart int   // where the item being read starts in the current chunk; -1: in an earlier one
}

type guardState uint8

const (
	expectType guardState = iota
	inHeader
	inBody
)

type aggregate struct {
	left int64 // elements still to come
}

// feed checks the next chunk of the stream. It returns how many of its bytes come before an item
// that breaks a limit, and that violation; or len(chunk) and nil.
func (g *respGuard) feed(chunk []byte) (int, error) {
	g.itemStart = -1
	fail := func(err error) (int, error) { return max(g.itemStart, 0), err }
	g.read += int64(len(chunk))
	if g.read > MaxReplyBytes {
		return fail(oversized(fmt.Sprintf("the reply runs past %d bytes, over the limit of %d for one command", MaxReplyBytes, MaxReplyBytes)))
	}
	for i := 0; i < len(chunk); {
		switch g.state {
		case inBody:
			skip := min(int64(len(chunk)-i), g.body)
			i += int(skip)
			g.body -= skip
			if g.body == 0 {
				g.valueDone()
			}
		case expectType:
			g.itemStart = i
			g.kind = chunk[i]
			i++
			// The client speaks RESP2 (clientOptions sets Protocol 2), so a RESP3 type is never a
			// real answer, and some are costly for go-redis to read: chains of empty attributes
			// recurse in its reader, and a big number parses in quadratic time past any deadline.
			if !isSimple(g.kind) && !isString(g.kind) && !isAggregate(g.kind) {
				return fail(malformed(fmt.Sprintf("byte %q where a RESP2 reply type is expected", g.kind)))
			}
			g.state, g.line, g.length, g.digits, g.negative, g.signSeen, g.crSeen = inHeader, 1, 0, 0, false, false, false
		case inHeader:
			c := chunk[i]
			i++
			g.line++
			if g.line > MaxReplyString {
				return fail(oversized(fmt.Sprintf("the reply has a line of more than %d bytes, over the limit of %d", MaxReplyString, MaxReplyString)))
			}
			if err := g.headerByte(c); err != nil {
				return fail(err)
			}
		}
	}
	return len(chunk), nil
}

// headerByte reads one byte of a header line, and acts on the line when it ends.
func (g *respGuard) headerByte(c byte) error {
	if c == '\n' && g.crSeen {
		g.state = expectType
		if isSimple(g.kind) {
			g.valueDone()
			return nil
		}
		return g.lengthDone()
	}
	wasCR := g.crSeen
	g.crSeen = c == '\r'
	switch {
	case isSimple(g.kind):
		return nil // a simple line is text; go-redis alone judges it
	case wasCR || c == '\n':
		return malformed(fmt.Sprintf("a broken %q header", g.kind))
	case c == '\r':
		return nil
	case (c == '-' || c == '+') && !g.signSeen && g.digits == 0:
		g.signSeen, g.negative = true, c == '-'
		return nil
	case c < '0' || c > '9':
		return malformed(fmt.Sprintf("byte %q in the length of a %q header", c, g.kind))
	}
	g.signSeen = true
	g.digits++
	if g.digits > maxLengthDigits {
		return oversized(fmt.Sprintf("the reply declares a length of more than %d digits", maxLengthDigits))
	}
	g.length = g.length*10 + int64(c-'0') // 19 digits fit an int64 unless they exceed MaxInt64
	if g.length < 0 {
		return oversized(fmt.Sprintf("the reply declares a length beyond %d", int64(1<<63-1)))
	}
	return nil
}

// lengthDone acts on a complete string or aggregate header.
func (g *respGuard) lengthDone() error {
	if g.digits == 0 {
		return malformed(fmt.Sprintf("a %q header without a length", g.kind))
	}
	if g.negative {
		if g.length != 1 {
			return malformed(fmt.Sprintf("a %q header with length -%d", g.kind, g.length))
		}
		g.valueDone() // RESP2 null
		return nil
	}
	if isString(g.kind) {
		if g.length > MaxReplyString {
			return oversized(fmt.Sprintf("reply of %d bytes over the limit of %d", g.length, MaxReplyString))
		}
		g.state, g.body = inBody, g.length+2
		return nil
	}
	count := g.length
	if count > MaxReplyElements || g.elements+count > MaxReplyElements {
		return oversized(fmt.Sprintf("reply of %d elements over the limit of %d for one command", g.elements+count, MaxReplyElements))
	}
	g.elements += count
	if count == 0 {
		g.valueDone()
		return nil
	}
	if g.depth == MaxReplyDepth {
		return oversized(fmt.Sprintf("reply nested deeper than the limit of %d levels", MaxReplyDepth))
	}
	g.open[g.depth] = aggregate{left: count}
	g.depth++
	return nil
}

// valueDone counts a complete value against the aggregates it completes.
func (g *respGuard) valueDone() {
	g.state = expectType
	for g.depth > 0 {
		top := &g.open[g.depth-1]
		top.left--
		if top.left > 0 {
			return
		}
		g.depth--
	}
}

func isSimple(kind byte) bool { return kind == '+' || kind == '-' || kind == ':' }

func isString(kind byte) bool { return kind == '$' }

func isAggregate(kind byte) bool { return kind == '*' }

func oversized(detail string) *nodeinfo.Failure {
	return &nodeinfo.Failure{Kind: nodeinfo.KindOversized, Detail: detail}
}

func malformed(detail string) *nodeinfo.Failure {
	return &nodeinfo.Failure{Kind: nodeinfo.KindProtocol, Detail: "the reply is not valid RESP: " + detail}
}
