/**
 * The backfill port: what {@code enqueue --from} needs of the cluster to queue documents that are already in an
 * index (a sliced, paged scan of a selection with each document's version, and queue documents created only where
 * none has the same id), and the progress of the backfills in a queue. Uses only the queue port's field names; the
 * Elasticsearch and OpenSearch adapters implement it, and the in-memory fake of the tests follows the same contract.
 */
package dev.llmwatcher.backfill;
