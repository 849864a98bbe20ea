package dev.llmwatcher.testing;

import dev.llmwatcher.app.Watcher;
import dev.llmwatcher.config.ConfigReader;
import dev.llmwatcher.config.WatcherConfig;

import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

/**
 * The settings map a test hands to {@link ConfigReader}: a test Elasticsearch (its URL, and its CA when it speaks
 * HTTPS), the fake LLM servers, and a queue index of the test's own. Tests add or override entries with {@link #with}.
 */
public final class WatcherFixture {

    private final Map<String, String> settings = new HashMap<>();
    private final String queueIndex;

    public WatcherFixture(TestElasticsearch elasticsearch, FakeOllamaServer ollama, FakeOpenAiServer openAi) {
        this.queueIndex = TestElasticsearch.uniqueIndex("queue");
        settings.putAll(elasticsearch.connectionVariables());
        settings.put("OLLAMA_API_URL", ollama.baseUrl().toString());
        settings.put("OPENAI_BASE_URL", openAi.baseUrl().toString());
        settings.put("OPENAI_API_KEY", "sk-test-fixture-key");
        settings.put("LLM_WATCHER_WATCH_INDEX", queueIndex);
        settings.put("LLM_WATCHER_RETRY_BACKOFF", "0");
    }

    public WatcherFixture with(String variable, String value) {
        settings.put(variable, value);
        return this;
    }

    public String queueIndex() {
        return queueIndex;
    }

    public Map<String, String> settings() {
        return Map.copyOf(settings);
    }

    public WatcherConfig config() {
        return ConfigReader.read(settings);
    }

    public Watcher watcher() {
        return Watcher.create(config(), Clock.systemUTC(), "test");
    }
}
