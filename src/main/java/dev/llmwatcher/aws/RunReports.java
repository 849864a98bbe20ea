package dev.llmwatcher.aws;

import dev.llmwatcher.budget.BudgetUse;
import dev.llmwatcher.engine.AnswerSavings;
import dev.llmwatcher.engine.LatencyStats;
import dev.llmwatcher.engine.ModelBudget;
import dev.llmwatcher.engine.RunReport;
import dev.llmwatcher.llm.TokenUsage;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Adds up an invocation's two passes when the first stopped on refused credentials and the second reran. */
final class RunReports {

    private RunReports() {
    }

    /**
     * Counts add up and latency samples join; {@code found} is the first pass's, {@code backlog} and
     * {@code stoppedBy} the second's.
     */
    static RunReport combine(RunReport first, RunReport second) {
        Map<String, TokenUsage> tokens = new HashMap<>(first.tokensByModel());
        second.tokensByModel().forEach((model, usage) -> tokens.merge(model, usage, TokenUsage::plus));
        LatencyStats latency = first.llmLatency().plus(second.llmLatency());
        return new RunReport(first.found(), first.processed() + second.processed(),
                first.failed() + second.failed(), first.parked() + second.parked(),
                first.skipped() + second.skipped(), second.released(), second.backlog(), Map.copyOf(tokens),
                latency, first.duration().plus(second.duration()), second.stoppedBy(),
                AnswerSavings.merged(first.savingsByModel(), second.savingsByModel()),
                first.batch().plus(second.batch()), first.undeclaredFieldsDropped() + second.undeclaredFieldsDropped(),
                latencies(first, second), budgets(first, second));
    }

    private static Map<String, LatencyStats> latencies(RunReport first, RunReport second) {
        Map<String, LatencyStats> byModel = new HashMap<>(first.latencyByModel());
        second.latencyByModel().forEach((model, stats) -> byModel.merge(model, stats, LatencyStats::plus));
        return Map.copyOf(byModel);
    }

    /** The second pass's budgets (the later state), with both passes' spend added up. */
    private static List<ModelBudget> budgets(RunReport first, RunReport second) {
        Map<String, ModelBudget> byModel = new LinkedHashMap<>();
        first.budgets().forEach(budget -> byModel.put(budget.model(), budget));
        second.budgets().forEach(later -> byModel.merge(later.model(), later, (earlier, budget) -> new ModelBudget(
                new BudgetUse(budget.model(), budget.use().limit(), budget.use().spentToday(),
                        budget.use().heldToday(), earlier.use().spentThisPass() + budget.use().spentThisPass(),
                        budget.use().exhausted()), budget.waitingDocuments())));
        return List.copyOf(byModel.values());
    }
}
