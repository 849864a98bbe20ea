package dev.llmwatcher.engine;

import dev.llmwatcher.llm.TokenUsage;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What one pass did. {@code found} is the number of eligible documents when it started (the original's "Found N
 * documents"); {@code processed} were written back; {@code failed} stay in the queue with an error, of which
 * {@code parked} reached the attempt limit; {@code skipped} were taken by another run; {@code released} were claimed
 * but not started before the deadline or stop, or were answered but set aside on their queue documents because
 * Elasticsearch would not take the result in time (the next pass stores it without a call); {@code backlog} is what
 * is still eligible at the end; {@code llmLatency} is the providers' own answer time of the calls that were answered
 * (waits for a learnt concurrency limit or a rate limit, and retries, left out).
 *
 * @param stoppedBy      why the pass stopped starting calls early, if it did (deadline, stop signal, credentials)
 * @param savingsByModel per model, documents answered without a call of their own (answer cache, shared calls)
 *                       and the tokens that saved; {@code tokensByModel} counts only what was paid for
 * @param batch          what the pass did through the provider's Batch API, before its direct calls (counted apart)
 * @param undeclaredFieldsDropped answer fields that were not stored because their schema does not declare them
 *                       (direct and batch answers together): an answer that sets them was probably told to by the
 *                       document it was asked about
 * @param latencyByModel {@code llmLatency} per model that answered
 * @param budgets        per model with a daily token budget that the pass touched: the budget as it left it, and
 *                       the documents that wait for it
 */
public record RunReport(long found, int processed, int failed, int parked, int skipped, int released, long backlog,
                        Map<String, TokenUsage> tokensByModel, LatencyStats llmLatency, Duration duration,
                        Optional<String> stoppedBy, Map<String, AnswerSavings> savingsByModel, BatchReport batch,
                        int undeclaredFieldsDropped, Map<String, LatencyStats> latencyByModel,
                        List<ModelBudget> budgets) {

    /** A report of a pass whose answers had no undeclared field, without latencies per model and token budgets. */
    public RunReport(long found, int processed, int failed, int parked, int skipped, int released, long backlog,
                     Map<String, TokenUsage> tokensByModel, LatencyStats llmLatency, Duration duration,
                     Optional<String> stoppedBy, Map<String, AnswerSavings> savingsByModel, BatchReport batch) {
        this(found, processed, failed, parked, skipped, released, backlog, tokensByModel, llmLatency, duration,
                stoppedBy, savingsByModel, batch, 0, Map.of(), List.of());
    }

    /** A report of a pass that reused no answer and did no batch work. */
    public RunReport(long found, int processed, int failed, int parked, int skipped, int released, long backlog,
                     Map<String, TokenUsage> tokensByModel, LatencyStats llmLatency, Duration duration,
                     Optional<String> stoppedBy) {
        this(found, processed, failed, parked, skipped, released, backlog, tokensByModel, llmLatency, duration,
                stoppedBy, Map.of(), BatchReport.NONE);
    }

    /** A report of a pass without batch work. */
    public RunReport(long found, int processed, int failed, int parked, int skipped, int released, long backlog,
                     Map<String, TokenUsage> tokensByModel, LatencyStats llmLatency, Duration duration,
                     Optional<String> stoppedBy, Map<String, AnswerSavings> savingsByModel) {
        this(found, processed, failed, parked, skipped, released, backlog, tokensByModel, llmLatency, duration,
                stoppedBy, savingsByModel, BatchReport.NONE);
    }

    /** Every model's savings added up. */
    public AnswerSavings savings() {
        return savingsByModel.values().stream().reduce(AnswerSavings.NONE, AnswerSavings::plus);
    }

    /** The same report with the pass's batch work (and what the answer cache saved it). */
    public RunReport withBatch(BatchReport work) {
        return new RunReport(found, processed, failed, parked, skipped, released, backlog, tokensByModel, llmLatency,
                duration, stoppedBy, AnswerSavings.merged(savingsByModel, work.savingsByModel()), work,
                undeclaredFieldsDropped + work.undeclaredFieldsDropped(), latencyByModel, budgets);
    }

    /** The same report, with {@code dropped} answer fields its schemas did not declare. */
    public RunReport withUndeclaredFieldsDropped(int dropped) {
        return new RunReport(found, processed, failed, parked, skipped, released, backlog, tokensByModel, llmLatency,
                duration, stoppedBy, savingsByModel, batch, dropped, latencyByModel, budgets);
    }

    /** The same report with the token budgets as the pass left them. */
    public RunReport withBudgets(List<ModelBudget> modelBudgets) {
        return new RunReport(found, processed, failed, parked, skipped, released, backlog, tokensByModel, llmLatency,
                duration, stoppedBy, savingsByModel, batch, undeclaredFieldsDropped, latencyByModel,
                List.copyOf(modelBudgets));
    }

    /** Total documents this pass claimed and settled one way or another. */
    public int handled() {
        return processed + failed;
    }

    /** True when the pass was cut short because credentials were refused: a caller may refresh them and rerun. */
    public boolean stoppedByCredentials() {
        return stoppedBy.filter(reason -> reason.startsWith(CREDENTIALS_PREFIX)).isPresent();
    }

    public static final String CREDENTIALS_PREFIX = "credentials refused";
}
