package main

import (
	"bufio"
	"bytes"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// podEvent is what the bench reads of a watch event on pods.
type podEvent struct {
	Type, Name, NodeName string
}

// parseEvent reads a watch event's line without decoding the pod: at 50 watches of
// thousands of pods, a full decode is a share of 2 cores taken from the agents it
// measures. The API writes one event per line, `{"type":"T","object":{...}}`, the object
// encoded compactly with its kind and apiVersion first, so the first "name" is the pod's
// metadata.name; the bench's pods have no field named nodeName but spec's.
func parseEvent(line []byte) (podEvent, bool) {
	var ev podEvent
	var ok bool
	if ev.Type, ok = stringAfter(line, `{"type":"`); !ok {
		return ev, false
	}
	if ev.Name, ok = stringAfter(line, `"name":"`); !ok {
		return ev, ev.Type == "BOOKMARK" || ev.Type == "ERROR"
	}
	ev.NodeName, _ = stringAfter(line, `"nodeName":"`)
	return ev, true
}

// stringAfter is the JSON string (with no escapes) that follows the first key in line.
func stringAfter(line []byte, key string) (string, bool) {
	i := bytes.Index(line, []byte(key))
	if i < 0 {
		return "", false
	}
	rest := line[i+len(key):]
	end := bytes.IndexByte(rest, '"')
	if end < 0 {
		return "", false
	}
	return string(rest[:end]), true
}

// visibility watches the pods of a namespace on every agent and records when each one
// first lists want of them, all placed on a node. A watch reports each pod as the API
// lists it the moment it changes, without having 50 agents encode their whole list
// many times a second: at 2 cores that would slow down what it measures. An agent whose
// watch ends is polled with its list every 250 ms instead.
type visibility struct {
	mu   sync.Mutex
	at   []time.Time // when agent i listed them all; zero until then
	done chan struct{}
	left int
}

func watchVisible(agents []*agent, namespace string, want int) *visibility {
	v := &visibility{at: make([]time.Time, len(agents)), done: make(chan struct{}), left: len(agents)}
	ready := make(chan struct{}, len(agents))
	for i, a := range agents {
		go v.follow(i, a, namespace, want, ready)
	}
	for range agents {
		<-ready
	}
	return v
}

func (v *visibility) seen(i int) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.at[i].IsZero() {
		v.at[i] = time.Now()
		if v.left--; v.left == 0 {
			close(v.done)
		}
	}
}

// wait returns when every agent listed them all, or after timeout, with the times.
func (v *visibility) wait(timeout time.Duration) []time.Time {
	select {
	case <-v.done:
	case <-time.After(timeout):
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]time.Time(nil), v.at...)
}

func (v *visibility) follow(i int, a *agent, namespace string, want int, ready chan<- struct{}) {
	url := a.api("/api/v1/pods?namespace=" + namespace + "&watch=true")
	// No client timeout: the watch lasts as long as the measurement.
	resp, err := (&http.Client{}).Get(url)
	ready <- struct{}{}
	if err == nil && resp.StatusCode == http.StatusOK {
		placed := map[string]bool{}
		count := 0
		set := func(name string, on bool) {
			if placed[name] != on {
				if on {
					count++
				} else {
					count--
				}
			}
			if on {
				placed[name] = true
			} else {
				delete(placed, name)
			}
		}
		lines := bufio.NewScanner(resp.Body)
		lines.Buffer(make([]byte, 1<<16), 16<<20)
		for lines.Scan() {
			ev, ok := parseEvent(lines.Bytes())
			if !ok {
				break
			}
			switch ev.Type {
			case "ADDED", "MODIFIED":
				set(ev.Name, ev.NodeName != "")
			case "DELETED":
				set(ev.Name, false)
			default:
				continue
			}
			if count >= want {
				v.seen(i)
				resp.Body.Close()
				return
			}
		}
		resp.Body.Close()
	} else if err == nil {
		resp.Body.Close()
	}
	for {
		select {
		case <-v.done:
			return
		default:
		}
		if placedIn(a, namespace) >= want {
			v.seen(i)
			return
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// placedIn counts the pods of namespace that agent a lists with a node.
func placedIn(a *agent, namespace string) int {
	body, err := get(a.api("/api/v1/pods?namespace=" + namespace))
	if err != nil {
		return -1
	}
	return bytes.Count(body, []byte(`"nodeName":"`)) - bytes.Count(body, []byte(`"nodeName":""`))
}

// listLatency times lists of every pod on a, one after the other.
func listLatency(a *agent, times int) ([]float64, int) {
	var ms []float64
	size := 0
	for range times {
		start := time.Now()
		body, err := get(a.api("/api/v1/pods"))
		if err != nil {
			continue
		}
		ms = append(ms, float64(time.Since(start).Microseconds())/1000)
		size = len(body)
	}
	return ms, size
}

func itoa(i int) string { return strconv.Itoa(i) }
