package dev.llmwatcher.backfill;

import java.util.List;

/**
 * Queues documents that are already in an index. A scan reads the selection as it was when the scan opened, in
 * slices that can be read concurrently, one page at a time, so memory stays flat in the number of documents; each
 * document comes with its index (the concrete one, when the selection names an alias or a pattern) and its version.
 * Queue documents are only ever created: an id already in the queue (queued before, or held by a drainer) is left as
 * it is and counted, never replaced.
 *
 * <p>Methods throw {@link dev.llmwatcher.queue.QueueUnavailableException} when the store cannot be used; a selection
 * that matches no index is an empty one.
 */
public interface BackfillStore {

    /** Documents the selection matches now; 0 when its index, alias or pattern matches no index. */
    long countMatching(SourceSelection selection);

    /** Opens a scan of the selection in {@code slices} slices (at least 1), pages of {@code pageSize} documents. */
    SourceScan scanSource(SourceSelection selection, int slices, int pageSize);

    /** Creates each entry in {@code queueIndex} unless a document with its id is there already. */
    EnqueueResult enqueue(String queueIndex, List<QueueEntry> entries);

    /**
     * The backfills with documents in {@code queueIndex} now: per backfill id, how many wait and how many failed
     * (an error recorded; parked ones included). Empty when the queue index does not exist.
     */
    List<BackfillProgress> progress(String queueIndex);

    /**
     * Keeps what a backfill's enqueue did beside {@code queueIndex} (replacing an earlier record of the same id),
     * visible to the next read at once: the records index is refreshed (it holds a few small documents), rather than
     * waited for, which would add up to a refresh interval to every enqueue.
     */
    void recordBackfill(String queueIndex, BackfillRecord record);

    /** The records kept beside {@code queueIndex}, newest first; empty when there are none. */
    List<BackfillRecord> backfillRecords(String queueIndex);
}
