package node

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"syscall"
	"time"

	"github.com/persistwatch/redis-persistence-datasource/pkg/settings"
)

// dialFunc opens a connection; go-redis calls it for every connection of a client.
type dialFunc = func(ctx context.Context, network, addr string) (net.Conn, error)

// keepAlive is go-redis's own default: probe after 30 s idle, below typical LB and NAT idle
// timeouts, and give up after 3 unanswered probes.
var keepAlive = net.KeepAliveConfig{Enable: true, Idle: 30 * time.Second, Interval: 5 * time.Second, Count: 3}

// dialNet opens a direct socket; tests count dials through it.
var dialNet dialFunc = (&net.Dialer{KeepAliveConfig: keepAlive}).DialContext

// rawDialer is where every client (data node, cluster member, sentinel) gets its connection
// before TLS: through Grafana's secure SOCKS proxy when it is on, else directly. It is the one
// place that decides, so that no client can bypass the proxy.
func rawDialer(s settings.Settings) dialFunc {
	if s.Proxy != nil {
		return s.Proxy.Dial
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) { return dialNet(ctx, network, addr) }
}

// dialer is the go-redis Dialer for one node. It never returns an error to go-redis: go-redis's
// pool counts dial errors and, once they reach PoolSize (1 here), replays the last one to every
// read without dialling and redials in a goroutine of its own every second until a dial works.
// For a node that is down that is a goroutine and a dial per second while nobody looks (a
// thousand of each for a thousand dead nodes), and after it comes back up to a second of a stale
// "refused". A failed dial is handed over instead as a connection whose every use fails with the
// dial error: go-redis discards it, and the next read of the node dials again, itself.
//
// It also does the TLS handshake, so that a TLS client talking to a plaintext server is told
// apart from a node that does not answer (see handshake). The connect timeout covers the proxy's
// handshake and TLS too.
func dialer(s settings.Settings, config *tls.Config) dialFunc {
	raw := rawDialer(s)
	return func(ctx context.Context, network, address string) (net.Conn, error) {
		ctx, cancel := context.WithTimeout(ctx, s.ConnectTimeout)
		defer cancel()
		conn, err := dial(ctx, raw, s.Proxy == nil, network, address, config, s.ReadTimeout)
		if err != nil {
			return failedConn{err: &dialError{err: err}}, nil
		}
		return conn, nil
	}
}

// direct says the connection is not through a proxy, so the node itself can be asked again
// whether it speaks TLS after a silent hang-up.
func dial(ctx context.Context, open dialFunc, direct bool, network, address string, config *tls.Config, probeTimeout time.Duration) (net.Conn, error) {
	raw, err := open(ctx, network, address)
	if err != nil {
		return nil, err
	}
	if config == nil {
		watched := &watchedConn{Conn: raw, direct: direct}
		if sys, ok := raw.(syscall.Conn); ok {
			// go-redis checks an idle connection through its socket before reusing it, so a
			// node that restarted between two reads costs no failed read.
			return watchedSocket{watchedConn: watched, socket: sys}, nil
		}
		return watched, nil
	}
	conn, err := handshake(ctx, raw, config, probeTimeout)
	if err != nil {
		_ = raw.Close()
		return nil, err
	}
	return &watchedConn{Conn: conn, direct: direct}, nil
}

