package dev.llmwatcher.config;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * Where the LLM providers are and how long one call may take.
 *
 * @param ollamaUrl empty when the Ollama URL was set explicitly empty: no Ollama here, so documents asking for it
 *                  fail without a call (a Lambda function has no Ollama on localhost to fall back to)
 */
public record LlmAccess(Optional<URI> ollamaUrl, URI openAiBaseUrl, Secret openAiApiKey, Duration callTimeout) {

    public LlmAccess withOpenAiApiKey(Secret key) {
        return new LlmAccess(ollamaUrl, openAiBaseUrl, key, callTimeout);
    }
}
