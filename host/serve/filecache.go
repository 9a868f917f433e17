package serve

import (
	"os"
	"sync"
	"time"
)

// fileCache keeps what was parsed from files, by key, while each file keeps
// its size and modification time: the dashboard reparses manifest.json or
// metadata.json only after a run changed it. The zero value is ready to use;
// it is safe for concurrent use. Cached values are shared: callers must not
// modify them.
type fileCache[T any] struct {
	mu sync.Mutex
	m  map[string]cachedFile[T]
}

type cachedFile[T any] struct {
	mod  time.Time
	size int64
	v    T
}

// get returns the value cached under key if fi (the file's current stat)
// matches the one it was parsed from; otherwise it calls load and caches
// what it returns without error.
func (c *fileCache[T]) get(key string, fi os.FileInfo, load func() (T, error)) (T, error) {
	c.mu.Lock()
	e, ok := c.m[key]
	c.mu.Unlock()
	if ok && e.mod.Equal(fi.ModTime()) && e.size == fi.Size() {
		return e.v, nil
	}
	v, err := load()
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]cachedFile[T]{}
	}
	c.m[key] = cachedFile[T]{mod: fi.ModTime(), size: fi.Size(), v: v}
	c.mu.Unlock()
	return v, nil
}
