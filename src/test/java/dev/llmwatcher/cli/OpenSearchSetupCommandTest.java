package dev.llmwatcher.cli;

import dev.llmwatcher.testing.OpenSearchServer;
import dev.llmwatcher.testing.TestElasticsearch;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code setup} on OpenSearch 3.x ({@link AbstractSetupCommandTest}): everything is installed, the script and the
 * pipeline included, so it succeeds and reports nothing as not installed.
 */
class OpenSearchSetupCommandTest extends AbstractSetupCommandTest {

    private final OpenSearchServer server = OpenSearchServer.shared();

    @Override
    protected URI url() {
        return server.url();
    }

    @Override
    protected TestElasticsearch.Response send(String method, String path, String json) {
        return server.send(method, path, json);
    }

    @Override
    protected int setupStatus() {
        return Main.OK;
    }

    @Test
    void nothingIsReportedAsNotInstalled() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Console console = new Console(Map.of("ELASTICSEARCH_URL", server.url().toString(), "LLM_WATCHER_WATCH_INDEX",
                TestElasticsearch.uniqueIndex("os-setup-queue")), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), Clock.systemUTC());

        assertThat(Main.standard().run(new String[] {"setup", "--prompt", "{{ctx.message}}"}, console)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("stored script llm", "ingest pipeline llm",
                "index template llm-watcher-queue-").doesNotContain("not installed");
    }
}
