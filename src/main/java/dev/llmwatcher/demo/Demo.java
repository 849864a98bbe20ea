package dev.llmwatcher.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmwatcher.app.DryRun;
import dev.llmwatcher.app.Watcher;
import dev.llmwatcher.config.WatcherConfig;
import dev.llmwatcher.elasticsearch.ClusterAdmin;
import dev.llmwatcher.engine.PassListener;
import dev.llmwatcher.engine.RunReport;
import dev.llmwatcher.engine.RunRequest;
import dev.llmwatcher.engine.StopSignal;
import dev.llmwatcher.json.Json;
import dev.llmwatcher.queue.QueueFields;
import dev.llmwatcher.queue.QueueQuery;
import dev.llmwatcher.queue.Selection;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The first ten minutes for a newcomer with a JDK and Maven: a throwaway Elasticsearch, a handful of product
 * reviews queued as the ingest pipeline would queue them, one drain through the configured Ollama, and the
 * enriched documents printed. When no LLM answers it says so, shows the dry run, and names the command that gives
 * them one; it never invents answers.
 */
public final class Demo {

    /** The Elasticsearch the demo runs: the integ-test-zip the tests use. */
    public static final String ES_VERSION = "9.5.4";
    public static final String DEFAULT_MODEL = "llama3.2";
    public static final String REVIEWS_INDEX = "demo-reviews";
    static final String PROMPT = "From a scale of 1-10 how good is this product review "
            + "(1 is very bad, 10 is very good): {{ctx.message}}";
    static final List<String> REVIEWS = List.of("I love it!", "Broke after two days. Never again.",
            "Does the job, nothing special.", "Best purchase this year, my kids adore it.",
            "Arrived late and the box was damaged, but the product works.");

    private static final ObjectMapper JSON = Json.mapper();

    /** How a demo ended. */
    public enum Outcome { ENRICHED, NO_LLM }

    private final PrintStream out;
    private final Clock clock;

    public Demo(PrintStream out, Clock clock) {
        this.out = out;
        this.clock = clock;
    }

    /**
     * Runs the demo. {@code zip} is the Elasticsearch integ-test-zip, or empty to resolve it through Maven;
     * {@code config} is the user's configuration with any Elasticsearch URL, which {@code withCluster} replaces by
     * the local cluster's.
     */
    public Outcome run(Optional<Path> zip, Path work, String model, Function<URI, WatcherConfig> withCluster) {
        Path distribution = zip.orElseGet(() -> {
            out.println("Resolving Elasticsearch " + ES_VERSION + " through Maven (cached after the first time) ...");
            return MavenArtifact.resolve("org.elasticsearch.distribution.integ-test-zip", "elasticsearch",
                    ES_VERSION, "zip");
        });
        out.println("Starting a throwaway Elasticsearch (about 15-60 s) ...");
        try (LocalCluster cluster = LocalCluster.start(LocalCluster.Flavor.ELASTICSEARCH, distribution, work, "demo",
                Duration.ofSeconds(240))) {
            WatcherConfig config = withCluster.apply(cluster.url());
            out.println("Elasticsearch is up at " + cluster.url() + " (it goes away when the demo ends)");
            try (Watcher watcher = Watcher.create(config, clock, "demo")) {
                watcher.admin().templates().install(config.watchIndex(), Optional.empty());
                queueReviews(watcher.admin(), config.watchIndex(), model);
                out.println("Queued " + REVIEWS.size() + " product reviews in " + config.watchIndex()
                        + " as the ingest pipeline would (provider ollama, model " + model + ")");
                Optional<URI> ollama = config.llm().ollamaUrl();
                if (ollama.isEmpty() || !answers(ollama.get())) {
                    noLlm(watcher, config, ollama.map(URI::toString).orElse("(none: OLLAMA_API_URL is empty)"),
                            model);
                    return Outcome.NO_LLM;
                }
                drain(watcher, config);
                printResults(watcher.admin(), config.watchIndex(), model);
                return Outcome.ENRICHED;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("demo Elasticsearch request failed", e);
        }
    }

    private void queueReviews(ClusterAdmin admin, String queue, String model) {
        Map<String, Map<String, Object>> reviews = new LinkedHashMap<>();
        for (int i = 0; i < REVIEWS.size(); i++) {
            Map<String, Object> meta = new LinkedHashMap<>();
            meta.put(QueueFields.PROVIDER, "ollama");
            meta.put(QueueFields.MODEL, model);
            meta.put(QueueFields.PROMPT, PROMPT);
            meta.put(QueueFields.FORMAT, Map.of("type", "object", "properties",
                    Map.of("scale", Map.of("type", "integer")), "required", List.of("scale")));
            meta.put(QueueFields.OPTIONS, null);
            meta.put(QueueFields.ORIGINAL_INDEX, REVIEWS_INDEX);
            meta.put(QueueFields.QUEUED_AT, clock.instant().toString());
            Map<String, Object> source = new LinkedHashMap<>();
            source.put("message", REVIEWS.get(i));
            source.put(QueueFields.META, meta);
            reviews.put("review-" + (i + 1), source);
        }
        admin.documents().index(queue, reviews);
    }

    /** Anything answering HTTP at the address counts: a missing model shows later as a document error. */
    private static boolean answers(URI ollama) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
        try {
            http.send(HttpRequest.newBuilder(ollama).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.discarding());
            return true;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void noLlm(Watcher watcher, WatcherConfig config, String ollama, String model) {
        out.println();
        out.println("No LLM answered at " + ollama + ", so nothing was sent and no answer was made up.");
        out.println("Here is what would be sent (a dry run):");
        out.println();
        DryRun.run(watcher.store(), watcher.processor(), new QueueQuery(config.watchIndex(), Selection.NEW,
                clock.instant(), Optional.empty(), config.batchSize()), out);
        out.println();
        out.println("To get an LLM: install Ollama (https://ollama.com), then run:  ollama pull " + model);
        out.println("(and 'ollama serve' if it is not already running), then run the demo again.");
    }

    private void drain(Watcher watcher, WatcherConfig config) {
        out.println("Draining the queue through Ollama at " + config.llm().ollamaUrl().orElseThrow() + " ...");
        StopSignal stop = new StopSignal();
        RunReport report;
        do {
            report = watcher.run(new RunRequest(config.watchIndex(), Selection.NEW,
                    clock.instant().plus(config.passDuration()), Integer.MAX_VALUE, stop, PassListener.NONE));
        } while (report.backlog() > 0 && report.handled() > 0);
    }

    private void printResults(ClusterAdmin admin, String queue, String model) throws IOException {
        out.println();
        out.println("Enriched documents in " + REVIEWS_INDEX + ":");
        for (var enriched : admin.documents().firstDocuments(REVIEWS_INDEX, 100).entrySet()) {
            out.println("  " + enriched.getKey() + "  " + JSON.writeValueAsString(enriched.getValue()));
        }
        var failed = admin.documents().firstDocuments(queue, 100);
        if (!failed.isEmpty()) {
            out.println("Still in the queue with an error:");
            failed.forEach((id, source) -> out.println("  " + id + "  " + error(source)));
            out.println("If the model is missing, run:  ollama pull " + model);
        }
    }

    private static Object error(Map<String, Object> source) {
        return source.get(QueueFields.META) instanceof Map<?, ?> meta ? meta.get(QueueFields.ERROR) : null;
    }
}
