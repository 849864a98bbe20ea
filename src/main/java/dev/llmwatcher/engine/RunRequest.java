package dev.llmwatcher.engine;

import dev.llmwatcher.queue.Selection;

import java.time.Instant;

/**
 * One pass over the queue.
 *
 * @param queueIndex   the queue index to drain
 * @param selection    new documents, or failed ones due for a retry
 * @param deadline     when {@link WatcherEngine#run} must have returned, write-back included
 * @param maxDocuments at most this many documents are claimed ({@code Integer.MAX_VALUE} for no cap)
 * @param stop         asked to stop early (SIGTERM); in-flight calls finish and are written back
 * @param listener     told about progress while the pass runs
 */
public record RunRequest(String queueIndex, Selection selection, Instant deadline, int maxDocuments,
                         StopSignal stop, PassListener listener) {

    public RunRequest(String queueIndex, Selection selection, Instant deadline, int maxDocuments, StopSignal stop) {
        this(queueIndex, selection, deadline, maxDocuments, stop, PassListener.NONE);
    }

    public RunRequest {
        if (maxDocuments < 1) {
            throw new IllegalArgumentException("maxDocuments must be at least 1, got " + maxDocuments);
        }
    }
}
