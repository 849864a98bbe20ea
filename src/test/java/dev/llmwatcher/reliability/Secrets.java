package dev.llmwatcher.reliability;

import dev.llmwatcher.testing.TestCluster;
import dev.llmwatcher.testing.WatcherFixture;

import java.util.List;

/**
 * Secret values the reliability tests configure (the unsecured test Elasticsearch ignores the credentials), so each
 * test can check that none of them reaches a log line, an exit message or a queue document's error.
 */
final class Secrets {

    static final String ES_PASSWORD = "pw-Reliab1lity-n0t-for-logs";
    static final String OPENAI_KEY = "sk-reliability-s3cret-key-0042";
    static final List<String> ALL = List.of(ES_PASSWORD, OPENAI_KEY);

    private Secrets() {
    }

    /** A fixture over fake providers of its own (closed with it), these secrets configured. */
    static WatcherFixture fixture(TestCluster es) {
        return configure(WatcherFixture.withFakeProviders(es));
    }

    static WatcherFixture configure(WatcherFixture fixture) {
        return fixture.with("ELASTICSEARCH_USERNAME", "watcher")
                .with("ELASTICSEARCH_PASSWORD", ES_PASSWORD)
                .with("OPENAI_API_KEY", OPENAI_KEY);
    }
}
