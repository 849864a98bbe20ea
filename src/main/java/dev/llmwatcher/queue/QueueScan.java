package dev.llmwatcher.queue;

import java.util.List;

/**
 * A forward-only walk over eligible queue documents, one page at a time, so a run never holds the whole queue in
 * memory. Closing it releases whatever the store holds open for it (a point in time, for instance).
 */
public interface QueueScan extends AutoCloseable {

    /** Number of eligible documents when the scan was opened (the original's "Found N documents"). */
    long totalEligible();

    /** The next page, or an empty list when the scan is exhausted. */
    List<QueuedDocument> nextPage();

    @Override
    void close();
}
