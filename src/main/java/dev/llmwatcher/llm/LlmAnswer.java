package dev.llmwatcher.llm;

import java.time.Duration;

/**
 * The provider's answer, as text, before any parsing.
 *
 * @param text         the model's output
 * @param usage        tokens the provider reported (zeros when it reported none)
 * @param finishReason {@code stop}, {@code length}, ... as the provider said it; may be null
 * @param latency      wall time of the call, retries included
 */
public record LlmAnswer(String text, TokenUsage usage, String finishReason, Duration latency) {
}
