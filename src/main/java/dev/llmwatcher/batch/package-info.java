/**
 * The Batch API port: a provider's asynchronous batches as the batch drain needs them (submit a file of requests, read
 * a batch's state, stream its results). Uses only the LLM port; {@code llm.openai} implements it, and the engine never
 * sees which provider does.
 */
package dev.llmwatcher.batch;
