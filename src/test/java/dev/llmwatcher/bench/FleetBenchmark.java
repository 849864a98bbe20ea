package dev.llmwatcher.bench;

import dev.llmwatcher.app.Watcher;
import dev.llmwatcher.config.ConfigReader;
import dev.llmwatcher.elasticsearch.ClusterAdmin;
import dev.llmwatcher.engine.RunReport;
import dev.llmwatcher.engine.StopSignal;
import dev.llmwatcher.queue.Selection;
import dev.llmwatcher.testing.FakeLlmServer.Reply;
import dev.llmwatcher.testing.FakeOllamaServer;
import dev.llmwatcher.testing.TestElasticsearch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Figure 7, the fleet (issue 28): many drainers on one queue. For each number of drainers, before (every drainer reads
 * the whole queue, as until the parts: {@code -Dllmwatcher.queue.maxParts=1}) and after (the parts): Elasticsearch's
 * work per document on the queue index (its own index statistics before and after: queue searches, writes, writes
 * refused as version conflicts, i.e. claims another drainer won) and the fleet's throughput against the ideal
 * {@code drainers × C / L}. 7a runs drainers as command-line processes ({@code --once}); 7b runs many engines in
 * this JVM, to see past the machine's cores (they share the benchmark's JVM with the fake LLM).
 *
 * <p>{@code bin/benchmark fleet} is the size to report; {@code fleet-quick} and {@code fleet-smoke} are smaller;
 * {@code fleet-engines} runs only {@code fleet-quick}'s 7b rows, {@code fleet-targets} only its rows at 8 and 16
 * drainers. Figure 7c sums the walks' debug lines of 7a's drainers: where the queue searches went.
 */
final class FleetBenchmark {

    /** The diagnostic switch the "before" rows set: one part, the whole queue, as every drainer read it before. */
    static final String MAX_PARTS_PROPERTY = "llmwatcher.queue.maxParts";

    /** A fleet run's size: queue, C and L, drainer processes (7a) and engines in one JVM (7b). */
    record FleetScale(int docs, int concurrency, Duration latency, int[] processes, int[] engines, int engineRounds) {

        static FleetScale named(String name) {
            return switch (name) {
                case "fleet" -> new FleetScale(1600, 8, Duration.ofSeconds(1), new int[] {1, 4, 8, 16},
                        new int[] {8, 16, 32, 64}, 8);
                case "fleet-quick" -> new FleetScale(800, 8, Duration.ofMillis(500), new int[] {1, 4, 8, 16},
                        new int[] {16, 64}, 4);
                case "fleet-smoke" -> new FleetScale(160, 4, Duration.ofMillis(100), new int[] {1, 4},
                        new int[] {8}, 4);
                // fleet-quick's 7b rows alone: the least load-sensitive rows, for a quick before and after
                case "fleet-engines" -> new FleetScale(800, 8, Duration.ofMillis(500), new int[0],
                        new int[] {16, 64}, 4);
                // fleet-quick's rows at 8 and 16 drainers alone: the rows issue 28's targets are set for
                case "fleet-targets" -> new FleetScale(800, 8, Duration.ofMillis(500), new int[] {8, 16},
                        new int[] {16}, 4);
                default -> throw new IllegalArgumentException("unknown fleet scale '" + name
                        + "' (fleet, fleet-quick, fleet-smoke, fleet-engines, fleet-targets)");
            };
        }

        double idealPerSecond(int drainers) {
            return drainers * concurrency * 1000.0 / latency.toMillis();
        }
    }

    /** One row: a fleet of {@code drainers} drained {@code docs} documents. */
    record Row(String kind, String mode, int drainers, int docs, double wallSeconds, double callingSeconds,
               double idealPerSecond, QueueStats work, int calls, long left, WalkSearches walks,
               Optional<FleetTime.Row> time) {

        Row with(WalkSearches found, FleetTime.Row took) {
            return new Row(kind, mode, drainers, docs, wallSeconds, callingSeconds, idealPerSecond, work, calls, left,
                    found, Optional.of(took));
        }

        /** Figure 7d's line: where the row's time and CPU went. */
        String timeLine() {
            return String.format(Locale.ROOT, "| %s | %s | %d | %.1f | %.1f | %.2f | ", kind, mode, drainers,
                    wallSeconds, callingSeconds, throughput() / idealPerSecond) + time.orElseThrow().cells() + " |";
        }

        /** Where the queue searches went, per document: the walks' own kinds, and the rest (counts, mostly). */
        String searchesLine() {
            double n = docs;
            return String.format(Locale.ROOT, "| %s | %s | %d | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %d | %d "
                            + "| %d | %d |", kind, mode, drainers, work.searches() / n, walks.pages() / n,
                    walks.emptyParts() / n, walks.ends() / n, walks.probes() / n,
                    (work.searches() - walks.total()) / n, walks.passes(), walks.walks(), walks.opened(),
                    walks.crowdedLeft());
        }

        double throughput() {
            return docs / callingSeconds;
        }

        String line() {
            return String.format(Locale.ROOT, "| %s | %s | %d | %d | %.1f | %.1f | %.1f | %.1f | %.2f | %.3f | %.2f "
                            + "| %.3f | %.2f | %d | %d |", kind, mode, drainers, docs, wallSeconds, callingSeconds,
                    throughput(), idealPerSecond, throughput() / idealPerSecond, work.searches() / (double) docs,
                    work.writes() / (double) docs, work.refused() / (double) docs, work.deletes() / (double) docs,
                    calls - docs, left);
        }
    }

