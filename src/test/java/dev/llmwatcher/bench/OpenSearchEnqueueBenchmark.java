package dev.llmwatcher.bench;

import dev.llmwatcher.backfill.BackfillRecord;
import dev.llmwatcher.backfill.BackfillStore;
import dev.llmwatcher.backfill.SourceSelection;
import dev.llmwatcher.elasticsearch.QueueTemplateInstaller;
import dev.llmwatcher.engine.backfill.BackfillInstructions;
import dev.llmwatcher.engine.backfill.EnqueueReport;
import dev.llmwatcher.engine.backfill.EnqueueRequest;
import dev.llmwatcher.engine.backfill.Enqueuer;
import dev.llmwatcher.json.JsonCodec;
import dev.llmwatcher.opensearch.OpenSearchPorts;
import dev.llmwatcher.testing.OpenSearchServer;
import dev.llmwatcher.testing.TestElasticsearch;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code bin/benchmark enqueue-opensearch [N]}: on OpenSearch 3.6's test distribution, which has the reindex module
 * and painless, the rate of {@code enqueue --from} against a plain {@code _reindex} of the same documents into another
 * index (sliced as the backfill is, {@code op_type: create} as its queue writes are) and against the sliced scan +
 * bulk copy {@link EnqueueBenchmark} measures on Elasticsearch; three rounds, each in another order (on two busy
 * CPUs the cluster's merges after one contender slow the next), on the same N
 * documents of about 1 KB. Then it asks whether a {@code _reindex} (its script, or a pipeline on its destination) can
 * see the source's {@code _seq_no}/{@code _primary_term}, which the version-safe write-back needs on every queue
 * document.
 */
public final class OpenSearchEnqueueBenchmark {

    private static final int ROUNDS = 3;
    private static final int SLICES = EnqueueRequest.DEFAULT_SLICES;
    private static final int PAGE = EnqueueRequest.DEFAULT_PAGE_SIZE;

    private OpenSearchEnqueueBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        String scale = System.getProperty("llmwatcher.bench.scale", "5000");
        int documents = Integer.parseInt(scale.chars().allMatch(Character::isDigit) ? scale : "5000");
        try (OpenSearchServer os = OpenSearchServer.start()) {
            OpenSearchPorts ports = new OpenSearchPorts(os, TestElasticsearch.uniqueIndex("bench-cache"));
            System.out.println("enqueue benchmark on OpenSearch " + version(os) + ": " + documents
                    + " documents of ~1 KB, " + SLICES + " slices, pages of " + PAGE + ", "
                    + Runtime.getRuntime().availableProcessors() + " CPUs");
            String source = TestElasticsearch.uniqueIndex("bench-source");
            EnqueueBenchmark.write(ports::write, source, documents);
            BackfillStore backfill = ports.backfillStore();
            for (int round = 1; round <= ROUNDS; round++) {
                String reindexed = TestElasticsearch.uniqueIndex("bench-reindex");
                String copy = TestElasticsearch.uniqueIndex("bench-copy");
                String queue = TestElasticsearch.uniqueIndex("bench-queue");
                String templated = TestElasticsearch.uniqueIndex("bench-queue");
                String backfillId = "bench-" + round;
                Map<String, Callable<Double>> contenders = new LinkedHashMap<>();
                contenders.put("_reindex", () -> reindex(os, source, reindexed, documents));
                contenders.put("copy", () -> EnqueueBenchmark.copy(backfill, source, copy, documents));
                contenders.put("enqueue", () -> enqueue(backfill, source, queue, backfillId, documents));
                contenders.put("enqueue+template", () -> {
                    os.send("PUT", "/_index_template/" + templated, QueueTemplateInstaller.templateBody(templated,
                            Optional.empty())).requireSuccess("put the queue template");
                    return enqueue(backfill, source, templated, backfillId, documents);
                });
                List<String> order = new ArrayList<>(contenders.keySet());
                Collections.rotate(order, 1 - round);
                Map<String, Double> rates = new LinkedHashMap<>();
                for (String contender : order) {
                    rates.put(contender, contenders.get(contender).call());
                }
                double enqueue = rates.get("enqueue");
                double withTemplate = rates.get("enqueue+template");
                System.out.println(String.format(Locale.ROOT, "round %d (in the order %s): _reindex %.0f documents/s, "
                        + "scan + bulk copy %.0f documents/s, enqueue --from %.0f documents/s (%.2f of _reindex, "
                        + "%.2f of the copy), with the queue template %.0f documents/s (%.2f of _reindex); an "
                        + "enqueue's fixed costs %.2f s", round, String.join(", ", order), rates.get("_reindex"),
                        rates.get("copy"), enqueue, enqueue / rates.get("_reindex"), enqueue / rates.get("copy"),
                        withTemplate, withTemplate / rates.get("_reindex"), fixedCosts(backfill, source)));
                os.send("DELETE", "/_index_template/" + templated, null);
                List.of(reindexed, copy, queue, queue + "-backfills", templated, templated + "-backfills")
                        .forEach(index -> os.send("DELETE", "/" + index, null));
            }
            probeVersionInReindexScript(os, source);
            os.send("DELETE", "/" + source, null);
            ports.store().close();
        }
        System.exit(0);
    }

    private static String version(OpenSearchServer os) {
        Map<String, Object> root = os.send("GET", "/", null).json();
        return root.get("version") instanceof Map<?, ?> v ? String.valueOf(v.get("number")) : "?";
    }

    /** {@code enqueue --from} as the command runs it, its fixed costs included; documents per second. */
    private static double enqueue(BackfillStore backfill, String source, String queue, String backfillId,
                                  int documents) throws InterruptedException {
        EnqueueReport report = new Enqueuer(backfill, Clock.systemUTC()).run(new EnqueueRequest(
                SourceSelection.all(source), queue, new BackfillInstructions(null, null, "Rate: {{ctx.text}}", null,
                null, null), backfillId, SLICES, PAGE, null));
        if (report.result().created() != documents) {
            throw new IllegalStateException("queued " + report.result() + " of " + documents);
        }
        return report.rate();
    }

    /**
     * Seconds an enqueue spends whatever its size, as {@link Enqueuer} spends them: the count before the scan, and the
     * backfill's record read and written (into a records index created by it, {@code refresh=wait_for}).
     */
    private static double fixedCosts(BackfillStore backfill, String source) {
        String queue = TestElasticsearch.uniqueIndex("bench-fixed");
        long started = System.nanoTime();
        backfill.countMatching(SourceSelection.all(source));
        backfill.backfillRecords(queue);
        Instant now = Instant.now();
        backfill.recordBackfill(queue, new BackfillRecord("bench-fixed", source, 0, 0, now, now));
        return (System.nanoTime() - started) / 1e9;
    }

    /** A plain sliced {@code _reindex} of {@code source} into {@code copy}, waited for; documents per second. */
    private static double reindex(OpenSearchServer os, String source, String copy, int documents) {
        long started = System.nanoTime();
        var response = os.send("POST", "/_reindex?wait_for_completion=true&slices=" + SLICES, JsonCodec.writeString(
                Map.of("source", Map.of("index", source, "size", PAGE), "dest", Map.of("index", copy,
                        "op_type", "create"))));
        double seconds = (System.nanoTime() - started) / 1e9;
        response.requireSuccess("reindex " + source);
        if (!(response.json().get("created") instanceof Number created) || created.intValue() != documents) {
            throw new IllegalStateException("_reindex created " + response.json().get("created") + " of "
                    + documents + ": " + response.body());
        }
        return documents / seconds;
    }

    /**
     * What a {@code _reindex} script sees of the source document's version: the script copies {@code ctx._seq_no},
     * {@code ctx._primary_term}, {@code ctx._version} and the keys of {@code ctx} into the copy; a second attempt asks
     * the reindex's search for {@code seq_no_primary_term} and {@code version}; a third reindexes through an ingest
     * pipeline whose script processor copies {@code _if_seq_no}/{@code _if_primary_term}. Each outcome is printed
     * beside the version a GET reports.
     */
    private static void probeVersionInReindexScript(OpenSearchServer os, String source) {
        Map<String, Object> actual = os.send("GET", "/" + source + "/_doc/d-0", null).json();
        System.out.println("version probe: GET " + source + "/_doc/d-0 has _seq_no " + actual.get("_seq_no")
                + ", _primary_term " + actual.get("_primary_term") + ", _version " + actual.get("_version"));
        String script = "ctx._source.probe = ['seq_no': ctx._seq_no, 'primary_term': ctx._primary_term, "
                + "'version': ctx._version, 'ctx_keys': new ArrayList(ctx.keySet())]";
        Map<String, Object> onlyD0 = Map.of("ids", Map.of("values", List.of("d-0")));
        String dest = TestElasticsearch.uniqueIndex("bench-probe");
        var scripted = os.send("POST", "/_reindex?wait_for_completion=true&refresh=true", JsonCodec.writeString(
                Map.of("source", Map.of("index", source, "query", onlyD0), "dest", Map.of("index", dest),
                        "script", Map.of("lang", "painless", "source", script))));
        System.out.println("version probe: _reindex with a painless script answered HTTP " + scripted.status()
                + (scripted.status() / 100 == 2 ? "" : ": " + scripted.body()));
        if (scripted.status() / 100 == 2) {
            Object probe = os.source(dest, "d-0").map(s -> s.get("probe")).orElse("no document");
            System.out.println("version probe: the script saw " + probe);
        }
        String dest2 = TestElasticsearch.uniqueIndex("bench-probe");
        var asked = os.send("POST", "/_reindex?wait_for_completion=true&refresh=true", JsonCodec.writeString(
                Map.of("source", Map.of("index", source, "query", onlyD0, "seq_no_primary_term", true, "version", true),
                        "dest", Map.of("index", dest2), "script", Map.of("lang", "painless", "source", script))));
        System.out.println("version probe: _reindex with source.seq_no_primary_term and version answered HTTP "
                + asked.status()
                + (asked.status() / 100 == 2 ? ", the script saw " + os.source(dest2, "d-0").map(s -> s.get("probe"))
                .orElse("no document") : ": " + asked.body()));
        String dest3 = TestElasticsearch.uniqueIndex("bench-probe");
        os.send("PUT", "/_ingest/pipeline/" + dest3, JsonCodec.writeString(Map.of("processors", List.of(Map.of(
                "script", Map.of("lang", "painless", "source", "ctx.probe = ['if_seq_no': ctx._if_seq_no, "
                        + "'if_primary_term': ctx._if_primary_term, 'version': ctx._version]"))))))
                .requireSuccess("put the probe pipeline");
        var piped = os.send("POST", "/_reindex?wait_for_completion=true&refresh=true", JsonCodec.writeString(
                Map.of("source", Map.of("index", source, "query", onlyD0), "dest", Map.of("index", dest3,
                        "pipeline", dest3))));
        System.out.println("version probe: _reindex through an ingest pipeline answered HTTP " + piped.status()
                + (piped.status() / 100 == 2 ? ", its script processor saw " + os.source(dest3, "d-0")
                .map(s -> s.get("probe")).orElse("no document") : ": " + piped.body()));
        os.send("DELETE", "/_ingest/pipeline/" + dest3, null);
        os.send("DELETE", "/" + dest + "," + dest2 + "," + dest3, null);
    }
}
