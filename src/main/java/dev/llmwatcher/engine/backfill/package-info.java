/**
 * Backfill ({@code enqueue --from}): queues documents already in an index, each as its source plus the instructions
 * and the version it was read at, through the backfill port only; the ordinary drain then answers them and writes
 * each back over that version. Uses the backfill and queue ports; no adapter.
 */
package dev.llmwatcher.engine.backfill;
