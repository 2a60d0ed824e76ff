package compat

import (
	"testing"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
)

// runWorker starts a worker on queue with the workflows and activities registered; it stops when
// the test ends.
func runWorker(t *testing.T, c client.Client, queue string, options worker.Options, workflows, activities []any) {
	t.Helper()
	w := worker.New(c, queue, options)
	for _, workflow := range workflows {
		w.RegisterWorkflow(workflow)
	}
	for _, activity := range activities {
		w.RegisterActivity(activity)
	}
	if err := w.Start(); err != nil {
		t.Fatalf("worker.Start: %v", err)
	}
	t.Cleanup(w.Stop)
}
