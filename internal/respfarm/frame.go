// Package respfarm records what real Redis clients and servers say to each other and plays it
// back on many ports at once: a stand-in for thousands of nodes in the fleet benchmark, where
// thousands of real redis-server processes would not fit. A Recorder is a TCP proxy in front of
// a real server that pairs each request with its reply, byte for byte; a Farm answers each
// request whose bytes match a recorded one with the recorded reply, unchanged.
package respfarm

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
)

// maxFrame bounds one value's declared length or element count: a garbled stream must fail, not
// allocate gigabytes.
const maxFrame = 64 << 20

// ReadFrame appends one whole RESP value (RESP2 or RESP3), as the raw bytes that carried it, to
// buf. Requests are arrays of bulk strings; replies may be any type.
func ReadFrame(r *bufio.Reader, buf []byte) ([]byte, error) {
	return readFrame(r, buf, 0)
}

func readFrame(r *bufio.Reader, buf []byte, depth int) ([]byte, error) {
	if depth > 32 {
		return buf, errors.New("respfarm: RESP nested deeper than 32")
	}
	start := len(buf)
	buf, err := readLine(r, buf)
	if err != nil {
		return buf, err
	}
	line := buf[start : len(buf)-2]
	if len(line) == 0 {
		return buf, errors.New("respfarm: empty RESP line")
	}
	switch line[0] {
	case '+', '-', ':', '_', '#', ',', '(':
		return buf, nil
	case '$', '!', '=':
		n, err := length(line)
		if err != nil || n < 0 {
			return buf, err
		}
		buf = slices.Grow(buf, n+2)
		if _, err := io.ReadFull(r, buf[len(buf):len(buf)+n+2]); err != nil {
			return buf, err
		}
		buf = buf[:len(buf)+n+2]
		if !bytes.HasSuffix(buf, []byte("\r\n")) {
			return buf, fmt.Errorf("respfarm: bulk of %d bytes not followed by CRLF", n)
		}
		return buf, nil
	case '*', '~', '>', '%', '|':
		n, err := length(line)
		if err != nil || n < 0 {
			return buf, err
		}
		if line[0] == '%' || line[0] == '|' {
			n *= 2 // keys and values
		}
		for range n {
			if buf, err = readFrame(r, buf, depth+1); err != nil {
				return buf, err
			}
		}
		if line[0] == '|' {
			// Attributes come before the value they describe: both are one reply.
			return readFrame(r, buf, depth+1)
		}
		return buf, nil
	}
	return buf, fmt.Errorf("respfarm: not RESP: %.40q", line)
}

// readLine appends one CRLF-terminated line, CRLF included.
func readLine(r *bufio.Reader, buf []byte) ([]byte, error) {
	for {
		chunk, err := r.ReadSlice('\n')
		buf = append(buf, chunk...)
		if err == nil {
			break
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return buf, err
		}
		if len(buf) > maxFrame {
			return buf, errors.New("respfarm: RESP line too long")
		}
	}
	if len(buf) < 2 || buf[len(buf)-2] != '\r' {
		return buf, errors.New("respfarm: RESP line not ended by CRLF")
	}
	return buf, nil
}

func length(line []byte) (int, error) {
	n, err := strconv.Atoi(string(line[1:]))
	if err != nil || n < -1 || n > maxFrame {
		return 0, fmt.Errorf("respfarm: bad RESP length %.40q", line)
	}
	return n, nil
}

// CommandName is the upper-cased first word of a request (an array of bulk strings), or "" if
// the request is not one.
func CommandName(request []byte) string {
	r := bufio.NewReader(bytes.NewReader(request))
	header, err := readLine(r, nil)
	if err != nil || header[0] != '*' {
		return ""
	}
	bulk, err := readFrame(r, nil, 0)
	if err != nil || bulk[0] != '$' {
		return ""
	}
	_, name, _ := bytes.Cut(bulk[:len(bulk)-2], []byte("\r\n"))
	return string(bytes.ToUpper(name))
}
