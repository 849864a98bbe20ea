package dev.llmwatcher.engine.batch;

import dev.llmwatcher.batch.BatchProvider;
import dev.llmwatcher.batch.BatchRefusals;
import dev.llmwatcher.batch.ProviderBatch;
import dev.llmwatcher.engine.BatchReport;
import dev.llmwatcher.llm.LlmException;
import dev.llmwatcher.queue.BatchQueue;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What an operator does with the batches of a queue: see them with the provider's state, and cancel one (its
 * documents come back to the queue with the first pass that sees it {@code cancelled}, its answered lines stored).
 */
public final class BatchOperations {

    /** The status shown for a submission whose batch id is not recorded yet (being submitted, or to be recovered). */
    public static final String SUBMITTING = "submitting";

    private final BatchQueue batchQueue;
    private final BatchProvider provider;
    private final Clock clock;
    private final BatchRefusals refusals;

    public BatchOperations(BatchQueue batchQueue, BatchProvider provider, Clock clock) {
        this(batchQueue, provider, clock, BatchRefusals.thisProcessOnly());
    }

    public BatchOperations(BatchQueue batchQueue, BatchProvider provider, Clock clock, BatchRefusals refusals) {
        this.batchQueue = batchQueue;
        this.provider = provider;
        this.clock = clock;
        this.refusals = refusals;
    }

    /** The batches the provider refused in a row for this queue, if the last one it took did not complete yet. */
    public Optional<BatchRefusals.Refusals> refusals(String queueIndex) {
        return refusals.read(queueIndex);
    }

    /** How many refusals in a row make documents stop waiting for a batch (called directly, or failed). */
    public static int giveUpAfter() {
        return BatchBackOff.GIVE_UP_AFTER;
    }

    /** Every batch with documents in the queue, with the provider's state of each. */
    public List<BatchReport.OpenBatch> open(String queueIndex) throws LlmException {
        List<BatchReport.OpenBatch> open = new ArrayList<>();
        for (BatchQueue.OpenSubmission submission : batchQueue.openSubmissions(queueIndex)) {
            if (submission.batchId().isEmpty()) {
                open.add(new BatchReport.OpenBatch("", submission.submission(), submission.documents(),
                        Duration.between(submission.submittedAt(), clock.instant()), SUBMITTING,
                        new ProviderBatch.RequestCounts(0, 0, 0)));
                continue;
            }
            ProviderBatch batch = provider.get(submission.batchId().get());
            open.add(new BatchReport.OpenBatch(batch.id(), submission.submission(), submission.documents(),
                    Duration.between(batch.createdAt(), clock.instant()), batch.status(), batch.counts()));
        }
        return open;
    }

    /**
     * Cancels a batch of this queue.
     *
     * @throws IllegalArgumentException when no document of the queue is in that batch
     */
    public ProviderBatch cancel(String queueIndex, String batchId) throws LlmException {
        boolean ours = batchQueue.openSubmissions(queueIndex).stream()
                .anyMatch(submission -> submission.batchId().filter(batchId::equals).isPresent());
        if (!ours) {
            throw new IllegalArgumentException("no document of " + queueIndex + " is in batch " + batchId
                    + "; `llm-watcher batches` lists the open ones");
        }
        return provider.cancel(batchId);
    }
}
