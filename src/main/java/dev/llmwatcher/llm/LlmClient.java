package dev.llmwatcher.llm;

/**
 * One LLM provider's wire protocol. Implementations are thread-safe and share one {@link JsonHttp}; they know
 * nothing of Elasticsearch or of queue documents.
 */
public interface LlmClient {

    /**
     * Sends one prompt and returns the raw answer. Blocks the calling (virtual) thread for at most the request's
     * timeout.
     *
     * @throws LlmException for every failure, typed by {@link LlmException.Kind}
     */
    LlmAnswer complete(LlmRequest request) throws LlmException;
}
