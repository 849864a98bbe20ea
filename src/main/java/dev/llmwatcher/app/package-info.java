/**
 * The application assembled from one configuration: the Elasticsearch adapters, the LLM providers ({@link
 * dev.llmwatcher.app.LlmClients}, one line per provider) and the engine, for the command line and the Lambda handlers
 * alike. The one place that builds adapters and providers: it may use every package but the shells ({@code cli},
 * {@code aws}).
 */
package dev.llmwatcher.app;
