package dev.llmwatcher.config;


import java.time.Duration;
import java.util.Optional;

/**
 * The whole configuration, built and validated once (see {@link ConfigReader}); everything downstream takes its
 * parts and never reads the environment itself.
 *
 * @param batchSize      documents read from the queue per page (the original's {@code --batch-size})
 * @param concurrency    LLM calls in flight at once
 * @param passDuration   longest one pass may run; also the bound of a claim's lease
 * @param retryBackoff   wait before the first retry of a failed document; doubles per attempt
 * @param answerCache    whether and how answers to repeated questions are reused
 * @param batch          the batch drain mode (OpenAI's Batch API)
 * @param answerPolicy   what an answer may change (declared fields, bounds) and where it may be written
 * @param budget         the daily token budgets shared by every drainer
 */
public record WatcherConfig(ElasticsearchSettings elasticsearch, LlmAccess llm, String watchIndex, int batchSize,
                            int concurrency, Duration watchInterval, boolean retryErrors, Optional<String> sortField,
                            boolean debug, int maxAttempts, Duration retryBackoff, int maxPromptChars,
                            Duration passDuration, Duration shutdownGrace, AnswerCacheSettings answerCache,
                            BatchSettings batch, AnswerPolicy answerPolicy, BudgetSettings budget) {

    /** A configuration without token budgets, as before they existed. */
    public WatcherConfig(ElasticsearchSettings elasticsearch, LlmAccess llm, String watchIndex, int batchSize,
                         int concurrency, Duration watchInterval, boolean retryErrors, Optional<String> sortField,
                         boolean debug, int maxAttempts, Duration retryBackoff, int maxPromptChars,
                         Duration passDuration, Duration shutdownGrace, AnswerCacheSettings answerCache,
                         BatchSettings batch, AnswerPolicy answerPolicy) {
        this(elasticsearch, llm, watchIndex, batchSize, concurrency, watchInterval, retryErrors, sortField, debug,
                maxAttempts, retryBackoff, maxPromptChars, passDuration, shutdownGrace, answerCache, batch,
                answerPolicy, BudgetSettings.NONE);
    }

    /** A configuration with the batch drain mode off, as before it existed. */
    public WatcherConfig(ElasticsearchSettings elasticsearch, LlmAccess llm, String watchIndex, int batchSize,
                         int concurrency, Duration watchInterval, boolean retryErrors, Optional<String> sortField,
                         boolean debug, int maxAttempts, Duration retryBackoff, int maxPromptChars,
                         Duration passDuration, Duration shutdownGrace, AnswerCacheSettings answerCache) {
        this(elasticsearch, llm, watchIndex, batchSize, concurrency, watchInterval, retryErrors, sortField, debug,
                maxAttempts, retryBackoff, maxPromptChars, passDuration, shutdownGrace, answerCache, BatchSettings.OFF);
    }

    /** A configuration with the default answer policy, as before it existed. */
    public WatcherConfig(ElasticsearchSettings elasticsearch, LlmAccess llm, String watchIndex, int batchSize,
                         int concurrency, Duration watchInterval, boolean retryErrors, Optional<String> sortField,
                         boolean debug, int maxAttempts, Duration retryBackoff, int maxPromptChars,
                         Duration passDuration, Duration shutdownGrace, AnswerCacheSettings answerCache,
                         BatchSettings batch) {
        this(elasticsearch, llm, watchIndex, batchSize, concurrency, watchInterval, retryErrors, sortField, debug,
                maxAttempts, retryBackoff, maxPromptChars, passDuration, shutdownGrace, answerCache, batch,
                AnswerPolicy.DEFAULT);
    }

    public WatcherConfig withElasticsearch(ElasticsearchSettings access) {
        return new WatcherConfig(access, llm, watchIndex, batchSize, concurrency, watchInterval, retryErrors,
                sortField, debug, maxAttempts, retryBackoff, maxPromptChars, passDuration, shutdownGrace, answerCache,
                batch, answerPolicy, budget);
    }

    public WatcherConfig withLlm(LlmAccess access) {
        return new WatcherConfig(elasticsearch, access, watchIndex, batchSize, concurrency, watchInterval,
                retryErrors, sortField, debug, maxAttempts, retryBackoff, maxPromptChars, passDuration,
                shutdownGrace, answerCache, batch, answerPolicy, budget);
    }

    public WatcherConfig withWatchIndex(String index) {
        return new WatcherConfig(elasticsearch, llm, index, batchSize, concurrency, watchInterval, retryErrors,
                sortField, debug, maxAttempts, retryBackoff, maxPromptChars, passDuration, shutdownGrace, answerCache,
                batch, answerPolicy, budget);
    }
}
