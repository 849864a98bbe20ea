package dev.llmwatcher.budget;

import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Estimates a call's tokens before it goes out, per model, from what this process saw the model's provider report:
 * the prompt from its length in characters at the model's observed tokens per character (one token per 3.3
 * characters until the first answer, a little more than the usual 4 so a first estimate errs high), the completion
 * as the largest of the model's recent completions (256 tokens before any, and never more than the request's own
 * {@code max_tokens}). Erring high only holds a little more of the budget for a moment; erring low lets calls in
 * flight go past it, which is what the overshoot bound counts.
 */
public final class TokenEstimator {

    static final double FIRST_TOKENS_PER_CHAR = 0.3;
    static final long FIRST_COMPLETION = 256;
    /** How many recent completions the completion estimate looks at. */
    static final int RECENT = 32;
    /** Weight of the past in the tokens-per-character calibration, per observation. */
    private static final double DECAY = 0.95;

    private final Map<String, ModelStats> byModel = new ConcurrentHashMap<>();

    /** Tokens a call of {@code model} with a prompt of {@code promptChars} characters is expected to cost. */
    public long estimate(String model, int promptChars, OptionalLong maxCompletion) {
        ModelStats stats = byModel.get(model);
        double perChar = stats == null ? FIRST_TOKENS_PER_CHAR : stats.tokensPerChar();
        long completion = stats == null ? FIRST_COMPLETION : stats.largestRecentCompletion();
        if (maxCompletion.isPresent()) {
            completion = Math.min(completion, maxCompletion.getAsLong());
        }
        return Math.max(1, (long) Math.ceil(promptChars * perChar) + completion);
    }

    /** Learns from an answer: its prompt's length and the tokens the provider reported for it. */
    public void observe(String model, int promptChars, long promptTokens, long completionTokens) {
        byModel.computeIfAbsent(model, m -> new ModelStats()).observe(promptChars, promptTokens, completionTokens);
    }

    private static final class ModelStats {
        private double chars;
        private double promptTokens;
        private final long[] completions = new long[RECENT];
        private int seen;

        synchronized void observe(int promptChars, long prompt, long completion) {
            if (promptChars > 0 && prompt > 0) {
                chars = chars * DECAY + promptChars;
                promptTokens = promptTokens * DECAY + prompt;
            }
            completions[seen % RECENT] = completion;
            seen++;
        }

        synchronized double tokensPerChar() {
            return chars > 0 ? promptTokens / chars : FIRST_TOKENS_PER_CHAR;
        }

        synchronized long largestRecentCompletion() {
            long largest = 0;
            for (int i = 0; i < Math.min(seen, RECENT); i++) {
                largest = Math.max(largest, completions[i]);
            }
            return largest;
        }
    }
}
