package dev.llmwatcher.bench;

import dev.llmwatcher.testing.FakeBedrockServer;
import dev.llmwatcher.testing.FakeLlmServer.Reply;
import dev.llmwatcher.elasticsearch.ClusterAdmin;
import dev.llmwatcher.testing.FakeOllamaServer;
import dev.llmwatcher.testing.LambdaPackage;
import dev.llmwatcher.testing.TestElasticsearch;

import java.io.File;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The performance benchmark: a real Elasticsearch (the tests' one), the fake Ollama with a chosen latency, and the
 * watcher's command line ({@code --once}) draining a queue in a JVM of its own, talking to Elasticsearch directly
 * (Elasticsearch's own per-route statistics count the requests: {@link RouteStats}). Prints the figures of
 * {@code BENCHMARKS.md}, each next to the reference it was measured against in the same run.
 *
 * <p>Run with {@code bin/benchmark} (or {@code mvn -Pbenchmark -DskipTests verify}); {@code BenchmarkSmokeTest}
 * runs it at {@link Scale#SMOKE} inside the test suite.
 */
public final class Benchmark {

    /** The flags AWS Lambda's Java runtimes set through {@code JAVA_TOOL_OPTIONS}. */
    static final List<String> LAMBDA_JVM_FLAGS = List.of("-XX:+TieredCompilation", "-XX:TieredStopAtLevel=1");
    /** Back to the JVM's default JIT (C1 then C2), for the reference drain 1c. */
    static final List<String> DEFAULT_JIT = List.of("-XX:TieredStopAtLevel=4");
    static final Duration TAIL_MEDIAN = Duration.ofMillis(400);
    static final Duration TAIL_P99 = Duration.ofSeconds(3);
    private static final int KB = 1024;
    /** Drainer processes side by side on one queue in the scale-out drain (1g). */
    static final int SCALE_OUT_DRAINERS = 3;
    /** How often the memory drains force a full GC to measure the live heap. */
    static final Duration LIVE_SET_EVERY = Duration.ofSeconds(1);

    private final Scale scale;
    private final TestElasticsearch es;
    private final ChildJvm child;
    private final Path work;
    /**
     * The answer cache of every drain but 6a-6c (on, as by default): one index for the whole run, so that after the
     * warm-up drains it exists and holds answers, as a production cache does. Their questions all differ (and the
     * fake LLM's port is part of each key), so none is a hit: they pay the cache's look-ups and writes only.
     */
    private final Map<String, String> answerCache = Map.of("LLM_WATCHER_ANSWER_CACHE_INDEX",
            TestElasticsearch.uniqueIndex("bench-answers"));

    Benchmark(Scale scale, TestElasticsearch es, String childClasspath, Path work) {
        this.scale = scale;
        this.es = es;
        this.work = work;
        this.child = new ChildJvm(JarredClasspath.of(childClasspath, work.resolve("classpath")),
                plus(plus(LauncherFlags.SHIPPED, scale.childHeap()), extraFlags()), work.resolve("logs"));
    }

    public static void main(String[] args) {
        String scaleName = System.getProperty("llmwatcher.bench.scale", "full");
        if (scaleName.startsWith("fleet")) {
            Path work = Path.of(System.getProperty("llmwatcher.test.work", "target/test-servers"))
                    .resolveSibling("benchmark");
            Path lib = Path.of(System.getProperty("llmwatcher.bench.lib", work.resolve("lib").toString()));
            FleetBenchmark.run(scaleName, String.join(File.pathSeparator, "target/classes", "target/test-classes",
                    lib.resolve("*").toString()), work);
            System.exit(0);
        }
        Scale scale = Scale.named(scaleName);
        String limit = System.getProperty("llmwatcher.bench.providerLimit", "").strip();
        if (!limit.isEmpty()) {
            scale = scale.withProviderLimit(Integer.parseInt(limit));
        }
        Path work = Path.of(System.getProperty("llmwatcher.test.work", "target/test-servers"))
                .resolveSibling("benchmark");
        Path lib = Path.of(System.getProperty("llmwatcher.bench.lib", work.resolve("lib").toString()));
        String classpath = String.join(File.pathSeparator, "target/classes", "target/test-classes",
                lib.resolve("*").toString());
        System.out.println("llm-watcher benchmark (" + System.getProperty("llmwatcher.bench.scale", "full") + "): "
                + Runtime.getRuntime().availableProcessors() + " CPUs, JDK " + Runtime.version() + ", transparent huge "
                + "pages " + (LauncherFlags.hugePages(LauncherFlags.THP_SETTING).isEmpty() ? "not offered" : "offered")
                + "; starting the test Elasticsearch ...");
        Figures figures = new Benchmark(scale, TestElasticsearch.shared(), classpath, work).run();
        System.out.println(Report.table(figures));
        System.exit(0);
    }

    /** Diagnostics for the watcher's JVM, e.g. {@code -Dllmwatcher.bench.jvmFlags=-XX:StartFlightRecording}. */
    private static String[] extraFlags() {
        String flags = System.getProperty("llmwatcher.bench.jvmFlags", "").strip();
        return flags.isEmpty() ? new String[0] : flags.split("\\s+");
    }

    Figures run() {
        int c = scale.concurrency();
        // The warm-up drain is the watcher's first run, so it records the AOT cache, as bin/llm-watcher's first run
        // does; every later drain but 1f starts from that cache, as the launcher's later runs do. The command line's
        // drains have the launcher's flags for this machine, the start-up probes Lambda's.
        AotCache aot = AotCache.in(work.resolve("aot"));
        boolean cached = AotCache.supported();
        List<String> hugePages = LauncherFlags.hugePages(LauncherFlags.THP_SETTING);
        Figures.Drain warmUp = drain("warm-up", scale.warmUpDocs(), KB, 10 * KB,
                LatencyModel.fixed(scale.fixedLatency()),
                cached ? plus(hugePages, aot.recordFlags().toArray(String[]::new)) : hugePages);
        List<String> launcher = plus(hugePages, cached ? createCache(aot).toArray(String[]::new) : new String[0]);
        Figures.WarmUp warmedUp = warmUntilSteady(warmUp, launcher);
        Figures.Drain fixed = drain("fixed", scale.throughputDocs(), KB, 10 * KB,
                LatencyModel.fixed(scale.fixedLatency()), launcher);
        Figures.Drain fixedWithoutCache = drain("fixed-without-aot-cache", scale.throughputDocs(), KB, 10 * KB,
                LatencyModel.fixed(scale.fixedLatency()), hugePages);
        Figures.Drain fixedDefaultJit = drain("fixed-default-jit", scale.throughputDocs(), KB, 10 * KB,
                LatencyModel.fixed(scale.fixedLatency()), plus(launcher, DEFAULT_JIT.toArray(String[]::new)));
        Figures.Drain tail = drain("long-tail", scale.tailDocs(), KB, 10 * KB,
                LatencyModel.logNormal(TAIL_MEDIAN, TAIL_P99, 42), launcher);
        Figures.Drain limited = drain("provider-limit-" + scale.providerLimit(), scale.tailDocs(), KB, 10 * KB,
                LatencyModel.fixed(scale.fixedLatency()), launcher, scale.providerLimit());
        int[] sizes = scale.memoryDocs();
        List<String> liveSet = plus(launcher, "-D" + MeasuredMain.LIVE_SET_PROPERTY + "=" + LIVE_SET_EVERY.toMillis());
        Figures.Drain small = drain("memory-" + sizes[0], sizes[0], 10 * KB, 10 * KB,
                LatencyModel.fixed(scale.fixedLatency()), liveSet);
        Figures.Drain large = drain("memory-" + sizes[1], sizes[1], 10 * KB, 10 * KB,
                LatencyModel.fixed(scale.fixedLatency()), liveSet);
        Figures.AnswerCache answerCache = answerCacheDrains(launcher);
        Figures.Drain bedrock = bedrockDrain(launcher);
        Figures.Drain scaleOut = scaleOutDrain(launcher);
        log("start-up, " + scale.startupRuns() + " runs each (C=" + c + ")");
        StartupMeasurement startup = new StartupMeasurement(child.withFlags(LAMBDA_JVM_FLAGS), es,
                work.resolve("logs"));
        Figures.Startup[] startups = startup.measure(scale.startupRuns());
        return new Figures(scale, warmedUp, fixed, fixedWithoutCache, cached, fixedDefaultJit, tail, limited, small,
                large, startups[0], startups[1], startups[2], deploymentPackage(), answerCache, bedrock, scaleOut);
    }

    /**
     * Drains further warm-up queues, with the later drains' flags, while Elasticsearch's CPU per document still falls
     * by more than a tenth from one warm-up drain to the next, up to the scale's number of warm-up drains. After one
     * drain of 10,000 documents its JIT (and the fake LLM's) was still compiling: in the first measured drain it took
     * 1.1-1.4 ms of CPU per document, in the same drain repeated two drains later 0.7-1.0 ms, and on two shared cores
     * that difference slowed the watcher. A production cluster has long been warm.
     */
    private Figures.WarmUp warmUntilSteady(Figures.Drain first, List<String> flags) {
        List<Double> esCpu = new ArrayList<>(List.of(first.esCpuMillisPerDoc()));
        boolean steady = false;
        while (!steady && esCpu.size() < scale.warmUpDrains()) {
            Figures.Drain next = drain("warm-up-" + (esCpu.size() + 1), scale.warmUpDocs(), KB, 10 * KB,
                    LatencyModel.fixed(scale.fixedLatency()), flags);
            double previous = esCpu.getLast();
            esCpu.add(next.esCpuMillisPerDoc());
            steady = next.esCpuMillisPerDoc() > 0.9 * previous;
            log("warm-up %d: Elasticsearch %.2f ms CPU per document, %.2f in the drain before%s".formatted(
                    esCpu.size(), esCpu.getLast(), previous, steady ? ": warm" : ""));
        }
        return new Figures.WarmUp(scale.warmUpDocs(), esCpu, steady);
    }

    /** Makes the cache from the warm-up drain's recording, in a JVM of its own; returns the flags that use it. */
    private List<String> createCache(AotCache aot) {
        log("making the AOT cache from the warm-up drain's recording");
        child.withFlags(aot.createFlags()).runWithoutMain("aot-create").requireSuccess("creating the AOT cache");
        if (size(aot.cache()) == 0) {
            throw new IllegalStateException("the JVM made an empty AOT cache " + aot.cache());
        }
        return aot.useFlags();
    }

    /**
     * Queues {@code docs} documents and drains them with the command line in a child JVM given {@code childFlags}.
     * Between the two route-statistics snapshots only the watcher talks to Elasticsearch.
     */
    Figures.Drain drain(String name, int docs, int minBytes, int maxBytes, LatencyModel latency,
                        List<String> childFlags) {
        return drain(name, docs, minBytes, maxBytes, latency, childFlags, Integer.MAX_VALUE);
    }

    /** As above, against a provider that answers 429 (without {@code Retry-After}) above {@code providerLimit}. */
    Figures.Drain drain(String name, int docs, int minBytes, int maxBytes, LatencyModel latency,
                        List<String> childFlags, int providerLimit) {
        try (FakeOllamaServer ollama = answering(latency)) {
            ollama.concurrencyLimit(providerLimit, null);
            return drain(name, docs, docs, name.hashCode(), minBytes, maxBytes, latency, childFlags,
                    Provider.of(ollama), answerCache, 1);
        }
    }

    /**
     * The fake provider a drain runs against: the settings that point the watcher at it, the calls it counted, and
     * when its first request arrived and its last answer left (empty when it does not note them).
     */
    private record Provider(String name, Map<String, String> settings, IntSupplier calls,
                            Supplier<Optional<long[]>> calling) {

        static Provider of(FakeOllamaServer ollama) {
            return new Provider("ollama", Map.of("OLLAMA_API_URL", ollama.baseUrl().toString()), ollama::calls,
                    ollama::callingEpochMillis);
        }

        /** Bedrock through the AWS SDK's endpoint override, with made-up credentials from the environment. */
        static Provider of(FakeBedrockServer bedrock) {
            return new Provider("bedrock", Map.of("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", bedrock.endpoint().toString(),
                    "AWS_REGION", "us-east-1", "AWS_ACCESS_KEY_ID", "AKIDLLMWATCHERBENCH",
                    "AWS_SECRET_ACCESS_KEY", "llm-watcher-benchmark-not-a-secret", "AWS_EC2_METADATA_DISABLED",
                    "true"), bedrock::calls, Optional::empty);
        }
    }

    /**
     * The fixed-latency drain (1a's size, C and L) with every document for Bedrock: the AWS SDK's Converse call
     * (SigV4 signing, its JSON protocol, url-connection-client) instead of Ollama over the JDK's client. Its CPU per
     * document against 1a's is what the SDK costs (3f).
     */
    Figures.Drain bedrockDrain(List<String> flags) {
        LatencyModel latency = LatencyModel.fixed(scale.fixedLatency());
        try (FakeBedrockServer bedrock = new FakeBedrockServer()) {
            bedrock.respond(FakeBedrockServer.text(QueueLoader.ANSWER)).latency(scale.fixedLatency())
                    .recordRequests(false);
            return drain("bedrock", scale.throughputDocs(), scale.throughputDocs(), 29, KB, 10 * KB, latency, flags,
                    Provider.of(bedrock), answerCache, 1);
        }
    }

    /**
     * {@value #SCALE_OUT_DRAINERS} drainer processes side by side on one queue of that many times 1a's documents,
     * each with 1a's C, against one fake Ollama at 1a's L (1g): their calling phase against 1a's shows whether the
     * watcher scales out on one machine or runs out of CPU first (the processes share its cores).
     */
    Figures.Drain scaleOutDrain(List<String> flags) {
        LatencyModel latency = LatencyModel.fixed(scale.fixedLatency());
        try (FakeOllamaServer ollama = answering(latency)) {
            int docs = SCALE_OUT_DRAINERS * scale.throughputDocs();
            return drain("scale-out-" + SCALE_OUT_DRAINERS, docs, docs, 31, KB, 10 * KB, latency, flags,
                    Provider.of(ollama), answerCache, SCALE_OUT_DRAINERS);
        }
    }

    /** A fake Ollama answering every prompt after {@code latency}, counting its calls. */
    private static FakeOllamaServer answering(LatencyModel latency) {
        FakeOllamaServer ollama = new FakeOllamaServer();
        ollama.respond(Reply.text(QueueLoader.ANSWER)).latency(latency).recordRequests(false).countBy(request -> "all");
        return ollama;
    }

    /**
     * Queues {@code docs} documents with {@code distinct} different texts (made from {@code seed}) for
     * {@code provider} and drains them with the command line in {@code drainers} child JVMs side by side, each given
     * {@code childFlags}, with {@code settings} added to their environment. Between the two route-statistics
     * snapshots only the watchers talk to Elasticsearch. With several drainers, CPU, GC and request figures are their
     * sums, memory their largest, and the run from the first one's start to the last one's end.
     */
    private Figures.Drain drain(String name, int docs, int distinct, long seed, int minBytes, int maxBytes,
                                LatencyModel latency, List<String> childFlags, Provider provider,
                                Map<String, String> settings, int drainers) {
        String queue = TestElasticsearch.uniqueIndex("bench-queue");
        String target = TestElasticsearch.uniqueIndex("bench-target");
        log(name + ": queueing " + docs + " documents");
        try (ClusterAdmin admin = ClusterAdmin.open(es.settings())) {
            admin.templates().install(queue, Optional.empty());
        }
        new QueueLoader(es).load(queue, target, docs, distinct, minBytes, maxBytes, seed, provider.name());
        int callsBefore = provider.calls().getAsInt();
        RouteStats requestsBefore = RouteStats.of(es);
        Duration esCpuBefore = es.cpuTime();
        Duration driverCpuBefore = ownCpu();
        log(name + ": draining" + (drainers == 1 ? "" : " with " + drainers + " watchers side by side"));
        Map<String, String> environment = new HashMap<>(settings);
        environment.putAll(provider.settings());
        environment.putAll(Map.of("ELASTICSEARCH_URL", es.url().toString(),
                "LLM_WATCHER_WATCH_INDEX", queue,
                "LLM_WATCHER_BATCH_SIZE", Integer.toString(scale.batchSize()),
                "LLM_WATCHER_CONCURRENCY", Integer.toString(scale.concurrency())));
        List<Properties> measured = new ArrayList<>();
        List<ChildJvm.Run> runs = drainers(name, drainers, environment, childFlags, measured);
        double esCpu = es.cpuTime().minus(esCpuBefore).toNanos() / 1e9;
        double driverCpu = ownCpu().minus(driverCpuBefore).toNanos() / 1e9;
        RouteStats requests = RouteStats.of(es).minus(requestsBefore);
        long started = measured.stream().mapToLong(m -> number(m, "mainStartedEpochMillis")).min().orElseThrow();
        long ended = measured.stream().mapToLong(m -> number(m, "endEpochMillis")).max().orElseThrow();
        long[] calling = provider.calling().get().orElse(new long[] {0, 0});
        double callingSeconds = (calling[1] - calling[0]) / 1e3;
        double headSeconds = (calling[0] - started) / 1e3;
        double tailSeconds = (ended - calling[1]) / 1e3;
        double runSeconds = drainers == 1 ? number(measured.getFirst(), "runNanos") / 1e9 : (ended - started) / 1e3;
        Figures.Drain drain = new Figures.Drain(docs, runSeconds, callingSeconds, headSeconds, tailSeconds,
                runs.stream().mapToLong(ChildJvm.Run::wallNanos).max().orElseThrow() / 1e9,
                sum(measured, "cpuNanos") / 1e9, esCpu, driverCpu, max(measured, "peakHeapBytes"),
                max(measured, "peakRssBytes"), max(measured, "maxLiveHeapBytes"), requests, latency.samples(),
                provider.calls().getAsInt() - callsBefore, es.count(target), es.count(queue),
                measured.stream().allMatch(m -> Boolean.parseBoolean(m.getProperty("classSharing"))),
                sum(measured, "gcMillis"), sum(measured, "gcCount"));
        es.delete("/" + queue + "," + target);
        return drain;
    }

    /** Runs {@code count} watchers ({@code --once}) at the same time and adds what each measured to {@code into}. */
    private List<ChildJvm.Run> drainers(String name, int count, Map<String, String> environment,
                                        List<String> childFlags, List<Properties> into) {
        List<Path> figuresFiles = new ArrayList<>();
        List<CompletableFuture<ChildJvm.Run>> running = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < count; i++) {
                String run = count == 1 ? name : name + "-" + (i + 1);
                Path figuresFile = work.resolve("figures-" + run + ".properties");
                figuresFiles.add(figuresFile);
                ChildJvm drainer = child.withFlags(plus(childFlags, "-D" + MeasuredMain.FIGURES_PROPERTY + "="
                        + figuresFile));
                running.add(CompletableFuture.supplyAsync(() -> drainer.run("drain-" + run, environment,
                        MeasuredMain.class.getName(), "--once").requireSuccess("the watcher draining (" + run + ")"),
                        threads));
            }
        }
        List<ChildJvm.Run> runs = running.stream().map(CompletableFuture::join).toList();
        figuresFiles.forEach(file -> into.add(read(file)));
        return runs;
    }

    private static long sum(List<Properties> measured, String key) {
        return measured.stream().mapToLong(m -> number(m, key)).sum();
    }

    private static long max(List<Properties> measured, String key) {
        return measured.stream().mapToLong(m -> number(m, key)).max().orElseThrow();
    }

    /**
     * The answer cache's drains (6a-6c), against one fake Ollama so that the questions stay the same: a queue with a
     * tenth as many distinct texts as documents, then the same queue again (every answer from the cache: what bounds
     * it is Elasticsearch), and for reference Elasticsearch's write path alone, an instantly answering LLM with the
     * cache off.
     */
    Figures.AnswerCache answerCacheDrains(List<String> flags) {
        int docs = scale.throughputDocs();
        int distinct = Math.max(1, docs / 10);
        Map<String, String> cache = Map.of("LLM_WATCHER_ANSWER_CACHE_INDEX",
                TestElasticsearch.uniqueIndex("bench-answer-cache"));
        Figures.Drain tenPercent;
        Figures.Drain allHits;
        LatencyModel fixedLatency = LatencyModel.fixed(scale.fixedLatency());
        try (FakeOllamaServer ollama = answering(fixedLatency)) {
            tenPercent = drain("answer-cache-10-percent", docs, distinct, 17, KB, 10 * KB, fixedLatency, flags,
                    Provider.of(ollama), cache, 1);
            allHits = drain("answer-cache-all-hits", docs, distinct, 17, KB, 10 * KB, fixedLatency, flags,
                    Provider.of(ollama), cache, 1);
        } finally {
            es.delete("/" + cache.get("LLM_WATCHER_ANSWER_CACHE_INDEX"));
        }
        LatencyModel instant = LatencyModel.fixed(Duration.ZERO);
        Figures.Drain writePath;
        try (FakeOllamaServer ollama = answering(instant)) {
            writePath = drain("instant-llm-no-cache", docs, docs, 17, KB, 10 * KB, instant, flags,
                    Provider.of(ollama), Map.of("LLM_WATCHER_ANSWER_CACHE", "false"), 1);
        }
        return new Figures.AnswerCache(distinct, tenPercent, allHits, writePath);
    }

    /** This JVM's CPU time: the fake LLM, which serves the drain, and little else meanwhile. */
    private static Duration ownCpu() {
        return ProcessHandle.current().info().totalCpuDuration().orElse(Duration.ZERO);
    }

    /**
     * The shaded jar, and the Lambda package as {@code sam build} makes it ({@link LambdaPackage}: the Makefile's
     * target in a copy of the repository, elasticsearch-java shrunk as the pom's lambda-package profile does).
     */
    private Figures.Package deploymentPackage() {
        Path shaded = Path.of("target", "llm-watcher.jar");
        log("deployment package: make build-WatcherFunction in a copy of the repository");
        LambdaPackage lambda = LambdaPackage.get();
        if (lambda.build().exitCode() != 0) {
            throw new IllegalStateException("make build-WatcherFunction failed: " + lambda.build().output());
        }
        long classes = 0;
        long jars = 0;
        int count = 0;
        for (String file : lambda.files()) {
            long bytes = size(lambda.artifacts().resolve(file));
            if (file.startsWith("lib/")) {
                jars += bytes;
                count++;
            } else {
                classes += bytes;
            }
        }
        return new Figures.Package(Files.isRegularFile(shaded) ? size(shaded) : -1, classes, jars, count);
    }

    private static Properties read(Path file) {
        Properties properties = new Properties();
        try {
            properties.load(new StringReader(Files.readString(file)));
        } catch (IOException e) {
            throw new UncheckedIOException("the watcher wrote no figures to " + file, e);
        }
        return properties;
    }

    private static long number(Properties properties, String key) {
        return Long.parseLong(properties.getProperty(key, "-1"));
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    static void log(String message) {
        System.out.println("  ... " + message);
    }

    public static List<String> plus(List<String> list, String... more) {
        List<String> all = new ArrayList<>(list);
        all.addAll(List.of(more));
        return all;
    }
}
