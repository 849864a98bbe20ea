package dev.llmwatcher.queue;

import java.time.Instant;
import java.util.List;

/**
 * The queue as the engine sees it. The only implementation talks to Elasticsearch; the engine knows nothing of
 * Elasticsearch beyond this interface. Every per-document change is conditional on the version the caller read,
 * so overlapping runs never overwrite each other, and every bulk response is checked item by item.
 *
 * <p>Methods throw {@link QueueUnavailableException} when the store itself cannot be used (unreachable, refusing
 * credentials); per-document problems are returned, never thrown.
 */
public interface QueueStore {

    /** Opens a paged scan over eligible documents. */
    QueueScan scan(QueueQuery query);

    /**
     * Claims documents for one run, each conditional on its read version. Returns the documents that were
     * claimed, at their new version; documents another run changed or holds are silently left out.
     */
    List<QueuedDocument> claim(String queueIndex, List<QueuedDocument> documents, Claim claim);

    /**
     * Stores results in their target indices (bulk), then removes from the queue, conditionally on the claimed
     * version, exactly the documents whose result was stored. One outcome per input, in input order. Either bulk
     * failing as a whole throws; whatever was stored by then is harmless to store again.
     */
    List<WriteOutcome> store(String queueIndex, List<CompletedDocument> completed);

    /**
     * Sets results aside on their queue documents (under {@code _llm_watcher.pending_result}, conditional on the
     * claimed version) and ends their claims, for results Elasticsearch would not take before the pass's deadline:
     * the next pass writes them without calling the LLM again. No attempt is counted. Returns the ids set aside.
     */
    List<String> setAside(String queueIndex, List<CompletedDocument> completed);

    /** Records failures on the queue documents (conditional on the claimed version) and ends their claims. */
    void recordFailures(String queueIndex, List<FailureRecord> failures);

    /** Ends claims on documents this run claimed but never started, so the next run takes them at once. */
    void release(String queueIndex, List<QueuedDocument> documents);

    /** Number of documents of the query's selection that are eligible now. */
    long countEligible(QueueQuery query);

    /**
     * Number of drainers working the queue at {@code now}: distinct owners of claims whose lease has not ended (each
     * pass claims under an owner of its own), as seen after every change made before the call. The Lambda fan-out
     * counts them so a backlog never gets more drainers than its cap.
     */
    long drainersWorking(String queueIndex, Instant now);
}
