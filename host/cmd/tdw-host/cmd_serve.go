package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/tdw-workbench/tdw/host/job"
	"github.com/tdw-workbench/tdw/host/results"
	"github.com/tdw-workbench/tdw/host/serve"
)

func init() {
	addCommand(func(a *app) *cobra.Command {
		var addr string
		var readOnly bool
		cmd := &cobra.Command{
			Use:   "serve",
			Short: "Serve the dashboard: a web UI over every variant and artifact in the results folder",
			Long: `Start the dashboard's web server over the results folder. The page, script and
style sheet are compiled into tdw-host; nothing is fetched from elsewhere. It binds
127.0.0.1 by default, so only this machine can reach it; Ctrl-C stops it after the
requests in flight end. The JSON API is documented in docs/dashboard.md.

The page can start training and analysis jobs (one at a time, one per
variant); Ctrl-C cancels them and waits for them to save their state.
--read-only turns jobs off, for a dashboard others can reach.`,
			Example: `  tdw-host serve
  tdw-host serve --addr 127.0.0.1:9000 --results /data/results
  tdw-host serve --addr 0.0.0.0:8060 --read-only`,
			Args: cobra.NoArgs,
			RunE: runE(func(cmd *cobra.Command, _ []string) error {
				fams, _, err := a.discoverFamilies()
				if err != nil {
					return err
				}
				ans, _, err := a.discoverAnalyzers()
				if err != nil {
					return err
				}
				if err := os.MkdirAll(a.cfg.ResultsDir, 0o755); err != nil {
					return fmt.Errorf("results folder: %w", err)
				}
				tree, err := results.Open(a.cfg.ResultsDir)
				if err != nil {
					return err
				}
				var jobs *job.Manager
				if !readOnly {
					// The job list outlives the server (docs/dashboard.md, Jobs).
					jobs = job.NewManager(a.jobEnv(fams, ans), job.Options{Journal: tree.JobsJournal()})
				}
				srv, err := serve.New(a.cfg.ResultsDir, fams, ans, serve.Options{Logger: a.log, Jobs: jobs, HTMLScripts: a.scripts})
				if err != nil {
					return err
				}
				ln, err := net.Listen("tcp", addr)
				if err != nil {
					return fmt.Errorf("--addr %s: %w", addr, err)
				}
				// Shutdown ends the requests' contexts, so that event
				// streams stop instead of holding the server open.
				base, endRequests := context.WithCancel(context.Background())
				defer endRequests()
				hs := srv.HTTPServer()
				hs.BaseContext = func(net.Listener) context.Context { return base }
				hs.RegisterOnShutdown(endRequests)
				ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
				defer stop()
				done := make(chan error, 1)
				go func() { done <- hs.Serve(ln) }()
				fmt.Fprintf(a.stdout, "dashboard at http://%s/ (results %s); Ctrl-C stops it\n", ln.Addr(), a.cfg.ResultsDir)
				select {
				case err := <-done:
					return err
				case <-ctx.Done():
				}
				a.log.Info("shutting down")
				if jobs != nil {
					// A training saves its state at the end of the epoch in
					// hand; an analysis after the checkpoint in hand.
					jctx, cancel := context.WithTimeout(context.Background(), time.Minute)
					err := jobs.Shutdown(jctx)
					cancel()
					if err != nil {
						a.log.Warn("jobs did not stop in time", "error", err)
					}
				}
				sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				if err := hs.Shutdown(sctx); err != nil {
					return fmt.Errorf("shutdown: %w", err)
				}
				if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
					return err
				}
				return nil
			}),
		}
		cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8060", "address to listen on (host:port); another host than 127.0.0.1 exposes your results")
		cmd.Flags().BoolVar(&readOnly, "read-only", false, "refuse training and analysis jobs (the job endpoints answer 403)")
		return cmd
	})
}
