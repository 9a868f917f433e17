package serve

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// shortTimeouts make the connection limits observable in a second or two.
var shortTimeouts = Timeouts{ReadHeader: time.Second, Read: time.Second, Write: time.Second, Idle: time.Second}

// dial opens a raw connection to ts.
func dial(t *testing.T, ts *httptest.Server) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// closedWithin reads c until the server closes it and returns how long that
// took, or fails the test if it is still open after limit.
func closedWithin(t *testing.T, c net.Conn, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	c.SetReadDeadline(start.Add(limit))
	_, err := io.Copy(io.Discard, c)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("the server still holds the connection after %v", limit)
	}
	return time.Since(start)
}

// TestSlowBodyIsCutOff: a client that sends a job request's body a byte at
// a time is cut off once the read timeout has passed, not held for as long
// as it keeps sending.
func TestSlowBodyIsCutOff(t *testing.T) {
	ts, _ := jobServerWith(t, fixture.families, shortTimeouts, nil)
	c := dial(t, ts)
	fmt.Fprintf(c, "POST /api/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for tick := time.NewTicker(200 * time.Millisecond); ; {
			select {
			case <-stop:
				tick.Stop()
				return
			case <-tick.C:
				if _, err := c.Write([]byte(" ")); err != nil {
					return
				}
			}
		}
	}()
	if took := closedWithin(t, c, 6*time.Second); took > 3*time.Second {
		t.Errorf("slow body held for %v with a read timeout of %v", took, shortTimeouts.Read)
	}
}

// TestIdleConnectionIsClosed: a keep-alive connection with no next request
// is closed after the idle timeout.
func TestIdleConnectionIsClosed(t *testing.T) {
	ts, _ := jobServerWith(t, fixture.families, shortTimeouts, nil)
	c := dial(t, ts)
	fmt.Fprintf(c, "GET /api/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Close {
		t.Fatalf("GET /api/jobs: %d, close %v: want a kept-alive 200", resp.StatusCode, resp.Close)
	}
	if took := closedWithin(t, c, 6*time.Second); took > 3*time.Second {
		t.Errorf("idle connection held for %v with an idle timeout of %v", took, shortTimeouts.Idle)
	}
}

// TestBodyLimitEverywhere: every endpoint refuses a body over the limit,
// declared or chunked, with 413, including those that read none.
func TestBodyLimitEverywhere(t *testing.T) {
	ts, _ := jobServerWith(t, fixture.families, shortTimeouts, nil)
	big := strings.Repeat(" ", maxRequestBody+1)
	for _, c := range []struct {
		method, path string
		body         io.Reader
	}{
		{http.MethodPost, "/api/jobs", strings.NewReader(big)},
		{http.MethodPost, "/api/jobs", io.MultiReader(strings.NewReader(big))}, // no length: chunked
		{http.MethodPost, "/api/jobs/nosuchjob/cancel", strings.NewReader(big)},
		{http.MethodGet, "/api/variants", strings.NewReader(big)},
	} {
		req, err := http.NewRequest(c.method, ts.URL+c.path, c.body)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := ts.Client().Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", c.method, c.path, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(b), "over the limit of 65536 bytes") {
			t.Errorf("%s %s (length %d): %d %s", c.method, c.path, req.ContentLength, resp.StatusCode, b)
		}
	}
}

// TestEventStreamOutlivesTimeouts: a job's event stream goes on past the
// server's read and write timeouts for as long as the job runs.
func TestEventStreamOutlivesTimeouts(t *testing.T) {
	defer func(d time.Duration) { sseHeartbeat = d }(sseHeartbeat)
	sseHeartbeat = 100 * time.Millisecond
	ts, _ := jobServerWith(t, realFamilies(t), shortTimeouts, nil)
	code, started := post(t, ts, "/api/jobs", `{"kind":"train","family":"modulo_addition_1layer","params":{"prime":17,"train_fraction":0.5,"seed":6},
		"options":{"epochs":100000,"checkpoints":"0:100000:50000"}}`, nil)
	if code != http.StatusAccepted {
		t.Fatalf("start: %d %v", code, started)
	}
	id := started["id"].(string)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, ts.URL+"/api/jobs/"+id+"/events", nil)
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	start := time.Now()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	cancelled := false
	for sc.Scan() {
		if !cancelled && time.Since(start) > 3*shortTimeouts.Write {
			// Well past both timeouts and still streaming: end the job.
			if code, body := post(t, ts, "/api/jobs/"+id+"/cancel", "", nil); code != http.StatusOK {
				t.Fatalf("cancel: %d %v", code, body)
			}
			cancelled = true
		}
		if sc.Text() == "event: end" {
			if !cancelled {
				t.Fatalf("the job ended by itself after %v; the test needs a longer job", time.Since(start))
			}
			return
		}
	}
	t.Fatalf("event stream broke after %v (cancelled %v): %v", time.Since(start), cancelled, sc.Err())
}
