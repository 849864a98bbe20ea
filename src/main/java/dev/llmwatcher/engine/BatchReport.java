package dev.llmwatcher.engine;

import dev.llmwatcher.batch.ProviderBatch;
import dev.llmwatcher.llm.TokenUsage;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What one pass did through the provider's Batch API: documents {@code submitted} in {@code batches} new batches,
 * {@code collected} (answered and stored) and {@code failed} (an error line, a bad answer, or missing from a
 * completed batch) from finished batches, {@code returned} to the queue by batches that ended early, the tokens the
 * collected answers were billed (at the batch price), and the batches still open after the pass. {@code
 * savingsByModel} counts the documents the answer cache answered instead of a batch line (stored, and counted in
 * {@code collected} too).
 */
public record BatchReport(int submitted, int batches, int collected, int failed, int returned,
                          Map<String, TokenUsage> tokensByModel, List<OpenBatch> open,
                          Map<String, AnswerSavings> savingsByModel, int undeclaredFieldsDropped,
                          Refusals refusals) {

    /**
     * Batches the provider did not run to the end: {@code refused} as a whole (failed without a line at fault, or
     * over the organisation's enqueued-token limit) and {@code expired}; {@code reason}, the provider's last reason
     * for a refusal ("" when none is known); {@code backingOff}, the pass submitted nothing because refusals are
     * backed off from, and the OpenAI documents wait for the next submission (not called directly).
     */
    public record Refusals(int refused, int expired, String reason, boolean backingOff) {

        public static final Refusals NONE = new Refusals(0, 0, "", false);

        Refusals plus(Refusals other) {
            return new Refusals(refused + other.refused, expired + other.expired,
                    other.reason.isEmpty() ? reason : other.reason, backingOff || other.backingOff);
        }
    }

    /** Batch work without refusals. */
    public BatchReport(int submitted, int batches, int collected, int failed, int returned,
                       Map<String, TokenUsage> tokensByModel, List<OpenBatch> open,
                       Map<String, AnswerSavings> savingsByModel, int undeclaredFieldsDropped) {
        this(submitted, batches, collected, failed, returned, tokensByModel, open, savingsByModel,
                undeclaredFieldsDropped, Refusals.NONE);
    }

    /** The same report, with {@code more} refusals. */
    public BatchReport withRefusals(Refusals more) {
        return new BatchReport(submitted, batches, collected, failed, returned, tokensByModel, open, savingsByModel,
                undeclaredFieldsDropped, refusals.plus(more));
    }

    /** Batch work in which the answer cache answered nothing. */
    public BatchReport(int submitted, int batches, int collected, int failed, int returned,
                       Map<String, TokenUsage> tokensByModel, List<OpenBatch> open) {
        this(submitted, batches, collected, failed, returned, tokensByModel, open, Map.of());
    }

    /** Batch work whose answers had no undeclared field. */
    public BatchReport(int submitted, int batches, int collected, int failed, int returned,
                       Map<String, TokenUsage> tokensByModel, List<OpenBatch> open,
                       Map<String, AnswerSavings> savingsByModel) {
        this(submitted, batches, collected, failed, returned, tokensByModel, open, savingsByModel, 0);
    }

    /** The same report, with the answer fields its collected answers' schemas did not declare and were dropped. */
    public BatchReport withUndeclaredFieldsDropped(int dropped) {
        return new BatchReport(submitted, batches, collected, failed, returned, tokensByModel, open, savingsByModel,
                dropped, refusals);
    }

    public static final BatchReport NONE = new BatchReport(0, 0, 0, 0, 0, Map.of(), List.of());

    /** A batch the provider is still working on (or that was just submitted). */
    public record OpenBatch(String id, String submission, long documents, Duration age, String status,
                            ProviderBatch.RequestCounts counts) {
    }

    public TokenUsage tokens() {
        return tokensByModel.values().stream().reduce(TokenUsage.NONE, TokenUsage::plus);
    }

    /** True when the pass did anything through the Batch API or has batches open. */
    public boolean any() {
        return submitted + collected + failed + returned + refusals.refused() + refusals.expired() > 0
                || !open.isEmpty();
    }

    /** The age of the oldest open batch; zero when none is open. */
    public Duration oldestOpen() {
        return open.stream().map(OpenBatch::age).max(Duration::compareTo).orElse(Duration.ZERO);
    }

    public BatchReport plus(BatchReport other) {
        Map<String, TokenUsage> tokens = new HashMap<>(tokensByModel);
        other.tokensByModel.forEach((model, usage) -> tokens.merge(model, usage, TokenUsage::plus));
        List<OpenBatch> allOpen = new ArrayList<>(open);
        allOpen.addAll(other.open);
        return new BatchReport(submitted + other.submitted, batches + other.batches, collected + other.collected,
                failed + other.failed, returned + other.returned, Map.copyOf(tokens), List.copyOf(allOpen),
                AnswerSavings.merged(savingsByModel, other.savingsByModel),
                undeclaredFieldsDropped + other.undeclaredFieldsDropped, refusals.plus(other.refusals));
    }
}
