package dev.llmwatcher.config;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * Where the LLM providers are, how long one call may take, through which proxies they are reached, and Bedrock's
 * region and endpoint.
 *
 * @param ollamaUrl empty when the Ollama URL was set explicitly empty: no Ollama here, so documents asking for it
 *                  fail without a call (a Lambda function has no Ollama on localhost to fall back to)
 */
public record LlmAccess(Optional<URI> ollamaUrl, URI openAiBaseUrl, Secret openAiApiKey, Duration callTimeout,
                        ProxySettings proxies, BedrockAccess bedrock) {

    public LlmAccess withOpenAiApiKey(Secret key) {
        return new LlmAccess(ollamaUrl, openAiBaseUrl, key, callTimeout, proxies, bedrock);
    }
}
