// Package artifact reads and writes numpy's .npy and .npz files, the format
// of every analysis artifact and activation cache tdw writes, so that
// numpy.load opens them without conversion.
//
// The .npy header is written by this package and the element bytes are
// streamed after it in one write: a general-purpose encoder (npyio) that
// converts element by element ran about 20 times slower here. An .npz is a zip
// of NAME.npy entries, stored uncompressed by default. Reads validate dtype,
// shape and sizes and name the file and entry at fault. The formats are in
// docs/formats/npz.md.
package artifact
