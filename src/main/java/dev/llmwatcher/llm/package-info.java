/**
 * The LLM port: one client per provider ({@link dev.llmwatcher.llm.LlmClient}), the request and the answer, tokens,
 * the kinds of failure, the provider names, and the client for a provider ({@link dev.llmwatcher.llm.LlmProviders}).
 * Uses no other package of ours: each provider package depends on it, never the reverse.
 */
package dev.llmwatcher.llm;