    /** The queue index's own counters: searches (counts included), index writes, refused writes, deletes. */
    record QueueStats(long searches, long writes, long refused, long deletes) {

        @SuppressWarnings("unchecked")
        static QueueStats of(TestElasticsearch es, String queue) {
            Map<String, Object> total = (Map<String, Object>) ((Map<String, Object>) es.get("/" + queue
                    + "/_stats/search,indexing").requireSuccess("queue statistics").json().get("_all")).get("total");
            Map<String, Object> search = (Map<String, Object>) total.get("search");
            Map<String, Object> indexing = (Map<String, Object>) total.get("indexing");
            return new QueueStats(number(search, "query_total"), number(indexing, "index_total"),
                    number(indexing, "index_failed_due_to_version_conflict"), number(indexing, "delete_total"));
        }

        private static long number(Map<String, Object> map, String key) {
            return map.get(key) instanceof Number n ? n.longValue() : 0;
        }

        QueueStats minus(QueueStats before) {
            return new QueueStats(searches - before.searches, writes - before.writes, refused - before.refused,
                    deletes - before.deletes);
        }
    }

    /**
     * The searches the drainers' walks made, by kind, summed from their debug lines ({@code engine.PartWalk}), and
     * their passes ({@code engine.WatcherEngine}'s "Found N" lines): the rest of the queue's searches are the counts
     * each pass makes (one to start, one for its backlog at the end; an empty pass only the first).
     */
    record WalkSearches(long pages, long emptyParts, long ends, long probes, long passes, long walks, long opened,
                        long crowdedLeft) {

        static final WalkSearches NONE = new WalkSearches(0, 0, 0, 0, 0, 0, 0, 0);
        static final List<String> LOGGERS = List.of("dev.llmwatcher.engine.PartWalk",
                "dev.llmwatcher.engine.WatcherEngine");
        private static final Pattern WALK = Pattern.compile("Queue walk: \\d+ parts, (\\d+) opened, (\\d+) left "
                + "crowded; searches: (\\d+) pages, (\\d+) empty parts, (\\d+) ends of parts, (\\d+) whole-queue");
        private static final Pattern FOUND = Pattern.compile("Found \\d+ documents in ");

        /** The flags that make a drainer process write the lines read here. */
        static List<String> flags() {
            return LOGGERS.stream().map(logger -> "-Dorg.slf4j.simpleLogger.log." + logger + "=debug").toList();
        }

        static WalkSearches read(List<Path> logs) {
            WalkSearches sum = NONE;
            for (Path log : logs) {
                try (Stream<String> lines = Files.lines(log)) {
                    for (String line : (Iterable<String>) lines::iterator) {
                        sum = sum.plus(line);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return sum;
        }

        private WalkSearches plus(String line) {
            if (FOUND.matcher(line).find()) {
                return new WalkSearches(pages, emptyParts, ends, probes, passes + 1, walks, opened, crowdedLeft);
            }
            Matcher walk = WALK.matcher(line);
            if (!walk.find()) {
                return this;
            }
            return new WalkSearches(pages + n(walk, 3), emptyParts + n(walk, 4), ends + n(walk, 5),
                    probes + n(walk, 6), passes, walks + 1, opened + n(walk, 1), crowdedLeft + n(walk, 2));
        }

        private static long n(Matcher matcher, int group) {
            return Long.parseLong(matcher.group(group));
        }

        long total() {
            return pages + emptyParts + ends + probes;
        }
    }

    private final FleetScale scale;
    private final TestElasticsearch es;
    private final ChildJvm child;

    FleetBenchmark(FleetScale scale, TestElasticsearch es, ChildJvm child) {
        this.scale = scale;
        this.es = es;
        this.child = child;
    }

    static void run(String scaleName, String classpath, Path work) {
        FleetScale scale = FleetScale.named(scaleName);
        ChildJvm child = new ChildJvm(JarredClasspath.of(classpath, work.resolve("classpath")),
                Benchmark.plus(LauncherFlags.SHIPPED, "-Xmx256m"), work.resolve("logs"));
        List<Row> rows = new FleetBenchmark(scale, TestElasticsearch.shared(), child).rows();
        System.out.println();
        System.out.printf(Locale.ROOT, "Figure 7 (%s): %d documents a run, C = %d, L = %d ms%n", scaleName,
                scale.docs(), scale.concurrency(), scale.latency().toMillis());
        System.out.println("| run | claims | drainers | docs | wall s | calling s | docs/s | ideal docs/s | of ideal "
                + "| queue searches/doc | queue writes/doc | refused writes/doc | deletes/doc | duplicate calls "
                + "| left in queue |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        rows.forEach(row -> System.out.println(row.line()));
        List<Row> processes = rows.stream().filter(row -> row.walks() != WalkSearches.NONE).toList();
        if (!processes.isEmpty()) {
            System.out.println();
            System.out.println("Figure 7c: where 7a's queue searches went, per document (from the drainers' debug "
                    + "lines): pages read with documents, parts found empty, empty pages that ended a part, "
                    + "whole-queue checks, and the rest (each pass's counts: one to start, one for the backlog)");
            System.out.println("| run | claims | drainers | queue searches/doc | pages | empty parts | ends of parts "
                    + "| whole-queue checks | counts and rest | passes | walks | parts opened | left crowded |");
            System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
            processes.forEach(row -> System.out.println(row.searchesLine()));
            System.out.println();
            System.out.println("Figure 7d: where 7a's time went: from each drainer's launch to its first pass (JVM "
                    + "start, settings, the first count), how far apart the drainers' first passes and last log lines "
                    + "were, and the CPU used over the row by the drainer processes, Elasticsearch and the benchmark "
                    + "JVM (the fake LLM), against what the machine's cores offered (other load on the machine "
                    + "counts as busy)");
            System.out.println(FleetTime.HEADER);
            System.out.println(FleetTime.RULE);
            processes.forEach(row -> System.out.println(row.timeLine()));
        }
    }

    List<Row> rows() {
        List<Row> rows = new ArrayList<>();
        if (scale.processes().length > 0) {
            Benchmark.log("fleet warm-up: one drainer");
            processes(1, "after", Math.max(scale.concurrency() * 8, scale.docs() / 4));
        }
        for (int drainers : scale.processes()) {
            for (String mode : List.of("before", "after")) {
                rows.add(processes(drainers, mode, scale.docs()));
                Benchmark.log(rows.getLast().line());
            }
        }
        for (int engines : scale.engines()) {
            for (String mode : List.of("before", "after")) {
                rows.add(engines(engines, mode, Math.max(scale.docs(),
                        engines * scale.concurrency() * scale.engineRounds())));
                Benchmark.log(rows.getLast().line());
            }
        }
        return rows;
    }

    private FakeOllamaServer answering() {
        FakeOllamaServer ollama = new FakeOllamaServer();
        ollama.respond(Reply.text(QueueLoader.ANSWER)).latency(scale.latency()).recordRequests(false)
                .countBy(request -> "all");
        return ollama;
    }

    private String queue(int docs) {
        String queue = TestElasticsearch.uniqueIndex("fleet-queue");
        String target = queue.replace("fleet-queue", "fleet-target");
        try (ClusterAdmin admin = ClusterAdmin.open(es.settings())) {
            admin.templates().install(queue, Optional.empty());
        }
        new QueueLoader(es).load(queue, target, docs, docs, 1024, 4096, docs,
                "ollama");
        es.refresh(queue);
        return queue;
    }

    private Map<String, String> environment(String queue, FakeOllamaServer ollama) {
        Map<String, String> environment = new HashMap<>();
        environment.put("ELASTICSEARCH_URL", es.url().toString());
        environment.put("OLLAMA_API_URL", ollama.baseUrl().toString());
        environment.put("LLM_WATCHER_WATCH_INDEX", queue);
        environment.put("LLM_WATCHER_BATCH_SIZE", Integer.toString(scale.concurrency()));
        environment.put("LLM_WATCHER_CONCURRENCY", Integer.toString(scale.concurrency()));
        environment.put("LLM_WATCHER_ANSWER_CACHE", "false");
        return environment;
    }

    /** {@code drainers} command-line processes ({@code --once}) side by side. */
    private Row processes(int drainers, String mode, int docs) {
        String queue = queue(docs);
        try (FakeOllamaServer ollama = answering()) {
            Map<String, String> environment = environment(queue, ollama);
            List<String> flags = new ArrayList<>(WalkSearches.flags());
            if ("before".equals(mode)) {
                flags.add("-D" + MAX_PARTS_PROPERTY + "=1");
            }
            flags.addAll(FleetTime.flags());
            ChildJvm drainer = child.withFlags(flags);
            FleetTime.Cpu cpuBefore = FleetTime.Cpu.now();
            Duration esBefore = es.cpuTime();
            QueueStats before = QueueStats.of(es, queue);
            long started = System.nanoTime();
            List<CompletableFuture<ChildJvm.Run>> running = new ArrayList<>();
            long[] launched = new long[drainers];
            // Platform threads: each waits in a blocking read of its child's output, which holds a virtual thread's
            // carrier; with 8 drainers that took every carrier, and the fake LLM (virtual threads too) never answered
            try (ExecutorService threads = Executors.newThreadPerTaskExecutor(Thread.ofPlatform().daemon()
                    .name("drainer-", 1).factory())) {
                for (int i = 0; i < drainers; i++) {
                    String name = "fleet-" + mode + "-" + drainers + "-" + (i + 1);
                    int index = i;
                    running.add(CompletableFuture.supplyAsync(() -> {
                        launched[index] = System.currentTimeMillis();
                        return drainer.run(name, environment,
                                "dev.llmwatcher.cli.Main", "--once").requireSuccess("drainer " + name);
                    }, threads));
                }
            }
            FleetTime.Cpu cpu = FleetTime.Cpu.now().minus(cpuBefore);
            double esCpu = es.cpuTime().minus(esBefore).toMillis() / 1e3;
            List<Path> logs = running.stream().map(run -> run.join().stderr()).toList();
            Row row = row("7a processes", mode, drainers, docs, started, queue, before, ollama);
            List<FleetTime.Drainer> timed = new ArrayList<>();
            for (int i = 0; i < drainers; i++) {
                timed.add(new FleetTime.Drainer(launched[i], logs.get(i)));
            }
            return row.with(WalkSearches.read(logs), FleetTime.Row.of(timed, cpu, esCpu, row.wallSeconds()));
        }
    }

    /** {@code engines} watchers in this JVM, each with its own clients and claim owner, passes until none is left. */
    private Row engines(int engines, String mode, int docs) {
        String queue = queue(docs);
        String previous = System.getProperty(MAX_PARTS_PROPERTY);
        if ("before".equals(mode)) {
            System.setProperty(MAX_PARTS_PROPERTY, "1");
        }
        try (FakeOllamaServer ollama = answering()) {
            Map<String, String> environment = environment(queue, ollama);
            QueueStats before = QueueStats.of(es, queue);
            CyclicBarrier together = new CyclicBarrier(engines);
            long started = System.nanoTime();
            try (ExecutorService threads = Executors.newFixedThreadPool(engines)) {
                List<CompletableFuture<Void>> running = new ArrayList<>();
                for (int i = 0; i < engines; i++) {
                    String name = "engine-" + (i + 1);
                    running.add(CompletableFuture.runAsync(() -> drain(environment, name, together), threads));
                }
                running.forEach(CompletableFuture::join);
            }
            return row("7b engines in one JVM", mode, engines, docs, started, queue, before, ollama);
        } finally {
            if (previous == null) {
                System.clearProperty(MAX_PARTS_PROPERTY);
            } else {
                System.setProperty(MAX_PARTS_PROPERTY, previous);
            }
        }
    }

    private static void drain(Map<String, String> environment, String name, CyclicBarrier together) {
        try (Watcher watcher = Watcher.create(ConfigReader.read(environment), Clock.systemUTC(), name)) {
            together.await();
            for (int pass = 0; pass < 100; pass++) {
                RunReport report = watcher.runPass(Selection.NEW, Instant.now().plusSeconds(600), Integer.MAX_VALUE,
                        StopSignal.never());
                if (report.found() == 0 && report.backlog() == 0) {
                    return;
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException("engine " + name + " failed", e);
        }
    }

    private Row row(String kind, String mode, int drainers, int docs, long startedNanos, String queue,
                    QueueStats before, FakeOllamaServer ollama) {
        double wall = (System.nanoTime() - startedNanos) / 1e9;
        QueueStats work = QueueStats.of(es, queue).minus(before);
        long[] calling = ollama.callingEpochMillis().orElse(new long[] {0, 0});
        double callingSeconds = Math.max(1e-3, (calling[1] - calling[0]) / 1e3);
        long left = es.count(queue);
        es.delete("/" + queue + "," + queue.replace("fleet-queue", "fleet-target"));
        return new Row(kind, mode, drainers, docs, wall, callingSeconds, scale.idealPerSecond(drainers), work,
                ollama.calls(), left, WalkSearches.NONE, Optional.empty());
    }

}
