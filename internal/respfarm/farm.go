package respfarm

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
)

// Farm answers requests with recorded replies on any number of listeners. The replies are shared
// by every connection and never copied: a poll of ten thousand nodes costs the farm reading the
// requests and writing the replies, nothing per node but a goroutine and a socket.
type Farm struct {
	replies     map[string]answer // by the request's bytes
	connections atomic.Int64
	mu          sync.Mutex
	unmatched   map[string]int64 // by command name
	firstMiss   string
}

type answer struct {
	reply []byte
	count *atomic.Int64 // commands served under this request's name
	name  string
}

// Counts are what a farm has served so far.
type Counts struct {
	Connections int64            `json:"connections"` // accepted
	Commands    map[string]int64 `json:"commands"`    // answered from the recording, by name
	Unmatched   map[string]int64 `json:"unmatched"`   // with no recording, by name
	FirstMiss   string           `json:"firstMiss,omitempty"`
}

// New makes a farm of the recorded pairs. A request recorded more than once keeps its first reply
// (INFO's uptime differs from call to call; any real reply will do).
func New(pairs []Pair) (*Farm, error) {
	f := &Farm{replies: map[string]answer{}, unmatched: map[string]int64{}}
	byName := map[string]*atomic.Int64{}
	for _, p := range pairs {
		name := CommandName(p.Request)
		if name == "" {
			return nil, fmt.Errorf("respfarm: recorded request %.80q is not a command", p.Request)
		}
		if _, ok := f.replies[string(p.Request)]; ok {
			continue
		}
		if byName[name] == nil {
			byName[name] = new(atomic.Int64)
		}
		f.replies[string(p.Request)] = answer{reply: p.Reply, count: byName[name], name: name}
	}
	return f, nil
}

// Counts returns a snapshot of the counters.
func (f *Farm) Counts() Counts {
	c := Counts{Connections: f.connections.Load(), Commands: map[string]int64{}, Unmatched: map[string]int64{}}
	for _, a := range f.replies {
		c.Commands[a.name] = a.count.Load()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for name, n := range f.unmatched {
		c.Unmatched[name] = n
	}
	c.FirstMiss = f.firstMiss
	return c
}

// Serve accepts connections on l until it is closed, serving each on a goroutine of its own.
func (f *Farm) Serve(l net.Listener) error {
	for {
		conn, err := l.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		f.connections.Add(1)
		go f.serve(conn)
	}
}

// serve answers one connection's requests in order. The replies to what the client sent at once
// (a pipeline) go out in one write.
func (f *Farm) serve(conn net.Conn) {
	defer func() { _ = conn.Close() }()
	in := bufio.NewReaderSize(conn, 1024)
	var request []byte
	var out [][]byte
	for {
		var err error
		request, err = ReadFrame(in, request[:0])
		if err != nil {
			if len(request) > 0 {
				f.miss(request, cutShort)
			}
			return
		}
		a, ok := f.replies[string(request)]
		if ok {
			a.count.Add(1)
			out = append(out, a.reply)
		} else {
			out = append(out, f.miss(request, CommandName(request)))
		}
		if in.Buffered() > 0 {
			continue
		}
		buffers := net.Buffers(out)
		if _, err := buffers.WriteTo(conn); err != nil {
			return
		}
		clear(out) // drop the references the write left behind
		out = out[:0]
	}
}

// cutShort names the requests that ended before they were whole, or were not RESP.
const cutShort = "(cut short or not RESP)"

// miss counts a request with no recording under name and returns the error that answers it.
func (f *Farm) miss(request []byte, name string) []byte {
	if name == "" {
		name = "(not a command)"
	}
	f.mu.Lock()
	f.unmatched[name]++
	if f.firstMiss == "" {
		f.firstMiss = fmt.Sprintf("%.200q", request)
	}
	f.mu.Unlock()
	return fmt.Appendf(nil, "-ERR respfarm: no recorded reply for this %q request\r\n", name)
}
