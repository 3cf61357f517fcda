package apiserver

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podman-swarm/podman-swarm/agent/view"
)

// Lists are read in pages with ?limit= and the continue token each page ends with, as from
// the API server (kubectl reads 500 objects a page). Every page of one list is of the same
// moment: the first page keeps the whole list, at its resource version, and the next pages
// are cut from it. A list is kept pageTTL after its first page, as the API server keeps a
// version for about that long; a token after that, or one from another node (each node
// keeps its own lists), is 410 Expired, and the client lists again.
const (
	pageTTL = 5 * time.Minute
	// maxPagedLists bounds the lists kept at once; a new one past it drops the oldest.
	maxPagedLists = 64
)

// pagedList is a list whose pages are being read.
type pagedList struct {
	query   string // what was listed (path and selectors): a token is for that only
	version uint64
	items   [][]byte
	made    time.Time
}

// pageStore keeps the lists being read in pages, by id.
type pageStore struct {
	mu    sync.Mutex
	lists map[string]*pagedList
	order []string // ids, oldest first
}

func newPageStore() *pageStore { return &pageStore{lists: map[string]*pagedList{}} }

// keep stores a list whose pages are to be read, and returns its id.
func (p *pageStore) keep(l *pagedList) string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	id := hex.EncodeToString(b[:])
	p.mu.Lock()
	defer p.mu.Unlock()
	p.expire(l.made)
	for len(p.order) >= maxPagedLists {
		delete(p.lists, p.order[0])
		p.order = p.order[1:]
	}
	p.lists[id] = l
	p.order = append(p.order, id)
	return id
}

// find is the list of id, if it is still kept at now.
func (p *pageStore) find(id string, now time.Time) (*pagedList, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.expire(now)
	l, ok := p.lists[id]
	return l, ok
}

// expire drops the lists older than pageTTL; under p.mu.
func (p *pageStore) expire(now time.Time) {
	for len(p.order) > 0 && now.Sub(p.lists[p.order[0]].made) > pageTTL {
		delete(p.lists, p.order[0])
		p.order = p.order[1:]
	}
}

// continueToken is what a continue token says: which kept list, at which item, and the
// list's version (for people who decode it).
type continueToken struct {
	ID      string `json:"id"`
	At      int    `json:"at"`
	Version string `json:"rv"`
}

func encodeContinue(t continueToken) string {
	data, _ := json.Marshal(t) // a struct of strings and an int always encodes
	return base64.RawURLEncoding.EncodeToString(data)
}

func decodeContinue(s string) (continueToken, error) {
	var t continueToken
	data, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(data, &t)
	}
	if err == nil && (t.ID == "" || t.At <= 0) {
		err = fmt.Errorf("no list named")
	}
	if err != nil {
		return t, newStatusError(http.StatusBadRequest, metav1.StatusReasonBadRequest, "continue key is not valid: "+err.Error())
	}
	return t, nil
}

// errContinueExpired answers a token whose list is no longer kept here.
var errContinueExpired = apierrors.NewResourceExpired("The provided continue parameter is too old to display a consistent list result. " +
	"You can start a new list without the continue parameter.")

// limitParam reads ?limit=: none or 0 is every item.
func limitParam(s string) (int, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, newStatusError(http.StatusBadRequest, metav1.StatusReasonBadRequest, fmt.Sprintf("limit %q: want a number of items, 0 or more", s))
	}
	return int(min(n, 1<<30)), nil
}

// page cuts the page a request asks for (?limit=, ?continue=) out of items, the list of
// query at version, and gives the list's metadata: its version and, when items remain, the
// token of the next page and how many remain. A continued list's items are those kept at
// its first page, whatever items and version say now.
func (p *pageStore) page(query, limit, cont string, version uint64, items [][]byte, now time.Time) ([][]byte, metav1.ListMeta, error) {
	n, err := limitParam(limit)
	if err != nil {
		return nil, metav1.ListMeta{}, err
	}
	at, id := 0, ""
	if cont != "" {
		t, err := decodeContinue(cont)
		if err != nil {
			return nil, metav1.ListMeta{}, err
		}
		l, ok := p.find(t.ID, now)
		if !ok {
			return nil, metav1.ListMeta{}, errContinueExpired
		}
		if l.query != query {
			return nil, metav1.ListMeta{}, newStatusError(http.StatusBadRequest, metav1.StatusReasonBadRequest,
				"continue key is not valid: it continues another list (the path, namespace and selectors must be those of the first page)")
		}
		at, id, version, items = min(t.At, len(l.items)), t.ID, l.version, l.items
	}
	meta := metav1.ListMeta{ResourceVersion: view.FormatVersion(version)}
	if n == 0 || len(items)-at <= n {
		return items[at:], meta, nil
	}
	if id == "" {
		id = p.keep(&pagedList{query: query, version: version, items: items, made: now})
	}
	next := at + n
	remaining := int64(len(items) - next)
	meta.Continue = encodeContinue(continueToken{ID: id, At: next, Version: meta.ResourceVersion})
	meta.RemainingItemCount = &remaining
	return items[at:next], meta, nil
}
