// Package shm holds the shared-memory regions through which the host hands
// large tensors to plugins on the same machine without copying them through
// gRPC: the host creates a region (a file under /dev/shm mapped read-write),
// places tensor bytes in it, and sends (region, offset) references; the plugin
// maps the same file read-only once and reads the bytes in place.
//
// Regions are Linux-only (syscall.Mmap on a tmpfs file); elsewhere Create and
// Attach return errors and the callers fall back to streaming.
package shm
