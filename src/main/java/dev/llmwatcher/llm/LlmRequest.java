package dev.llmwatcher.llm;

import java.time.Duration;
import java.util.Map;

/**
 * One prompt for one model.
 *
 * @param model   the provider's model name
 * @param prompt  the rendered prompt
 * @param format  the expected answer shape: a JSON schema ({@code Map}), the string {@code "json"}, or
 *                {@code null} for free text
 * @param options provider options (temperature, num_ctx, ...); never null, may be empty
 * @param timeout the longest this request may take, all retries included
 */
public record LlmRequest(String model, String prompt, Object format, Map<String, Object> options, Duration timeout) {

    public LlmRequest {
        options = options == null ? Map.of() : options;
    }

    /** True when the answer must be JSON (a schema or {@code "json"}). */
    public boolean expectsJson() {
        return format != null;
    }

    /** The same request with a shorter timeout, for a call that must still fit before a deadline. */
    public LlmRequest withTimeout(Duration newTimeout) {
        return new LlmRequest(model, prompt, format, options, newTimeout);
    }
}