// handshake runs the TLS handshake within the dial's deadline. A plaintext Redis takes a
// ClientHello for the start of an inline command and waits for its end, which never comes (it
// looks for a newline only up to the first NUL, and a ClientHello has one in its sixth byte), so
// the handshake times out exactly as with a node that does not answer at all. When the server has
// sent nothing, probePlaintext tells the two apart.
func handshake(ctx context.Context, raw net.Conn, config *tls.Config, probeTimeout time.Duration) (*tls.Conn, error) {
	counted := &countingConn{Conn: raw}
	conn := tls.Client(counted, config)
	if deadline, ok := ctx.Deadline(); ok {
		_ = raw.SetDeadline(deadline)
	}
	// A cancelled read ends the handshake at once; a deadline does it by itself.
	interrupted := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		_ = raw.SetDeadline(time.Unix(1, 0))
		close(interrupted)
	})
	err := conn.Handshake()
	if !stop() {
		<-interrupted // the probe below sets a deadline of its own
	}
	if err == nil {
		_ = raw.SetDeadline(time.Time{})
		return conn, nil
	}
	var header tls.RecordHeaderError
	if errors.As(err, &header) && isReplyStart(header.RecordHeader[0]) {
		return nil, &plaintextServer{answer: firstLine(header.RecordHeader[:])}
	}
	var netErr net.Error
	if counted.received == 0 && errors.As(err, &netErr) && netErr.Timeout() && !errors.Is(ctx.Err(), context.Canceled) {
		if answer := probePlaintext(raw, time.Now().Add(probeTimeout)); answer != "" {
			return nil, &plaintextServer{answer: answer}
		}
	}
	return nil, err
}

// inlineLimit is one byte past Redis's PROTO_INLINE_MAX_SIZE (64 KiB): an inline command that
// long is answered with "-ERR Protocol error: too big inline request" at once.
const inlineLimit = 64<<10 + 1

// probePlaintext sends enough bytes to overflow a plaintext Redis's inline command, and returns
// the start of the answer when it is a Redis reply. A stalled node still does not answer.
func probePlaintext(raw net.Conn, until time.Time) string {
	_ = raw.SetDeadline(until)
	if _, err := raw.Write(make([]byte, inlineLimit)); err != nil {
		return ""
	}
	var answer [64]byte
	n, _ := io.ReadAtLeast(raw, answer[:], 1)
	if n == 0 || !isReplyStart(answer[0]) {
		return ""
	}
	return firstLine(answer[:n])
}

// firstLine is the text of a reply up to its line end.
func firstLine(reply []byte) string {
	line, _, _ := bytes.Cut(reply, []byte("\r"))
	return string(line)
}

// isReplyStart says whether b starts a RESP reply (error, status, integer, bulk or array).
func isReplyStart(b byte) bool { return bytes.IndexByte([]byte("-+:$*"), b) >= 0 }

// plaintextServer is a TLS handshake answered in plain RESP: TLS is on, the server speaks none.
type plaintextServer struct{ answer string }

func (e *plaintextServer) Error() string {
	return "TLS handshake answered in plain text (" + e.answer + ")"
}

// dialError marks an error as the dial's, whatever go-redis wraps around it.
type dialError struct{ err error }

func (e *dialError) Error() string { return e.err.Error() }
func (e *dialError) Unwrap() error { return e.err }

// failedConn is a failed dial handed to go-redis as a connection (see dialer).
type failedConn struct{ err error }

