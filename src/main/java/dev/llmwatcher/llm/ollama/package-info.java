/**
 * The Ollama provider: its {@code /api/generate} API. Uses the LLM port and {@code llm.http}.
 */
package dev.llmwatcher.llm.ollama;
