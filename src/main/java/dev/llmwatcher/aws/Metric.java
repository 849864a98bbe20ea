package dev.llmwatcher.aws;

import java.util.Arrays;
import java.util.Optional;

/**
 * Every CloudWatch metric the handlers emit, named once: the EMF writer, the SAM template's alarms and the
 * template test all use these names, so an alarm can never watch a metric nobody sends.
 */
public enum Metric {
    DOCUMENTS_PROCESSED("DocumentsProcessed", "Count", false),
    DOCUMENTS_FAILED("DocumentsFailed", "Count", false),
    DOCUMENTS_PARKED("DocumentsParked", "Count", false),
    /** Documents processed successfully by the retry handler (always 0 for the watcher). */
    DOCUMENTS_RETRIED("DocumentsRetried", "Count", false),
    /** Eligible documents left when the invocation ended. */
    BACKLOG("Backlog", "Count", false),
    /** Age of the oldest eligible document left when the invocation ended (0 when there is none). */
    OLDEST_QUEUED_AGE("OldestQueuedAgeSeconds", "Seconds", false),
    /**
     * Every answered LLM call's latency as a value of its own (EMF value arrays), so CloudWatch's percentiles (p50,
     * p95) over any period are true ones, not averages of each invocation's percentiles. Sent on the run's line and
     * again, each model's own, on each model's line (dimension {@link #MODEL_DIMENSION}).
     */
    LLM_LATENCY("LlmLatency", "Milliseconds", false),
    PROMPT_TOKENS("PromptTokens", "Count", true),
    COMPLETION_TOKENS("CompletionTokens", "Count", true),
    /** Documents answered from the answer cache, without a call. */
    CACHE_HITS("CacheHits", "Count", true),
    /** Documents that shared the call another document with the same question made in the same pass. */
    SHARED_CALLS("SharedCalls", "Count", true),
    /** Prompt and completion tokens the cache hits and shared calls did not pay for again. */
    TOKENS_SAVED("TokensSaved", "Count", true),
    /**
     * Answer fields that were not stored because their schema does not declare them (direct and batch answers):
     * a sign that documents tell the model what to answer. Emitted only by an invocation that dropped any.
     */
    UNDECLARED_FIELDS_DROPPED("UndeclaredFieldsDropped", "Count", false),
    /** Documents sent to the provider's Batch API by the invocation. */
    BATCH_DOCUMENTS_SUBMITTED("BatchDocumentsSubmitted", "Count", false),
    /** Documents whose batch answer was stored by the invocation. */
    BATCH_DOCUMENTS_COLLECTED("BatchDocumentsCollected", "Count", false),
    /** Documents a batch failed (an error line, a bad answer, missing from a completed batch). */
    BATCH_DOCUMENTS_FAILED("BatchDocumentsFailed", "Count", false),
    /** Documents an expired, failed or cancelled batch gave back to the queue. */
    BATCH_DOCUMENTS_RETURNED("BatchDocumentsReturned", "Count", false),
    /** Age of the oldest batch still open after the invocation (0 when none is). */
    OLDEST_BATCH_AGE("OldestBatchAgeSeconds", "Seconds", false),
    /** Tokens of the collected batch answers, billed at the batch price. */
    BATCH_PROMPT_TOKENS("BatchPromptTokens", "Count", true),
    BATCH_COMPLETION_TOKENS("BatchCompletionTokens", "Count", true),
    /** Batches still open after the invocation. */
    OPEN_BATCHES("OpenBatches", "Count", false),
    /** Batches the provider refused as a whole (failed without a line at fault, or over its enqueued-token limit). */
    BATCH_REFUSALS("BatchRefusals", "Count", false),
    /** Batches whose completion window ended first: their finished lines are stored, the rest go again. */
    BATCHES_EXPIRED("BatchesExpired", "Count", false),
    /** Tokens the invocation's calls cost against the model's daily budget (batch answers at half). */
    TOKENS_SPENT("TokensSpent", "Count", true),
    /** Tokens of the model's daily budget neither spent nor held when the invocation ended, all drainers together. */
    BUDGET_REMAINING("BudgetRemaining", "Count", true),
    /** Models whose daily token budget is spent while documents of them wait (the budget alarm watches it). */
    BUDGETS_SPENT("BudgetsSpent", "Count", false);

    /** The CloudWatch namespace of every metric here. */
    public static final String NAMESPACE = "LlmWatcher";
    /** Dimension: the Lambda function's name. */
    public static final String FUNCTION_DIMENSION = "FunctionName";
    /** Dimension: the queue index the invocation drained. */
    public static final String QUEUE_DIMENSION = "Queue";
    /** Dimension of the token metrics: the model that answered. */
    public static final String MODEL_DIMENSION = "Model";

    private final String metricName;
    private final String unit;
    private final boolean perModel;

    Metric(String metricName, String unit, boolean perModel) {
        this.metricName = metricName;
        this.unit = unit;
        this.perModel = perModel;
    }

    public String metricName() {
        return metricName;
    }

    public String unit() {
        return unit;
    }

    /** Emitted once per model, with the {@link #MODEL_DIMENSION} dimension. */
    public boolean perModel() {
        return perModel;
    }

    public static Optional<Metric> byName(String metricName) {
        return Arrays.stream(values()).filter(m -> m.metricName.equals(metricName)).findFirst();
    }
}
