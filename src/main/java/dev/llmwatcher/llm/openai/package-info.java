/**
 * The OpenAI provider: Chat Completions for OpenAI and every compatible server, and OpenAI's Files and Batches API,
 * which implements the batch port. Uses the LLM and batch ports, {@code llm.http} and {@code json}.
 */
package dev.llmwatcher.llm.openai;
