package dev.llmwatcher.llm;

import java.time.Duration;

/**
 * The provider's answer, as text, before any parsing.
 *
 * @param text            the model's output
 * @param usage           tokens the provider reported (zeros when it reported none)
 * @param finishReason    {@code stop}, {@code length}, ... as the provider said it; may be null
 * @param latency         wall time of the whole call: waits for the provider's concurrency limit or a rate limit,
 *                        and retries, included
 * @param providerLatency the provider's own time: the answered attempt's request to its answer
 */
public record LlmAnswer(String text, TokenUsage usage, String finishReason, Duration latency,
                        Duration providerLatency) {

    /** The answer of a single attempt, whose wall time is the provider's. */
    public LlmAnswer(String text, TokenUsage usage, String finishReason, Duration latency) {
        this(text, usage, finishReason, latency, latency);
    }
}
