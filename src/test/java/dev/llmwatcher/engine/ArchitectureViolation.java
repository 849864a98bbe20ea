package dev.llmwatcher.engine;

import dev.llmwatcher.app.Watcher;
import dev.llmwatcher.elasticsearch.ElasticsearchQueueStore;
import dev.llmwatcher.llm.ollama.OllamaClient;

/**
 * A class in the engine's package that breaks the package rules on purpose (it imports an adapter, a provider and
 * the application, which imports the engine): only {@code ArchitectureTest} reads it, to prove its rules fail.
 */
public final class ArchitectureViolation {

    private ArchitectureViolation() {
    }

    static String names(ElasticsearchQueueStore store, OllamaClient client, Watcher watcher) {
        return store + " " + client + " " + watcher;
    }
}
