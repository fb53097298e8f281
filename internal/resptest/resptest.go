// Package resptest is a scripted RESP server for what no real redis-server does: hostile or
// broken replies (lengths of a TiB, replies that never end, 10 MB error texts). It answers each
// command with what its script says, and can hand its address over to a real server later.
// Everything it sends is streamed from a small buffer, so that a test measuring the plugin's
// memory measures the plugin, not the server.
package resptest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Reply writes the answer to one command. An error ends the connection.
type Reply func(w io.Writer) error

// Script answers commands by name (upper case, e.g. "HELLO", "INFO", "CONFIG"). A command that
// is not in the script gets what a Redis 7 would answer: a healthy INFO with AOF on and its last
// rewrite ok, CONFIG GET's default rewrite trigger, an unknown-command error for anything else.
type Script map[string]Reply

// Server is a scripted RESP server on a loopback port.
type Server struct {
	Addr     string
	listener net.Listener
	mu       sync.Mutex
	script   Script
	forward  string // set: connections from now on are relayed to this address
	conns    map[net.Conn]bool
	done     sync.WaitGroup
}

// Start serves script on a free loopback port until the test ends.
func Start(tb testing.TB, script Script) *Server {
	tb.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	s := &Server{Addr: listener.Addr().String(), listener: listener, script: script, conns: map[net.Conn]bool{}}
	s.done.Add(1)
	go s.accept(func(conn net.Conn) { s.serve(conn) })
	tb.Cleanup(s.Close)
	return s
}

// StartStream serves data as the whole reply stream of every connection: written at once,
// whatever is asked, then the server stops sending (and drains the client). For fuzzing.
func StartStream(tb testing.TB, data func() []byte) *Server {
	tb.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	s := &Server{Addr: listener.Addr().String(), listener: listener, conns: map[net.Conn]bool{}}
	s.done.Add(1)
	go s.accept(func(conn net.Conn) {
		drained := make(chan struct{})
		go func() {
			_, _ = io.Copy(io.Discard, conn)
			close(drained)
		}()
		if _, err := conn.Write(data()); err == nil {
			_ = conn.(*net.TCPConn).CloseWrite()
		}
		<-drained
	})
	tb.Cleanup(s.Close)
	return s
}

// Forward relays every later connection to addr (a real redis-server), so that the node at this
// address turns healthy; connections already open are closed.
func (s *Server) Forward(addr string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.forward = addr
	for conn := range s.conns {
		_ = conn.Close()
	}
}

// Close stops listening, closes every connection and waits for their handlers.
func (s *Server) Close() {
	_ = s.listener.Close()
	s.mu.Lock()
	for conn := range s.conns {
		_ = conn.Close()
	}
	s.mu.Unlock()
	s.done.Wait()
}

func (s *Server) accept(handle func(net.Conn)) {
	defer s.done.Done()
	for {
		conn, err := s.listener.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns[conn] = true
		forward := s.forward
		s.mu.Unlock()
		s.done.Add(1)
		go func() {
			defer s.done.Done()
			defer s.drop(conn)
			if forward != "" {
				relay(conn, forward)
				return
			}
			handle(conn)
		}()
	}
}

func (s *Server) drop(conn net.Conn) {
	_ = conn.Close()
	s.mu.Lock()
	delete(s.conns, conn)
	s.mu.Unlock()
}

func relay(conn net.Conn, addr string) {
	upstream, err := net.Dial("tcp", addr)
	if err != nil {
		return
	}
	defer func() { _ = upstream.Close() }()
	go func() {
		_, _ = io.Copy(upstream, conn)
		_ = upstream.Close()
	}()
	_, _ = io.Copy(conn, upstream)
}

func (s *Server) serve(conn net.Conn) {
	reader := bufio.NewReader(conn)
	for {
		args, err := ReadCommand(reader)
		if err != nil || len(args) == 0 {
			return
		}
		name := strings.ToUpper(args[0])
		reply, ok := s.script[name]
		if !ok {
			reply = healthy(name)
		}
		if reply(conn) != nil {
			return
		}
	}
}

