package dev.llmwatcher.aws;

import dev.llmwatcher.engine.BatchReport;
import dev.llmwatcher.engine.ModelBudget;
import dev.llmwatcher.engine.RunReport;
import dev.llmwatcher.queue.Selection;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a handler returns: the run's counts in a small JSON object (a plain map, which every Lambda serialiser
 * handles). It carries no credential, no document content and no error text.
 *
 * @param credentialsRefreshed the secret was read again during this invocation because credentials were refused
 * @param budgets              the daily token budgets the invocation touched (none without a budget)
 */
public record InvocationSummary(String queue, Selection selection, long found, int processed, int failed,
                                int parked, int skipped, int released, long backlog, long durationMillis,
                                String stoppedBy, boolean credentialsRefreshed, BatchReport batch,
                                int undeclaredFieldsDropped, List<ModelBudget> budgets) {

    static InvocationSummary of(String queue, Selection selection, RunReport report, boolean credentialsRefreshed) {
        return new InvocationSummary(queue, selection, report.found(), report.processed(), report.failed(),
                report.parked(), report.skipped(), report.released(), report.backlog(), report.duration().toMillis(),
                report.stoppedBy().orElse(null), credentialsRefreshed, report.batch(),
                report.undeclaredFieldsDropped(), report.budgets());
    }

    /** The JSON-able form, keys in snake case like the rest of our JSON. */
    public Map<String, Object> toMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("queue", queue);
        map.put("mode", selection == Selection.RETRY ? "retry" : "new");
        map.put("found", found);
        map.put("processed", processed);
        map.put("failed", failed);
        map.put("parked", parked);
        map.put("skipped", skipped);
        map.put("released", released);
        map.put("backlog", backlog);
        map.put("duration_ms", durationMillis);
        map.put("stopped_by", stoppedBy);
        map.put("credentials_refreshed", credentialsRefreshed);
        map.put("undeclared_fields_dropped", undeclaredFieldsDropped);
        if (batch.any()) {
            Map<String, Object> work = new LinkedHashMap<>(Map.of("submitted", batch.submitted(), "batches",
                    batch.batches(), "collected", batch.collected(), "failed", batch.failed(), "returned",
                    batch.returned(), "open", batch.open().size()));
            BatchReport.Refusals refusals = batch.refusals();
            if (refusals.refused() + refusals.expired() > 0 || refusals.backingOff()) {
                work.put("refusals", Map.of("refused", refusals.refused(), "expired", refusals.expired(),
                        "reason", refusals.reason(), "backing_off", refusals.backingOff()));
            }
            map.put("batch", work);
        }
        if (!budgets.isEmpty()) {
            map.put("budgets", budgets.stream().map(InvocationSummary::budgetMap).toList());
        }
        return map;
    }

    /** One model's daily token budget as the invocation left it. */
    private static Map<String, Object> budgetMap(ModelBudget budget) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("model", budget.model());
        map.put("limit", budget.use().limit());
        map.put("spent_by_invocation", budget.use().spentThisPass());
        map.put("remaining", budget.use().remaining());
        map.put("spent", budget.use().exhausted());
        map.put("waiting_documents", budget.waitingDocuments());
        return map;
    }
}
