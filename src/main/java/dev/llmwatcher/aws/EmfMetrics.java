package dev.llmwatcher.aws;

import dev.llmwatcher.engine.AnswerSavings;
import dev.llmwatcher.engine.LatencyStats;
import dev.llmwatcher.engine.ModelBudget;
import dev.llmwatcher.engine.RunReport;
import dev.llmwatcher.json.JsonCodec;
import dev.llmwatcher.llm.TokenUsage;
import dev.llmwatcher.queue.Selection;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Writes one invocation's metrics in CloudWatch Embedded Metric Format: JSON lines on stdout that CloudWatch Logs
 * turns into metrics, with no API call and no extra latency. One line for the run (dimensions function and queue),
 * carrying every LLM latency as its own value (an EMF value array) so CloudWatch computes true percentiles; more
 * lines with the same dimensions for latencies beyond the {@value #MAX_VALUES_PER_METRIC} values EMF takes per metric
 * and line; and one line per model that answered for its token counts and its own latencies (so percentiles per
 * model are true ones too), with its cache hits, shared calls and tokens saved when it reused answers, and the tokens
 * spent against its daily budget and what is left of it when it has one (a value per root member, so one model per
 * line). Every dimension and metric is declared in {@code _aws.CloudWatchMetrics} and present at the root, as EMF
 * requires.
 */
public final class EmfMetrics {

    /** The request id's member in every line, as in the log lines (Lambda's name for it). */
    public static final String REQUEST_ID_PROPERTY = "AWSRequestId";
    /** EMF's limit on the values of one metric in one line. */
    public static final int MAX_VALUES_PER_METRIC = 100;

    private EmfMetrics() {
    }

    /** The lines for one run; {@code oldestQueued} is the age of the oldest eligible document left, if any. */
    public static List<String> lines(String functionName, String queue, Selection selection, RunReport report,
                                     Duration oldestQueued, Instant at, String requestId) {
        Map<String, String> dimensions = new LinkedHashMap<>();
        dimensions.put(Metric.FUNCTION_DIMENSION, functionName);
        dimensions.put(Metric.QUEUE_DIMENSION, queue);
        Map<Metric, Object> values = new LinkedHashMap<>();
        values.put(Metric.DOCUMENTS_PROCESSED, report.processed());
        values.put(Metric.DOCUMENTS_FAILED, report.failed());
        values.put(Metric.DOCUMENTS_PARKED, report.parked());
        values.put(Metric.DOCUMENTS_RETRIED, selection == Selection.RETRY ? report.processed() : 0);
        values.put(Metric.BACKLOG, report.backlog());
        values.put(Metric.OLDEST_QUEUED_AGE, oldestQueued.toMillis() / 1000.0);
        List<List<Long>> latencies = chunks(report.llmLatency().samplesMillis());
        if (!latencies.isEmpty()) {
            values.put(Metric.LLM_LATENCY, latencies.getFirst());
        }
        if (report.undeclaredFieldsDropped() > 0) {
            values.put(Metric.UNDECLARED_FIELDS_DROPPED, report.undeclaredFieldsDropped());
        }
        if (report.batch().any()) {
            values.put(Metric.BATCH_DOCUMENTS_SUBMITTED, report.batch().submitted());
            values.put(Metric.BATCH_DOCUMENTS_COLLECTED, report.batch().collected());
            values.put(Metric.BATCH_DOCUMENTS_FAILED, report.batch().failed());
            values.put(Metric.BATCH_DOCUMENTS_RETURNED, report.batch().returned());
            values.put(Metric.OLDEST_BATCH_AGE, report.batch().oldestOpen().toMillis() / 1000.0);
            values.put(Metric.OPEN_BATCHES, report.batch().open().size());
            values.put(Metric.BATCH_REFUSALS, report.batch().refusals().refused());
            values.put(Metric.BATCHES_EXPIRED, report.batch().refusals().expired());
        }
        if (!report.budgets().isEmpty()) {
            values.put(Metric.BUDGETS_SPENT, report.budgets().stream().filter(ModelBudget::blocksDocuments).count());
        }
        List<String> lines = new ArrayList<>();
        lines.add(line(dimensions, values, at, requestId));
        latencies.stream().skip(1).forEach(chunk -> lines.add(line(dimensions, Map.of(Metric.LLM_LATENCY, chunk), at,
                requestId)));
        Set<String> models = new TreeSet<>(report.tokensByModel().keySet());
        models.addAll(report.savingsByModel().keySet());
        models.addAll(report.latencyByModel().keySet());
        Map<String, ModelBudget> budgets = new LinkedHashMap<>();
        report.budgets().forEach(budget -> budgets.put(budget.model(), budget));
        models.addAll(budgets.keySet());
        for (String model : models) {
            List<List<Long>> modelLatencies = chunks(Optional.ofNullable(report.latencyByModel().get(model))
                    .map(LatencyStats::samplesMillis).orElse(List.of()));
            Map<Metric, Object> extra = new LinkedHashMap<>();
            if (!modelLatencies.isEmpty()) {
                extra.put(Metric.LLM_LATENCY, modelLatencies.getFirst());
            }
            Optional.ofNullable(budgets.get(model)).ifPresent(budget -> {
                extra.put(Metric.TOKENS_SPENT, budget.use().spentThisPass());
                extra.put(Metric.BUDGET_REMAINING, budget.use().remaining());
            });
            lines.add(modelLine(dimensions, model, report.tokensByModel().getOrDefault(model, TokenUsage.NONE),
                    Metric.PROMPT_TOKENS, Metric.COMPLETION_TOKENS,
                    Optional.ofNullable(report.savingsByModel().get(model)), extra, at, requestId));
            modelLatencies.stream().skip(1).forEach(chunk -> lines.add(line(withModel(dimensions, model),
                    Map.of(Metric.LLM_LATENCY, chunk), at, requestId)));
        }
        report.batch().tokensByModel().forEach((model, usage) -> lines.add(modelLine(dimensions, model, usage,
                Metric.BATCH_PROMPT_TOKENS, Metric.BATCH_COMPLETION_TOKENS, Optional.empty(), Map.of(), at,
                requestId)));
        return lines;
    }

    /**
     * A model's tokens (billed at the direct or at the batch price); and, only when it reused answers in this run,
     * its cache hits, shared calls and tokens saved (a run without the answer cache's help adds no metric to pay
     * for).
     */
    private static String modelLine(Map<String, String> runDimensions, String model, TokenUsage usage,
                                    Metric prompt, Metric completion, Optional<AnswerSavings> savings,
                                    Map<Metric, Object> extra, Instant at, String requestId) {
        Map<String, String> dimensions = withModel(runDimensions, model);
        Map<Metric, Object> values = new LinkedHashMap<>(extra);
        values.put(prompt, usage.promptTokens());
        values.put(completion, usage.completionTokens());
        savings.filter(saved -> saved.callsSaved() > 0).ifPresent(saved -> {
            values.put(Metric.CACHE_HITS, saved.cacheHits());
            values.put(Metric.SHARED_CALLS, saved.sharedCalls());
            values.put(Metric.TOKENS_SAVED,
                    saved.tokensSaved().promptTokens() + saved.tokensSaved().completionTokens());
        });
        return line(dimensions, values, at, requestId);
    }

    private static Map<String, String> withModel(Map<String, String> runDimensions, String model) {
        Map<String, String> dimensions = new LinkedHashMap<>(runDimensions);
        dimensions.put(Metric.MODEL_DIMENSION, model);
        return dimensions;
    }

    private static List<List<Long>> chunks(List<Long> samples) {
        List<List<Long>> chunks = new ArrayList<>();
        for (int from = 0; from < samples.size(); from += MAX_VALUES_PER_METRIC) {
            chunks.add(samples.subList(from, Math.min(samples.size(), from + MAX_VALUES_PER_METRIC)));
        }
        return chunks;
    }

    /**
     * {@code values}: a number, or a list of numbers for a metric with several values. The request id is a property
     * (neither a dimension nor a metric, so CloudWatch stores no metric for it), named as in the invocation's log
     * lines: one Logs Insights filter finds an invocation's metrics with its log lines.
     */
    private static String line(Map<String, String> dimensions, Map<Metric, Object> values, Instant at,
                               String requestId) {
        List<Map<String, String>> declared = values.keySet().stream()
                .map(m -> Map.of("Name", m.metricName(), "Unit", m.unit())).toList();
        Map<String, Object> directive = new LinkedHashMap<>();
        directive.put("Namespace", Metric.NAMESPACE);
        directive.put("Dimensions", List.of(List.copyOf(dimensions.keySet())));
        directive.put("Metrics", declared);
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("_aws", Map.of("Timestamp", at.toEpochMilli(), "CloudWatchMetrics", List.of(directive)));
        root.putAll(dimensions);
        values.forEach((metric, value) -> root.put(metric.metricName(), value));
        root.put(REQUEST_ID_PROPERTY, requestId);
        return JsonCodec.writeString(root);
    }
}
