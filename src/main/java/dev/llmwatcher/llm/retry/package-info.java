/**
 * What every provider's client is wrapped in: retries with backoff within the call's time, a provider-wide rate-limit
 * gate, and the concurrency limit learnt from 429 answers. Uses the LLM port only; knows no provider.
 */
package dev.llmwatcher.llm.retry;
