package dev.llmwatcher.queue;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The queue bookkeeping of the batch drain mode, beside {@link QueueStore} (the same Elasticsearch adapter implements
 * both): which documents went to which provider batch. A document in a batch carries {@code _llm_watcher.batch}
 * ({@code submission}, {@code submitted_at}, and {@code id} once the provider's batch is known) and a claim whose
 * lease covers the completion window, so no direct pass takes it meanwhile. Every change is conditional on the
 * version read, as in {@link QueueStore}; storing, failing or releasing a document ({@link QueueStore}) also ends its
 * batch membership.
 */
public interface BatchQueue {

    /** A submission still in the queue: its documents, and its batch id once recorded. */
    record OpenSubmission(String submission, Optional<String> batchId, long documents, Instant submittedAt) {
    }

    /** Opens a scan over the eligible documents of one provider, as {@link QueueStore#scan} does for all. */
    QueueScan scan(QueueQuery query, String provider);

    /** Number of eligible documents of one provider. */
    long countEligible(QueueQuery query, String provider);

    /**
     * Claims documents for a submission (conditional on the version read): the claim and the submission id are
     * written in one change, before anything is sent to the provider, so a crash after the provider made the batch
     * leaves documents that name it. Returns the documents claimed, at their new version.
     */
    List<QueuedDocument> enterSubmission(String queueIndex, List<QueuedDocument> documents, String submission,
                                         Instant submittedAt, Claim claim);

    /** Records the provider's batch id on a submission's documents. Returns those recorded, at their new version. */
    List<QueuedDocument> recordBatchId(String queueIndex, List<QueuedDocument> documents, String batchId);

    /** Every submission with documents still in the queue. */
    List<OpenSubmission> openSubmissions(String queueIndex);

    /** The documents of one submission still in the queue, at their current version. */
    List<QueuedDocument> submissionDocuments(String queueIndex, String submission);
}