func (c failedConn) Read([]byte) (int, error)         { return 0, c.err }
func (c failedConn) Write([]byte) (int, error)        { return 0, c.err }
func (c failedConn) Close() error                     { return nil }
func (c failedConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (c failedConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (c failedConn) SetDeadline(time.Time) error      { return nil }
func (c failedConn) SetReadDeadline(time.Time) error  { return nil }
func (c failedConn) SetWriteDeadline(time.Time) error { return nil }

// countingConn counts the bytes a TLS handshake received.
type countingConn struct {
	net.Conn
	received int
}

func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.received += n
	return n, err
}

// firstReplyKept bounds what watchedConn keeps of what a server sent first.
const firstReplyKept = 256

// watchedConn tells why a server hung up on a new connection, where a bare "connection reset"
// would send the on-call the wrong way:
//   - A server that turns a client away (maxclients, protected mode) writes one error line and
//     hangs up; go-redis reads that line as the answer to its HELLO, takes it for a server
//     without HELLO, and the next command meets a closed socket. That line is the reason.
//   - A TLS server that rejects the client certificate sends an alert and hangs up, and the
//     reset can overtake the alert on the way to the client's first write. The alert is read.
//   - A TLS-only server hangs up on plain text without a byte. A TLS handshake tells.
type watchedConn struct {
	net.Conn
	direct   bool
	received []byte // the first firstReplyKept bytes
	total    int
	// deadline is the last one go-redis set for a read or write: what is left of the command's
	// time, which bounds the look for an alert or a TLS answer after a hang-up.
	deadline time.Time
}

func (c *watchedConn) SetDeadline(t time.Time) error {
	c.deadline = t
	return c.Conn.SetDeadline(t)
}

func (c *watchedConn) SetReadDeadline(t time.Time) error {
	c.deadline = t
	return c.Conn.SetReadDeadline(t)
}

func (c *watchedConn) SetWriteDeadline(t time.Time) error {
	c.deadline = t
	return c.Conn.SetWriteDeadline(t)
}

func (c *watchedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if keep := min(n, firstReplyKept-len(c.received)); keep > 0 {
		c.received = append(c.received, p[:keep]...)
	}
	c.total += n
	return n, c.explain(err)
}

func (c *watchedConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	return n, c.explain(err)
}

func (c *watchedConn) explain(err error) error {
	hungUp := errors.Is(err, io.EOF) || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET)
	if !hungUp {
		return err
	}
	line := c.received
	switch tlsConn, isTLS := c.Conn.(*tls.Conn); {
	case c.total == len(line) && len(line) > 2 && line[0] == '-' && bytes.IndexByte(line, '\n') == len(line)-1:
		return &turnedAway{reply: firstLine(line[1:])}
	case c.total > 0, c.deadline.IsZero(): // an answered connection, or no time bound to look
	case isTLS:
		// An alert the server sent before hanging up is still queued and read at once; without
		// one, this waits no longer than the command would have.
		_ = tlsConn.SetReadDeadline(c.deadline)
		if _, alertErr := tlsConn.Read(make([]byte, 1)); isRemoteAlert(alertErr) {
			return alertErr
		}
	case c.direct && speaksTLS(c.RemoteAddr(), c.deadline): // through a proxy, RemoteAddr is the proxy's
		return &tlsOnlyServer{err: err}
	}
	return err
}

// isRemoteAlert says whether err is a TLS alert the server sent.
func isRemoteAlert(err error) bool {
	var opErr *net.OpError
	return errors.As(err, &opErr) && opErr.Op == "remote error"
}

// speaksTLS says whether a TLS handshake with address gets a TLS answer. It sends a ClientHello
// only: the certificate is not checked, and nothing is sent after the handshake.
func speaksTLS(address net.Addr, deadline time.Time) bool {
	d := &net.Dialer{Deadline: deadline}
	conn, err := tls.DialWithDialer(d, address.Network(), address.String(), &tls.Config{InsecureSkipVerify: true}) //nolint:gosec // only asks whether the server speaks TLS
	if err == nil {
		_ = conn.Close()
	}
	return err == nil || isRemoteAlert(err)
}

// tlsOnlyServer is a server that hung up on plain text and answers a TLS handshake. Like
// turnedAway it does not unwrap: go-redis unwraps a failed connection set-up's error once.
type tlsOnlyServer struct{ err error }

func (e *tlsOnlyServer) Error() string {
	return "the server hung up on plain text and answers TLS (" + e.err.Error() + ")"
}

// watchedSocket is a plain TCP watchedConn that still exposes its socket, for go-redis's check.
type watchedSocket struct {
	*watchedConn
	socket syscall.Conn
}

func (c watchedSocket) SyscallConn() (syscall.RawConn, error) { return c.socket.SyscallConn() }

// turnedAway is a server that sent one error reply on a new connection and hung up.
type turnedAway struct{ reply string }

func (e *turnedAway) Error() string { return e.reply + " (then the server closed the connection)" }
