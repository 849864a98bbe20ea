/**
 * The loopback HTTP server and the made-up Elasticsearch, Ollama and OpenAI answers that SnapStart priming walks one
 * pass over before the snapshot, so the first real invocation finds its code paths warm. Uses {@code json} and the
 * queue port's field names only.
 */
package dev.llmwatcher.aws.priming;
