package dev.llmwatcher.cache;

import dev.llmwatcher.llm.LlmAnswer;
import dev.llmwatcher.llm.TokenUsage;

import java.time.Duration;
import java.time.Instant;

/**
 * An answer as the provider returned it, kept to be given again to the same question: the raw text (it is parsed,
 * validated and merged again for each document, like a fresh answer), the tokens it cost, the model that answered
 * and when.
 */
public record CachedAnswer(String text, String finishReason, TokenUsage usage, String model, Instant answeredAt) {

    /** The answer of {@code model} at {@code at}, to be cached. */
    public static CachedAnswer of(LlmAnswer answer, String model, Instant at) {
        return new CachedAnswer(answer.text(), answer.finishReason(), answer.usage(), model, at);
    }

    /** As an answer to interpret; it took no time, since nothing was called. */
    public LlmAnswer asAnswer() {
        return new LlmAnswer(text, usage, finishReason, Duration.ZERO);
    }

    /** True when it was answered at or after {@code notBefore}. */
    public boolean answeredSince(Instant notBefore) {
        return answeredAt != null && !answeredAt.isBefore(notBefore);
    }
}
