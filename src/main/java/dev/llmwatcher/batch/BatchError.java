package dev.llmwatcher.batch;

/**
 * One reason a provider gives for failing a whole batch ({@code errors.data[]} of OpenAI's batch object): a
 * validation error of one line of the file ({@code line} its 1-based number), or a refusal of the batch itself
 * ({@code line} 0), such as {@code token_limit_exceeded} for the organisation's enqueued-token limit.
 */
public record BatchError(String code, String message, int line) {

    /** True when the error names the one line at fault. */
    public boolean namesLine() {
        return line > 0;
    }

    /** As an operator reads it: the code, then the provider's message. */
    public String describe() {
        return (code.isEmpty() ? "" : code + ": ") + message;
    }
}
