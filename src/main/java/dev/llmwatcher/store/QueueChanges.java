package dev.llmwatcher.store;

import dev.llmwatcher.queue.Claim;
import dev.llmwatcher.queue.FailureRecord;
import dev.llmwatcher.queue.QueueFields;
import dev.llmwatcher.queue.QueuedDocument;

import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What each queue operation writes on a queue document, as partial-update documents ({@code null} values clear a
 * field, so an adapter's client must send them) or, for a claim, the whole source with the lease added. The adapters
 * send these conditionally on the version read; the shapes are the queue document contract (README).
 */
public final class QueueChanges {

    private QueueChanges() {
    }

    /**
     * The document as read with the lease added. A claim rewrites the whole source it already holds instead of
     * sending a partial update: the update would make the engine fetch and merge the stored source first, the
     * dearest part of a claim, for the same result under the same version condition.
     */
    public static QueuedDocument withLease(QueuedDocument document, Claim claim) {
        Map<String, Object> source = new LinkedHashMap<>(document.source());
        Map<String, Object> watcherMeta = new LinkedHashMap<>(document.meta());
        watcherMeta.put(QueueFields.CLAIM, lease(claim));
        source.put(QueueFields.META, watcherMeta);
        return new QueuedDocument(document.id(), document.seqNo(), document.primaryTerm(), source);
    }

    public static Map<String, Object> lease(Claim claim) {
        return Map.of(QueueFields.CLAIM_OWNER, claim.owner(), QueueFields.CLAIM_UNTIL, QueueQueries.iso(claim.until()));
    }

    /** A failure recorded, the claim and any batch membership ended. */
    public static Map<String, Object> failure(FailureRecord failure) {
        Map<String, Object> fields = new HashMap<>();
        String error = failure.error() == null || failure.error().isBlank() ? "unknown error" : failure.error();
        fields.put(QueueFields.ERROR, error);
        fields.put(QueueFields.ATTEMPTS, failure.attempts());
        fields.put(QueueFields.LAST_ATTEMPT_AT,
                failure.attemptedAt() == null ? null : QueueQueries.iso(failure.attemptedAt()));
        fields.put(QueueFields.NEXT_ATTEMPT_AT,
                failure.nextAttemptAt() == null ? null : QueueQueries.iso(failure.nextAttemptAt()));
        fields.put(QueueFields.PARKED, failure.parked());
        fields.put(QueueFields.CLAIM, null);
        fields.put(QueueFields.BATCH, null);
        return meta(fields);
    }

    /** A result set aside for the next pass to store, the claim ended. */
    public static Map<String, Object> setAside(Map<String, Object> result) {
        Map<String, Object> fields = new HashMap<>();
        fields.put(QueueFields.PENDING_RESULT, result);
        fields.put(QueueFields.CLAIM, null);
        return meta(fields);
    }

    /** The claim and any batch membership ended. */
    public static Map<String, Object> release() {
        Map<String, Object> noClaim = new HashMap<>();
        noClaim.put(QueueFields.CLAIM, null);
        noClaim.put(QueueFields.BATCH, null);
        return meta(noClaim);
    }

    /**
     * Put back to be processed as new ({@code release}): the error, the parked flag, the retry time and any stale
     * claim cleared, the attempts reset.
     */
    public static Map<String, Object> released() {
        Map<String, Object> fields = new HashMap<>();
        fields.put(QueueFields.ERROR, null);
        fields.put(QueueFields.PARKED, null);
        fields.put(QueueFields.NEXT_ATTEMPT_AT, null);
        fields.put(QueueFields.CLAIM, null);
        fields.put(QueueFields.ATTEMPTS, 0);
        return meta(fields);
    }

    /** Claimed for a batch submission, with the submission in the same change. */
    public static Map<String, Object> enterSubmission(String submission, Instant submittedAt, Claim claim) {
        Map<String, Object> batch = new HashMap<>();
        batch.put(QueueFields.BATCH_SUBMISSION, submission);
        batch.put(QueueFields.BATCH_SUBMITTED_AT, QueueQueries.iso(submittedAt));
        batch.put(QueueFields.BATCH_ID, null);
        Map<String, Object> fields = new HashMap<>();
        fields.put(QueueFields.CLAIM, lease(claim));
        fields.put(QueueFields.BATCH, batch);
        return meta(fields);
    }

    /** The provider's batch id recorded on a submission's document. */
    public static Map<String, Object> batchId(String batchId) {
        return meta(Map.of(QueueFields.BATCH, Map.of(QueueFields.BATCH_ID, batchId)));
    }

    private static Map<String, Object> meta(Map<String, Object> fields) {
        return Map.of(QueueFields.META, fields);
    }
}
