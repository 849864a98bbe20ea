package dev.llmwatcher.engine;

import dev.llmwatcher.llm.TokenUsage;

import java.util.HashMap;
import java.util.Map;

/**
 * What one model's answers that were not paid for again saved in a pass: documents answered from the answer cache,
 * documents that shared another document's call, and the tokens those calls would have cost.
 */
public record AnswerSavings(int cacheHits, int sharedCalls, TokenUsage tokensSaved) {

    public static final AnswerSavings NONE = new AnswerSavings(0, 0, TokenUsage.NONE);

    /** The saving of one document's reused answer. */
    static AnswerSavings of(DocumentOutcome.Reused reused) {
        return new AnswerSavings(reused.fromCache() ? 1 : 0, reused.fromCache() ? 0 : 1, reused.tokensSaved());
    }

    public AnswerSavings plus(AnswerSavings other) {
        return new AnswerSavings(cacheHits + other.cacheHits, sharedCalls + other.sharedCalls,
                tokensSaved.plus(other.tokensSaved));
    }

    /** Two per-model tallies added up. */
    public static Map<String, AnswerSavings> merged(Map<String, AnswerSavings> first,
                                                    Map<String, AnswerSavings> second) {
        Map<String, AnswerSavings> all = new HashMap<>(first);
        second.forEach((model, saved) -> all.merge(model, saved, AnswerSavings::plus));
        return Map.copyOf(all);
    }

    /** Calls not made: cache hits and shared calls. */
    public int callsSaved() {
        return cacheHits + sharedCalls;
    }
}
