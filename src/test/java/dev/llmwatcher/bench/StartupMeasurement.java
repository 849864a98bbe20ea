package dev.llmwatcher.bench;

import dev.llmwatcher.testing.TestElasticsearch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Cold start as a Lambda would pay it: fresh JVMs with Lambda's flags run {@link StartupProbe} (build the watcher,
 * one pass over an empty queue) and, alternately, {@link HelloProbe} (the bare baseline). Reports the medians of the
 * time from JVM start to the end of the invocation, and the classes each loads.
 */
final class StartupMeasurement {

    private static final Pattern DONE = Pattern.compile("done-at-uptime-ms=(\\d+)");
    private static final Pattern INVOCATION = Pattern.compile("invocation-ms=(\\d+)");

    private final ChildJvm jvm;
    private final TestElasticsearch es;
    private final Path logDir;

    /**
     * The Lambda package has one log backend, Log4j; this class path also has the command line's (slf4j-simple), so
     * the probes name the one Lambda uses.
     */
    private static final List<String> LAMBDA_LOG_BACKEND = List.of(
            "-Dslf4j.provider=org.apache.logging.slf4j.SLF4JServiceProvider", "-Dslf4j.internal.verbosity=WARN");

    StartupMeasurement(ChildJvm jvm, TestElasticsearch es, Path logDir) {
        this.jvm = jvm.withFlags(LAMBDA_LOG_BACKEND);
        this.es = es;
        this.logDir = logDir;
    }

    /**
     * {watcher, watcher primed for SnapStart, hello}. With several runs, one unmeasured run of each first warms the OS
     * file cache for all.
     */
    Figures.Startup[] measure(int runs) {
        String queue = TestElasticsearch.uniqueIndex("bench-empty-queue");
        es.put("/" + queue, "{}");
        Map<String, String> env = Map.of("ELASTICSEARCH_URL", es.url().toString(), "LLM_WATCHER_WATCH_INDEX", queue);
        double[][] watcher = new double[3][runs];
        double[][] primed = new double[3][runs];
        double[][] hello = new double[3][runs];
        if (runs > 1) {
            once("watcher-warm-up", env, StartupProbe.class, jvm);
            once("hello-warm-up", env, HelloProbe.class, jvm);
        }
        for (int i = 0; i < runs; i++) {
            record(watcher, i, once("watcher-" + i, env, StartupProbe.class, jvm));
            record(primed, i, once("watcher-primed-" + i, env, StartupProbe.class, jvm, "primed"));
            record(hello, i, once("hello-" + i, env, HelloProbe.class, jvm));
        }
        long[] watcherClasses = classes("watcher", env, StartupProbe.class);
        long[] helloClasses = classes("hello", env, HelloProbe.class);
        es.delete("/" + queue);
        return new Figures.Startup[] {startup(watcher, watcherClasses), startup(primed, new long[] {-1, -1}),
            startup(hello, helloClasses)};
    }

    private static Figures.Startup startup(double[][] runs, long[] classes) {
        return new Figures.Startup(Benchmark.median(runs[0]), Benchmark.median(runs[1]), Benchmark.median(runs[2]),
                classes[0], classes[1]);
    }

    private static void record(double[][] into, int i, ChildJvm.Run run) {
        Matcher done = DONE.matcher(run.stdout());
        if (!done.find()) {
            throw new IllegalStateException("the start-up probe printed no time: " + run.stdout() + "; see "
                    + run.stderr());
        }
        into[0][i] = Long.parseLong(done.group(1));
        into[1][i] = run.wallNanos() / 1e6;
        Matcher invocation = INVOCATION.matcher(run.stdout());
        into[2][i] = invocation.find() ? Long.parseLong(invocation.group(1)) : -1;
    }

    private static ChildJvm.Run once(String name, Map<String, String> env, Class<?> main, ChildJvm jvm,
                                     String... args) {
        return jvm.run("startup-" + name, env, main.getName(), args).requireSuccess("start-up probe " + name);
    }

    /** {all classes loaded, those not from the JDK's runtime image}. */
    private long[] classes(String name, Map<String, String> env, Class<?> main) {
        Path log = logDir.resolve("classes-" + name + ".txt");
        once("classes-" + name, env, main, jvm.withFlags(List.of("-Xlog:class+load=info:file=" + log)));
        try (Stream<String> lines = Files.lines(log)) {
            List<String> loaded = lines.filter(line -> line.contains("source:")).toList();
            long app = loaded.stream().filter(line -> !line.contains("source: jrt:/")
                    && !line.contains("shared objects file")).count();
            return new long[] {loaded.size(), app};
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
