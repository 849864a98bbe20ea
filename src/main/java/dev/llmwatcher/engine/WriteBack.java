package dev.llmwatcher.engine;

import dev.llmwatcher.llm.TokenUsage;
import dev.llmwatcher.queue.CompletedDocument;
import dev.llmwatcher.queue.FailureRecord;
import dev.llmwatcher.queue.QueueStore;
import dev.llmwatcher.queue.QueuedDocument;
import dev.llmwatcher.queue.WriteOutcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Collects finished documents and writes them back in bulk: results to their target indices (then removed from
 * the queue), failures onto their queue documents, abandoned claims released. It runs on one thread and owns all
 * its counters, so the tally it returns needs no synchronisation.
 */
final class WriteBack {

    private static final Logger LOG = LoggerFactory.getLogger(WriteBack.class);

    private final QueueStore store;
    private final String queueIndex;
    private final RetryPolicy retryPolicy;
    private final Clock clock;
    private final int flushSize;
    private final PassListener listener;

    private final List<DocumentOutcome.Completed> completed = new ArrayList<>();
    private final List<FailureRecord> failures = new ArrayList<>();
    private final List<QueuedDocument> releases = new ArrayList<>();
    private final Map<String, TokenUsage> tokensByModel = new HashMap<>();
    private long[] latencies = new long[64];
    private int latencyCount;
    private int processed;
    private int failed;
    private int parked;
    private int released;
    private Instant oldestBuffered;

    WriteBack(QueueStore store, String queueIndex, RetryPolicy retryPolicy, Clock clock, int flushSize,
              PassListener listener) {
        this.listener = listener;
        this.store = store;
        this.queueIndex = queueIndex;
        this.retryPolicy = retryPolicy;
        this.clock = clock;
        this.flushSize = flushSize;
    }

    /** The counts of one pass's write-back. */
    record Tally(int processed, int failed, int parked, int released, Map<String, TokenUsage> tokensByModel,
                 LatencyStats latency) {
    }

    void accept(DocumentOutcome outcome) {
        if (oldestBuffered == null) {
            oldestBuffered = clock.instant();
        }
        switch (outcome) {
            case DocumentOutcome.Completed done -> completed.add(done);
            case DocumentOutcome.Failed failure -> {
                countCall(failure.call());
                failures.add(failureRecord(failure.document(), failure.priorAttempts(), failure.error()));
            }
            case DocumentOutcome.Abandoned abandoned -> releases.add(abandoned.document());
        }
    }

    /** Outcomes accepted and not yet written. */
    int buffered() {
        return completed.size() + failures.size() + releases.size();
    }

    /** True when enough is buffered for a bulk write, or something waited {@code interval}. */
    boolean shouldFlush(Duration interval) {
        return completed.size() + failures.size() >= flushSize || due(interval);
    }

    /** Leaves documents claimed but never started to the next run at once. */
    void release(List<QueuedDocument> documents) {
        releases.addAll(documents);
    }

    /** True when something waited at least {@code interval} since it was buffered. */
    boolean due(Duration interval) {
        return oldestBuffered != null && !clock.instant().isBefore(oldestBuffered.plus(interval));
    }

    /** Writes everything buffered. */
    void flush() {
        oldestBuffered = null;
        if (!completed.isEmpty()) {
            storeCompleted();
        }
        if (!failures.isEmpty()) {
            store.recordFailures(queueIndex, List.copyOf(failures));
            for (FailureRecord record : failures) {
                LOG.error("Error processing document (id: {}): {}", record.queued().id(), record.error());
            }
            failures.clear();
        }
        if (!releases.isEmpty()) {
            store.release(queueIndex, List.copyOf(releases));
            released += releases.size();
            releases.clear();
        }
        listener.written(processed, failed);
    }

    Tally tally() {
        return new Tally(processed, failed, parked, released, Map.copyOf(tokensByModel),
                LatencyStats.ofMillis(Arrays.copyOf(latencies, latencyCount)));
    }

    private void storeCompleted() {
        List<CompletedDocument> results = completed.stream().map(DocumentOutcome.Completed::result).toList();
        List<WriteOutcome> outcomes = store.store(queueIndex, results);
        for (int i = 0; i < outcomes.size(); i++) {
            DocumentOutcome.Completed done = completed.get(i);
            WriteOutcome outcome = outcomes.get(i);
            countCall(done.call());
            if (outcome.stored()) {
                processed++;
                outcome.error().ifPresent(reason -> LOG.warn("Document {} was stored in {} but is still queued: {}",
                        outcome.id(), done.result().targetIndex(), reason));
            } else {
                String reason = outcome.error().orElse("unknown reason");
                int prior = done.document().attempts();
                failures.add(failureRecord(done.document(), prior,
                        "Elasticsearch rejected the result for index " + done.result().targetIndex() + ": " + reason));
            }
        }
        completed.clear();
    }

    private FailureRecord failureRecord(QueuedDocument document, int priorAttempts, String error) {
        int attempts = priorAttempts + 1;
        Instant now = clock.instant();
        boolean parks = retryPolicy.parks(attempts);
        failed++;
        if (parks) {
            parked++;
        }
        return new FailureRecord(document, error, attempts, now, retryPolicy.nextAttempt(attempts, now), parks);
    }

    private void countCall(DocumentOutcome.LlmCall call) {
        if (call == null) {
            return;
        }
        tokensByModel.merge(call.model(), call.usage(), TokenUsage::plus);
        if (latencyCount == latencies.length) {
            latencies = Arrays.copyOf(latencies, latencies.length * 2);
        }
        latencies[latencyCount++] = call.providerLatency().toMillis();
    }
}
