package dev.llmwatcher.cli;

import dev.llmwatcher.elasticsearch.QueueTemplateInstaller;
import dev.llmwatcher.testing.TestElasticsearch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code setup} against the test Elasticsearch, which has no painless: the template is installed (once), and the
 * script and pipeline are reported as needing a cluster with painless; the templates' mappings as on every engine
 * ({@link AbstractSetupCommandTest}). The contract test on a painless cluster is {@code OpenSearchSeedFlowTest}.
 */
class SetupCommandTest extends AbstractSetupCommandTest {

    private final TestElasticsearch es = TestElasticsearch.shared();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final String queue = TestElasticsearch.uniqueIndex("setup-queue");

    @Override
    protected URI url() {
        return es.url();
    }

    @Override
    protected TestElasticsearch.Response send(String method, String path, String json) {
        return es.send(method, path, json, json == null ? null : "application/json");
    }

    @Override
    protected int setupStatus() {
        return Main.FAILED;
    }

    private int runCli(String... args) {
        Console console = new Console(Map.of("ELASTICSEARCH_URL", es.url().toString(),
                "LLM_WATCHER_WATCH_INDEX", queue), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), Clock.systemUTC());
        return Main.standard().run(args, console);
    }

    @Test
    void installsTheTemplateOnceAndSaysScriptAndPipelineNeedPainless() {
        String template = QueueTemplateInstaller.templateName(queue);

        int first = runCli("setup", "--model", "deepseek-r1:14b", "--prompt", "Rate: {{ctx.message}}");
        String firstOutput = out.toString(StandardCharsets.UTF_8);
        out.reset();
        int second = runCli("setup", "--model", "deepseek-r1:14b", "--prompt", "Rate: {{ctx.message}}");

        assertThat(firstOutput).containsPattern("index template " + template + " +created")
                .containsPattern("stored script llm +not installed: needs a cluster with painless")
                .containsPattern("ingest pipeline llm +not installed: needs a cluster with painless");
        assertThat(out.toString(StandardCharsets.UTF_8)).containsPattern("index template " + template + " +unchanged");
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("no painless");
        assertThat(List.of(first, second)).containsOnly(Main.FAILED);
        assertThat(es.get("/_index_template/" + template).status()).isEqualTo(200);
    }

    @Test
    void pipelineParametersComeFromAFileWithFlagsWinning(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("pipeline.json");
        Files.writeString(file, """
                {"pipeline": "reviews", "provider": "openai", "model": "gpt-4o-mini", "prompt": "{{ctx.text}}",
                 "schema": {"type": "object"}, "options": {"temperature": 0}}""");
        Arguments arguments = Arguments.parse(new String[] {"setup", "--pipeline-file", file.toString(), "--model",
                "gpt-4.1"}, new SetupCommand().switches(), new SetupCommand().options());

        var spec = SetupCommand.spec(arguments, "llm-queue");

        assertThat(spec.name()).isEqualTo("reviews");
        assertThat(spec.scriptParams()).containsEntry("provider", "openai").containsEntry("model", "gpt-4.1")
                .containsEntry("prompt", "{{ctx.text}}").containsEntry("format", Map.of("type", "object"))
                .containsEntry("options", Map.of("temperature", 0)).containsEntry("queue_index", "llm-queue");
    }

    @Test
    void badSchemaIsAUsageError() {
        assertThat(runCli("setup", "--schema", "{not json")).isEqualTo(Main.USAGE);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--schema is not valid JSON");
    }

    @Test
    void bedrockIsAProviderSetupAccepts() throws Exception {
        Arguments arguments = Arguments.parse(new String[] {"setup", "--provider", "bedrock", "--model",
                "us.anthropic.claude-3-5-haiku-20241022-v1:0"}, new SetupCommand().switches(),
                new SetupCommand().options());

        var spec = SetupCommand.spec(arguments, "llm-queue");

        assertThat(spec.scriptParams()).containsEntry("provider", "bedrock")
                .containsEntry("model", "us.anthropic.claude-3-5-haiku-20241022-v1:0");
    }

    @Test
    void anUnknownProviderIsAUsageErrorListingTheKnownOnes() {
        assertThat(runCli("setup", "--provider", "bedrok")).isEqualTo(Main.USAGE);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("--provider must be one of ollama, openai, bedrock, got bedrok");
    }
}
