package dev.llmwatcher.batch;

/**
 * What one batch file may hold. OpenAI's limits are 50,000 requests and 200 MB per file; compatible servers may
 * have lower ones, and tests lower them to make a submission split.
 */
public record BatchLimits(int maxRequests, long maxBytes) {

    public static final BatchLimits OPENAI = new BatchLimits(50_000, 200L * 1024 * 1024);

    public BatchLimits {
        if (maxRequests < 1 || maxBytes < 1) {
            throw new IllegalArgumentException("batch limits must be positive: " + maxRequests + ", " + maxBytes);
        }
    }
}
