package cluster

import (
	"bytes"
	"fmt"
	"slices"
	"sync"

	"github.com/hashicorp/memberlist"
)

// keyring keeps the join tokens this node accepts, the primary first, in step
// with memberlist's keyring of the keys derived from them, and on disk.
type keyring struct {
	mu     sync.Mutex
	dir    string
	tokens []string
	ml     *memberlist.Keyring
}

func newKeyring(dir string, tokens []string) (*keyring, error) {
	keys, err := deriveKeys(tokens)
	if err != nil {
		return nil, err
	}
	ml, err := memberlist.NewKeyring(keys[1:], keys[0])
	if err != nil {
		return nil, fmt.Errorf("build keyring: %w", err)
	}
	return &keyring{dir: dir, tokens: slices.Clone(tokens), ml: ml}, nil
}

func deriveKeys(tokens []string) ([][]byte, error) {
	if len(tokens) == 0 {
		return nil, fmt.Errorf("build keyring: no token")
	}
	keys := make([][]byte, len(tokens))
	for i, tok := range tokens {
		key, err := gossipKey(tok)
		if err != nil {
			return nil, fmt.Errorf("build keyring: %w", err)
		}
		keys[i] = key
	}
	return keys, nil
}

// primary returns the token whose key encrypts what this node sends.
func (k *keyring) primary() string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.tokens[0]
}

func (k *keyring) snapshot() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return slices.Clone(k.tokens)
}

// set makes the keyring hold exactly tokens, tokens[0] as primary. Keys are
// added before the primary changes and removed after, so that at no moment is
// a key that peers still use missing.
func (k *keyring) set(tokens []string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.setLocked(tokens)
}

func (k *keyring) setLocked(tokens []string) error {
	keys, err := deriveKeys(tokens)
	if err != nil {
		return err
	}
	for _, key := range keys {
		if err := k.ml.AddKey(key); err != nil {
			return fmt.Errorf("add gossip key: %w", err)
		}
	}
	if err := k.ml.UseKey(keys[0]); err != nil {
		return fmt.Errorf("use gossip key: %w", err)
	}
	for _, old := range slices.Clone(k.ml.GetKeys()) {
		if slices.ContainsFunc(keys, func(key []byte) bool { return bytes.Equal(key, old) }) {
			continue
		}
		if err := k.ml.RemoveKey(old); err != nil {
			return fmt.Errorf("remove gossip key: %w", err)
		}
	}
	k.tokens = slices.Clone(tokens)
	return nil
}

// save writes the tokens to disk. Key changes are saved before they are
// confirmed to a peer, since a node that forgot them after a crash could no
// longer talk to the cluster.
func (k *keyring) save() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	return saveKeyring(k.dir, k.tokens)
}

// apply performs one step of a rotation and saves the result.
func (k *keyring) apply(op keyOp, token string) error {
	if _, err := parseToken(token); err != nil {
		return err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	next := slices.Clone(k.tokens)
	switch op {
	case keyInstall:
		if !slices.Contains(next, token) {
			next = append(next, token)
		}
	case keyUse:
		i := slices.Index(next, token)
		if i < 0 {
			return fmt.Errorf("use a key that was never installed")
		}
		next = append([]string{token}, slices.Delete(next, i, i+1)...)
	case keyPrune:
		if next[0] != token {
			return fmt.Errorf("prune keys around a key that is not the primary")
		}
		next = []string{token}
	default:
		return fmt.Errorf("unknown key operation %s", op)
	}
	if err := k.setLocked(next); err != nil {
		return err
	}
	return saveKeyring(k.dir, k.tokens)
}
