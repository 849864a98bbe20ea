package dev.llmwatcher.engine;

import java.time.Duration;

/**
 * How long one LLM call may take: the call timeout, or less when the pass's deadline is closer
 * ({@code cutByDeadline}), in which case a call cut short is the pass's doing, not the document's.
 */
public record CallTimeout(Duration duration, boolean cutByDeadline) {
}
