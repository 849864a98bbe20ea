package dev.llmwatcher.queue;

/**
 * Names of the fields under {@code _llm_watcher} on a queue document, in one place so the store, the engine, the
 * index template and the status command agree. Names relative to {@code _llm_watcher} are used when building a
 * partial-update document; the {@code *_PATH} constants are full paths for queries and aggregations.
 *
 * <p>Contract fields are written by the ingest pipeline; bookkeeping fields are ours.
 */
public final class QueueFields {

    /** The object holding everything below. */
    public static final String META = QueuedDocument.META_FIELD;

    // Contract fields, written by the pipeline script.
    public static final String PROVIDER = "provider";
    public static final String MODEL = "model";
    public static final String PROMPT = "prompt";
    public static final String FORMAT = "format";
    public static final String OPTIONS = "options";
    public static final String ORIGINAL_INDEX = "_original_index";
    public static final String TARGET_FIELD = "target_field";
    /** The model the stored script names when the pipeline gives none. */
    public static final String DEFAULT_MODEL = "llama3.3";

    // Bookkeeping fields, written by us.
    /** Last failure, a one-line message (text with a {@code keyword} subfield for aggregations). */
    public static final String ERROR = "error";
    /** Number of failed attempts so far (integer). */
    public static final String ATTEMPTS = "attempts";
    /** When the last failed attempt happened (date). */
    public static final String LAST_ATTEMPT_AT = "last_attempt_at";
    /** Retry mode leaves the document alone until then (date; missing = at once). */
    public static final String NEXT_ATTEMPT_AT = "next_attempt_at";
    /** Too many attempts: never retried automatically until a user clears it (boolean). */
    public static final String PARKED = "parked";
    /** The lease object: {@code owner} and {@code until}; {@code null} or missing when nobody holds it. */
    public static final String CLAIM = "claim";
    public static final String CLAIM_OWNER = "owner";
    public static final String CLAIM_UNTIL = "until";
    /**
     * A result already answered and merged that Elasticsearch would not take in time (it pushed back): the next pass
     * stores it as it is instead of calling the LLM again (object, not indexed).
     */
    public static final String PENDING_RESULT = "pending_result";
    /**
     * The provider batch the document is in (object: {@code submission}, {@code submitted_at}, {@code id}); missing or
     * {@code null} when it is in none. Its claim's lease covers the batch's completion window.
     */
    public static final String BATCH = "batch";
    public static final String BATCH_SUBMISSION = "submission";
    public static final String BATCH_ID = "id";
    public static final String BATCH_SUBMITTED_AT = "submitted_at";
    /** When the document entered the queue (date; set by our shipped pipeline script when present). */
    public static final String QUEUED_AT = "queued_at";
    /**
     * The {@code _seq_no} and {@code _primary_term} of the source document when {@code enqueue --from} queued it
     * (longs): the result is written back only over that version. Missing on documents the pipeline queued, whose
     * results are written unconditionally as before.
     */
    public static final String SOURCE_SEQ_NO = "source_seq_no";
    public static final String SOURCE_PRIMARY_TERM = "source_primary_term";
    /** The backfill ({@code enqueue --from}) that queued the document (keyword); missing for pipeline documents. */
    public static final String BACKFILL = "backfill";

    public static final String ERROR_PATH = path(ERROR);
    public static final String ERROR_KEYWORD_PATH = path(ERROR) + ".keyword";
    public static final String ATTEMPTS_PATH = path(ATTEMPTS);
    public static final String LAST_ATTEMPT_AT_PATH = path(LAST_ATTEMPT_AT);
    public static final String NEXT_ATTEMPT_AT_PATH = path(NEXT_ATTEMPT_AT);
    public static final String PARKED_PATH = path(PARKED);
    public static final String CLAIM_OWNER_PATH = path(CLAIM + "." + CLAIM_OWNER);
    public static final String CLAIM_UNTIL_PATH = path(CLAIM + "." + CLAIM_UNTIL);
    public static final String QUEUED_AT_PATH = path(QUEUED_AT);
    public static final String BATCH_SUBMISSION_PATH = path(BATCH + "." + BATCH_SUBMISSION);
    public static final String BATCH_ID_PATH = path(BATCH + "." + BATCH_ID);
    public static final String BATCH_SUBMITTED_AT_PATH = path(BATCH + "." + BATCH_SUBMITTED_AT);
    public static final String BACKFILL_PATH = path(BACKFILL);

    private QueueFields() {
    }

    /** Full path of a field under {@code _llm_watcher}, e.g. {@code _llm_watcher.attempts}. */
    public static String path(String field) {
        return META + "." + field;
    }
}
