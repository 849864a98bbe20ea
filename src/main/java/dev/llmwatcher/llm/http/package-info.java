/**
 * The one HTTP client the HTTP providers share: Apache HttpClient 5 (the client under Elasticsearch's Rest5Client)
 * with one pool, a timeout on every request, failures typed as {@link dev.llmwatcher.llm.LlmException}, no replayed
 * POST, and proxy routing. Uses the LLM port and {@code json}; knows no provider.
 */
package dev.llmwatcher.llm.http;