// HealthyInfo is the INFO text of a Redis 7 primary with AOF on and its last rewrite ok.
const HealthyInfo = "# Persistence\r\nloading:0\r\naof_enabled:1\r\naof_rewrite_in_progress:0\r\naof_rewrite_scheduled:0\r\n" +
	"aof_last_bgrewrite_status:ok\r\naof_last_write_status:ok\r\naof_current_size:100\r\naof_base_size:100\r\n" +
	"# Replication\r\nrole:master\r\nconnected_slaves:0\r\n"

func healthy(name string) Reply {
	switch name {
	case "INFO":
		return Bulk(HealthyInfo)
	case "CONFIG":
		return Raw("*4\r\n$27\r\nauto-aof-rewrite-percentage\r\n$3\r\n100\r\n$25\r\nauto-aof-rewrite-min-size\r\n$8\r\n67108864\r\n")
	}
	return Raw("-ERR unknown command '" + name + "'\r\n")
}

// Raw sends text as it is.
func Raw(text string) Reply {
	return func(w io.Writer) error {
		_, err := io.WriteString(w, text)
		return err
	}
}

// Bulk sends text as a bulk string.
func Bulk(text string) Reply { return Raw("$" + strconv.Itoa(len(text)) + "\r\n" + text + "\r\n") }

// Header sends a header line (e.g. "$1099511627776") and then nothing: the client reads on.
func Header(line string) Reply { return Raw(line + "\r\n") }

// Padded sends header, then size bytes of INFO-like "x:xxx…" lines, then tail.
func Padded(header string, size int64, tail string) Reply {
	return padded(header, infoLines, size, tail)
}

// Long sends header, then size bytes of "x" (no line break), then tail: a long line.
func Long(header string, size int64, tail string) Reply { return padded(header, text, size, tail) }

// Repeated sends header, then item count times: a long reply made of small parts.
func Repeated(header, item string, count int) Reply {
	return func(w io.Writer) error {
		if _, err := io.WriteString(w, header); err != nil {
			return err
		}
		batch := strings.Repeat(item, max(1, (64<<10)/len(item)))
		for sent := 0; sent < count; sent += len(batch) / len(item) {
			if _, err := io.WriteString(w, batch[:min(len(batch), (count-sent)*len(item))]); err != nil {
				return err
			}
		}
		return nil
	}
}

// BigBulk sends a valid bulk string of size bytes, INFO-like lines followed by HealthyInfo.
func BigBulk(size int64) Reply {
	if size < int64(len(HealthyInfo)) {
		panic("resptest: BigBulk below the healthy INFO's size")
	}
	return Padded(fmt.Sprintf("$%d\r\n", size), size-int64(len(HealthyInfo)), HealthyInfo+"\r\n")
}

// Endless sends header and then "x" until the client hangs up.
func Endless(header string) Reply {
	return func(w io.Writer) error {
		if _, err := io.WriteString(w, header); err != nil {
			return err
		}
		for {
			if err := fill(w, text, 1<<20); err != nil {
				return err
			}
		}
	}
}

func padded(header string, filler []byte, size int64, tail string) Reply {
	return func(w io.Writer) error {
		if _, err := io.WriteString(w, header); err != nil {
			return err
		}
		if err := fill(w, filler, size); err != nil {
			return err
		}
		_, err := io.WriteString(w, tail)
		return err
	}
}

// 64 KiB fillers: INFO field lines, and plain text.
var (
	infoLines = bytes.Repeat([]byte("x:"+strings.Repeat("x", 62)+"\r\n"), 1024)
	text      = bytes.Repeat([]byte("x"), 64<<10)
)

func fill(w io.Writer, filler []byte, size int64) error {
	for size > 0 {
		chunk := filler[:min(int64(len(filler)), size)]
		if _, err := w.Write(chunk); err != nil {
			return err
		}
		size -= int64(len(chunk))
	}
	return nil
}

// ReadCommand reads one command as clients send it: an array of bulk strings.
func ReadCommand(reader *bufio.Reader) ([]string, error) {
	header, err := reader.ReadString('\n')
	if err != nil {
		return nil, err
	}
	count, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(header, "*")))
	if err != nil || count < 0 || count > 64 {
		return nil, errors.New("not a command")
	}
	args := make([]string, count)
	for i := range args {
		if _, err := reader.ReadString('\n'); err != nil {
			return nil, err
		}
		line, err := reader.ReadString('\n')
		if err != nil {
			return nil, err
		}
		args[i] = strings.TrimRight(line, "\r\n")
	}
	return args, nil
}
