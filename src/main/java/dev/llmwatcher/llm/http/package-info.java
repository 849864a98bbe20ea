/**
 * The one HTTP client the HTTP providers share: the JDK client with one pool, a timeout on every request, failures
 * typed as {@link dev.llmwatcher.llm.LlmException}, no replayed POST, and proxy routing. Uses the LLM port and
 * {@code json}; knows no provider.
 */
package dev.llmwatcher.llm.http;
