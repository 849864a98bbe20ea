package dev.llmwatcher.aws;

import dev.llmwatcher.engine.AnswerSavings;
import dev.llmwatcher.engine.LatencyStats;
import dev.llmwatcher.engine.RunReport;
import dev.llmwatcher.llm.TokenUsage;

import java.util.HashMap;
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
                first.batch().plus(second.batch()), first.undeclaredFieldsDropped() + second.undeclaredFieldsDropped());
    }
}
