package respfarm

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"sync"
)

// Pair is one request and the reply a real server sent to it, each as the bytes on the wire.
type Pair struct {
	Request []byte `json:"request"`
	Reply   []byte `json:"reply"`
}

// Save writes pairs to path (JSON, bytes in base64).
func Save(path string, pairs []Pair) error {
	raw, err := json.Marshal(pairs)
	if err != nil {
		return err
	}
	return os.WriteFile(path, raw, 0o600)
}

// Load reads what Save wrote.
func Load(path string) ([]Pair, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var pairs []Pair
	if err := json.Unmarshal(raw, &pairs); err != nil {
		return nil, fmt.Errorf("recording %s: %w", path, err)
	}
	return pairs, nil
}

// Recorder is a TCP proxy on a loopback port in front of a real server. On every connection it
// splits the client's stream into requests and the server's into replies and pairs them in
// order, so a pipeline of four commands gives four pairs.
type Recorder struct {
	Addr     string
	upstream string
	listener net.Listener
	mu       sync.Mutex
	pairs    []Pair
	failure  error
	conns    map[net.Conn]bool
	done     sync.WaitGroup
}

// StartRecorder listens on a free loopback port and relays every connection to upstream.
func StartRecorder(upstream string) (*Recorder, error) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &Recorder{Addr: listener.Addr().String(), upstream: upstream, listener: listener, conns: map[net.Conn]bool{}}
	r.done.Add(1)
	go r.accept()
	return r, nil
}

// Pairs returns what has been recorded so far, and the first framing failure if there was one
// (a stream that is not RESP cannot be paired, so the recording would be incomplete).
func (r *Recorder) Pairs() ([]Pair, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Pair(nil), r.pairs...), r.failure
}

// Close stops listening, closes every connection and waits for the relays.
func (r *Recorder) Close() {
	_ = r.listener.Close()
	r.mu.Lock()
	for conn := range r.conns {
		_ = conn.Close()
	}
	r.mu.Unlock()
	r.done.Wait()
}

func (r *Recorder) accept() {
	defer r.done.Done()
	for {
		client, err := r.listener.Accept()
		if err != nil {
			return
		}
		server, err := net.Dial("tcp", r.upstream)
		if err != nil {
			r.fail(err)
			_ = client.Close()
			continue
		}
		r.mu.Lock()
		r.conns[client], r.conns[server] = true, true
		r.mu.Unlock()
		r.done.Add(1)
		go func() {
			defer r.done.Done()
			r.relay(client, server)
			r.mu.Lock()
			delete(r.conns, client)
			delete(r.conns, server)
			r.mu.Unlock()
		}()
	}
}

// relay copies requests to the server and replies back, frame by frame. A request is queued
// before it is sent, so its reply always finds it.
func (r *Recorder) relay(client, server net.Conn) {
	pending := make(chan []byte, 1024)
	r.done.Add(1)
	go func() {
		defer r.done.Done()
		defer func() { _ = server.Close() }()
		in, out := bufio.NewReader(client), bufio.NewWriter(server)
		for {
			request, err := ReadFrame(in, nil)
			if err != nil {
				if len(request) > 0 {
					r.fail(fmt.Errorf("request stream: %w", err))
				}
				return
			}
			pending <- request
			if _, err := out.Write(request); err != nil {
				return
			}
			if in.Buffered() == 0 { // the end of what the client sent at once: a whole pipeline
				if out.Flush() != nil {
					return
				}
			}
		}
	}()
	defer func() { _ = client.Close() }()
	in, out := bufio.NewReader(server), bufio.NewWriter(client)
	for {
		reply, err := ReadFrame(in, nil)
		if err != nil {
			if len(reply) > 0 {
				r.fail(fmt.Errorf("reply stream: %w", err))
			}
			return
		}
		select {
		case request := <-pending:
			r.mu.Lock()
			r.pairs = append(r.pairs, Pair{Request: request, Reply: reply})
			r.mu.Unlock()
		default: // a push message, which RESP2 clients never get
			r.fail(fmt.Errorf("a reply with no request: %.80q", reply))
		}
		if _, err := out.Write(reply); err != nil {
			return
		}
		if in.Buffered() == 0 && out.Flush() != nil {
			return
		}
	}
}

func (r *Recorder) fail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failure == nil {
		r.failure = err
	}
}
